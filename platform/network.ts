import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config/schema";
import {
  allowDns,
  allowEgress,
  allowIngress,
  defaultDeny,
  internetPeer,
  ipPeer,
  podPeer,
  tcp,
  type PodSelection,
  type Rule,
} from "../components/specs/networkPolicies";
import { LITELLM_PORT } from "../components/specs/gatewayWorkloads";
import { POSTGRES_PORT, REDIS_PORT } from "../components/specs/gatewayData";
import { QDRANT_HTTP_PORT } from "../components/specs/qdrant";
import { VLLM_PORT } from "../components/specs/vllm";
import { addonsUsed, monitoringNamespace } from "./addons";
import { edgeRoutes } from "./edge";
import {
  APP_PODS,
  chartPodLabels,
  CHART_PORTS,
  releaseNames,
  backupTargets,
  cidrContains,
  cloudProvidersConfigured,
  edgeProxy,
  hasDevicePlugin,
  http01Namespaces,
  lanTargets,
  prometheus,
} from "./flows";
import { publicRoutes } from "./routes";

type Specs = Record<string, k8s.networking.v1.NetworkPolicyArgs>;

/** Prometheus pods, when monitoring is configured: the only scraper any metrics port admits. */
function prometheusPeers(config: PlatformConfig) {
  const p = prometheus(config);
  return p ? [podPeer(p.namespace, p.pods)] : [];
}

/**
 * The API server's addresses (network.apiServer.cidrs), minus the out-of-cluster hosts the stack knows
 * are something else (the workstation's /32): the default ranges are wide, and a LAN inference box must
 * not reach the operators' webhooks.
 */
function apiServerPeers(config: PlatformConfig) {
  const hosts = lanTargets(config).flatMap((t) => t.cidrs.filter((c) => c.endsWith("/32")));
  return config.network.apiServer.cidrs.map((cidr) =>
    ipPeer(
      cidr,
      hosts.filter((h) => cidrContains(cidr, h.split("/")[0]!)),
    ),
  );
}

const edgePeer = (config: PlatformConfig) => {
  const proxy = edgeProxy(config);
  return podPeer(proxy.namespace, proxy.pods);
};

/** Egress from a release's pods (or every pod: `{}`) to the API server: every operator watches or writes objects. */
function allowApiServer(config: PlatformConfig, namespace: string, pods: PodSelection, name = "allow-api-server"): k8s.networking.v1.NetworkPolicyArgs {
  return allowEgress({ namespace, name, pods, rules: [{ peers: apiServerPeers(config), ports: tcp(...config.network.apiServer.ports) }] });
}

/** An admission webhook only the API server may call (plus any extra peers, e.g. its scraper). */
function webhookFromApiServer(
  config: PlatformConfig,
  namespace: string,
  name: string,
  pods: PodSelection,
  port: number,
  extra: Rule[] = [],
): k8s.networking.v1.NetworkPolicyArgs {
  return allowIngress({ namespace, name, pods, rules: [{ peers: apiServerPeers(config), ports: tcp(port) }, ...extra] });
}

/** cert-manager's HTTP-01 solver pods in a namespace with an HTTP-01 Certificate: reached by the edge's NGINX only. */
function withAcmeSolver(config: PlatformConfig, namespace: string, specs: Specs): Specs {
  if (!http01Namespaces(config).includes(namespace)) return specs;
  return {
    ...specs,
    "acme-http01-solver": allowIngress({
      namespace,
      name: "allow-acme-http01-solver",
      pods: chartPodLabels(config).acmeSolver,
      rules: [{ peers: [edgePeer(config)], ports: tcp(CHART_PORTS.acmeSolver) }],
    }),
  };
}

/** Backup Jobs to their S3 bucket: the endpoint's /32, or any public address for a host name. */
function backupEgress(config: PlatformConfig, namespace: string, who: "postgres-backup" | "qdrant-snapshot", pods: PodSelection): Specs {
  const targets = backupTargets(config).filter((b) => b.who === who);
  if (targets.length === 0) return {};
  return {
    "backups-egress": allowEgress({
      namespace,
      name: `allow-${who}-to-s3`,
      pods,
      rules: targets.map((t) => ({
        peers: t.cidrs.map((c) => (c === "0.0.0.0/0" ? internetPeer(config.network.privateCidrs) : ipPeer(c))),
        ports: tcp(t.port),
      })),
    }),
  };
}

/** Inference: only the gateway (and Prometheus) reach vLLM; the model cache's Jobs reach Hugging Face. */
export function inferenceNetworkPolicies(config: PlatformConfig): Specs {
  const ns = config.namespaces.inference;
  const specs: Specs = {
    "default-deny": defaultDeny(ns),
    "allow-dns": allowDns(ns),
    "gateway-to-vllm": allowIngress({
      namespace: ns,
      name: "allow-gateway-to-vllm",
      pods: APP_PODS.vllm,
      rules: [{ peers: [podPeer(config.namespaces.gateway, APP_PODS.litellm), ...prometheusPeers(config)], ports: tcp(VLLM_PORT) }],
    }),
  };
  if (config.network.modelDownloads) {
    specs["model-downloads"] = allowEgress({
      namespace: ns,
      name: "allow-model-downloads",
      pods: APP_PODS.modelDownload,
      rules: [{ peers: [internetPeer(config.network.privateCidrs)], ports: tcp(443) }],
    });
  }
  return specs;
}

/**
 * The gateway namespace: LiteLLM is reached by the edge, the clients Job and (with its metrics on)
 * Prometheus; Postgres only by LiteLLM and its own Jobs; Redis only by LiteLLM. LiteLLM reaches the
 * model servers, Qdrant and — only when configured — cloud providers over the internet (private
 * ranges excepted) and the dev workstation (its /32).
 */
export function gatewayNetworkPolicies(config: PlatformConfig): Specs {
  const ns = config.namespaces.gateway;
  const local = (pods: PodSelection) => podPeer(ns, pods);
  const scrapers = config.monitoring?.gateway.litellmMetrics ? prometheusPeers(config) : [];
  const litellmIngress: Rule[] = [{ peers: [...(config.edge ? [edgePeer(config)] : []), local(APP_PODS.clientsJob), ...scrapers], ports: tcp(LITELLM_PORT) }];
  const litellmEgress: Rule[] = [
    { peers: [local(APP_PODS.postgres)], ports: tcp(POSTGRES_PORT) },
    { peers: [local(APP_PODS.redis)], ports: tcp(REDIS_PORT) },
    { peers: [podPeer(config.namespaces.data, APP_PODS.qdrant)], ports: tcp(QDRANT_HTTP_PORT) },
  ];
  if (Object.keys(config.servers).length > 0) litellmEgress.push({ peers: [podPeer(config.namespaces.inference, APP_PODS.vllm)], ports: tcp(VLLM_PORT) });
  const postgresClients = [APP_PODS.litellm, APP_PODS.migrate, APP_PODS.postgresSetup, APP_PODS.postgresBackup];
  const specs: Specs = {
    "default-deny": defaultDeny(ns),
    "allow-dns": allowDns(ns),
    "to-litellm": allowIngress({ namespace: ns, name: "allow-to-litellm", pods: APP_PODS.litellm, rules: litellmIngress }),
    "to-postgres": allowIngress({
      namespace: ns,
      name: "allow-to-postgres",
      pods: APP_PODS.postgres,
      rules: [{ peers: postgresClients.map(local), ports: tcp(POSTGRES_PORT) }],
    }),
    "to-redis": allowIngress({
      namespace: ns,
      name: "allow-to-redis",
      pods: APP_PODS.redis,
      rules: [{ peers: [local(APP_PODS.litellm)], ports: tcp(REDIS_PORT) }],
    }),
    "litellm-egress": allowEgress({ namespace: ns, name: "allow-litellm-egress", pods: APP_PODS.litellm, rules: litellmEgress }),
    "postgres-jobs-egress": allowEgress({
      namespace: ns,
      name: "allow-postgres-jobs-egress",
      pods: {
        matchExpressions: [
          { key: "app.kubernetes.io/name", operator: "In", values: ["litellm-migrate", "postgres-setup", "postgres-backup"] },
          { key: "app.kubernetes.io/instance", operator: "In", values: [APP_PODS.postgres["app.kubernetes.io/instance"]!] },
        ],
      },
      rules: [{ peers: [local(APP_PODS.postgres)], ports: tcp(POSTGRES_PORT) }],
    }),
    ...backupEgress(config, ns, "postgres-backup", APP_PODS.postgresBackup),
  };
  if (Object.keys(config.gateway.clients).length > 0) {
    specs["clients-job-egress"] = allowEgress({
      namespace: ns,
      name: "allow-clients-job-egress",
      pods: APP_PODS.clientsJob,
      rules: [{ peers: [local(APP_PODS.litellm)], ports: tcp(LITELLM_PORT) }],
    });
  }
  if (cloudProvidersConfigured(config).length > 0) {
    specs["litellm-to-providers"] = allowEgress({
      namespace: ns,
      name: "allow-litellm-to-providers",
      pods: APP_PODS.litellm,
      rules: [{ peers: [internetPeer(config.network.privateCidrs)], ports: tcp(443) }],
    });
  }
  const lan = lanTargets(config);
  if (lan.length > 0) {
    specs["litellm-to-lan-inference"] = allowEgress({
      namespace: ns,
      name: "allow-litellm-to-lan-inference",
      pods: APP_PODS.litellm,
      rules: lan.map((t) => ({ peers: t.cidrs.map((c) => ipPeer(c)), ports: tcp(t.port) })),
    });
  }
  return withAcmeSolver(config, ns, specs);
}

/** Qdrant: reached by the gateway, the edge's read-only search path, its own Jobs and Prometheus. */
export function dataNetworkPolicies(config: PlatformConfig): Specs {
  const ns = config.namespaces.data;
  return withAcmeSolver(config, ns, {
    "default-deny": defaultDeny(ns),
    "allow-dns": allowDns(ns),
    "to-qdrant": allowIngress({
      namespace: ns,
      name: "allow-to-qdrant",
      pods: APP_PODS.qdrant,
      rules: [
        {
          peers: [
            podPeer(config.namespaces.gateway, APP_PODS.litellm),
            ...(config.edge ? [edgePeer(config)] : []),
            podPeer(ns, APP_PODS.jobs),
            ...prometheusPeers(config),
          ],
          ports: tcp(QDRANT_HTTP_PORT),
        },
      ],
    }),
    "jobs-egress": allowEgress({
      namespace: ns,
      name: "allow-jobs-to-qdrant",
      pods: APP_PODS.jobs,
      rules: [{ peers: [podPeer(ns, APP_PODS.qdrant)], ports: tcp(QDRANT_HTTP_PORT) }],
    }),
    ...backupEgress(config, ns, "qdrant-snapshot", APP_PODS.jobs),
  });
}

/** The backends the edge routes to, as pods: LiteLLM for the gateway routes, Qdrant for vector search. */
function edgeBackends(config: PlatformConfig): Rule[] {
  const backendPods = { gateway: APP_PODS.litellm, "vector-store": APP_PODS.qdrant };
  const routes = edgeRoutes(config);
  const byBackend = new Map<string, Rule>();
  for (const route of publicRoutes(config)) {
    const service = routes[route.key]!.service;
    byBackend.set(route.backend, { peers: [podPeer(service.namespace, backendPods[route.backend])], ports: tcp(service.port) });
  }
  return [...byBackend.values()];
}

/**
 * The edge namespace. ingress-nginx: clients reach the controller on 80/443 from anywhere, its
 * admission webhook only the API server (the class of bug behind CVE-2025-1974). NGINX Gateway Fabric:
 * clients reach the Gateway's data plane, whose agent reaches the control plane; the control plane
 * alone talks to the API server. Either way the NGINX pods reach the route backends and the ACME solvers.
 */
export function ingressNetworkPolicies(config: PlatformConfig): Specs {
  const ns = config.namespaces.ingress;
  const used = addonsUsed(config);
  const proxy = edgeProxy(config).pods;
  const metrics = used.ingressNginx ? prometheusPeers(config) : [];
  const specs: Specs = {
    "default-deny": defaultDeny(ns),
    "allow-dns": allowDns(ns),
    "to-edge": allowIngress({
      namespace: ns,
      name: "allow-to-edge",
      pods: proxy,
      rules: [
        { peers: [ipPeer("0.0.0.0/0")], ports: tcp(CHART_PORTS.http, CHART_PORTS.https) },
        // cert-manager's HTTP-01 self-check: the LoadBalancer address is answered by these pods inside the cluster.
        { peers: [podPeer(config.namespaces.certManager, chartPodLabels(config).certManagerController)], ports: tcp(CHART_PORTS.http) },
        ...(metrics.length ? [{ peers: metrics, ports: tcp(CHART_PORTS.ingressMetrics) }] : []),
      ],
    }),
    "edge-egress": allowEgress({
      namespace: ns,
      name: "allow-edge-to-backends",
      pods: proxy,
      rules: [
        ...edgeBackends(config),
        { peers: http01Namespaces(config).map((n) => podPeer(n, chartPodLabels(config).acmeSolver)), ports: tcp(CHART_PORTS.acmeSolver) },
        ...(used.nginxGatewayFabric
          ? [{ peers: [podPeer(ns, chartPodLabels(config).gatewayFabricControlPlane)], ports: tcp(CHART_PORTS.gatewayFabricAgent) }]
          : []),
      ],
    }),
  };
  if (used.ingressNginx) {
    specs["admission-webhook"] = webhookFromApiServer(
      config,
      ns,
      "allow-admission-webhook-from-api-server",
      chartPodLabels(config).ingressController,
      CHART_PORTS.ingressWebhook,
    );
    specs["api-server"] = allowApiServer(config, ns, { "app.kubernetes.io/instance": releaseNames(config).ingress });
  }
  if (used.nginxGatewayFabric) {
    specs["control-plane"] = allowIngress({
      namespace: ns,
      name: "allow-data-plane-to-control-plane",
      pods: chartPodLabels(config).gatewayFabricControlPlane,
      rules: [{ peers: [podPeer(ns, chartPodLabels(config).gatewayFabricDataPlane)], ports: tcp(CHART_PORTS.gatewayFabricAgent) }],
    });
    specs["api-server"] = allowApiServer(config, ns, { "app.kubernetes.io/instance": releaseNames(config).gatewayFabric });
  }
  return withAcmeSolver(config, ns, specs);
}

/** cert-manager: API server egress, its webhook only from the API server, ACME over the internet when the edge issues certificates. */
export function certManagerNetworkPolicies(config: PlatformConfig): Specs {
  const ns = config.namespaces.certManager;
  const metrics = prometheusPeers(config);
  return {
    "default-deny": defaultDeny(ns),
    "allow-dns": allowDns(ns),
    "api-server": allowApiServer(config, ns, { "app.kubernetes.io/instance": releaseNames(config).certManager }),
    webhook: webhookFromApiServer(config, ns, "allow-webhook-from-api-server", chartPodLabels(config).certManagerWebhook, CHART_PORTS.webhook),
    ...(config.edge
      ? {
          acme: allowEgress({
            namespace: ns,
            name: "allow-acme",
            pods: chartPodLabels(config).certManagerController,
            rules: [
              { peers: [internetPeer(config.network.privateCidrs)], ports: tcp(443, CHART_PORTS.http) },
              { peers: [edgePeer(config)], ports: tcp(CHART_PORTS.http) },
            ],
          }),
        }
      : {}),
    ...(metrics.length
      ? {
          metrics: allowIngress({
            namespace: ns,
            name: "allow-metrics",
            pods: chartPodLabels(config).certManagerController,
            rules: [{ peers: metrics, ports: tcp(CHART_PORTS.certManagerMetrics) }],
          }),
        }
      : {}),
  };
}

/** External Secrets (installed for a Bitwarden store, with its SDK server): API server egress, its webhook only from the API server, the controller to the SDK server, the SDK server to Bitwarden. */
export function externalSecretsNetworkPolicies(config: PlatformConfig): Specs {
  const ns = config.namespaces.externalSecrets;
  const sdk = chartPodLabels(config).bitwardenSdkServer;
  return {
    "default-deny": defaultDeny(ns),
    "allow-dns": allowDns(ns),
    "api-server": allowApiServer(config, ns, { "app.kubernetes.io/instance": releaseNames(config).externalSecrets }),
    webhook: webhookFromApiServer(config, ns, "allow-webhook-from-api-server", chartPodLabels(config).externalSecretsWebhook, CHART_PORTS.webhook),
    "controller-to-sdk-server": allowEgress({
      namespace: ns,
      name: "allow-controller-to-sdk-server",
      pods: chartPodLabels(config).externalSecretsController,
      rules: [{ peers: [podPeer(ns, sdk)], ports: tcp(CHART_PORTS.bitwardenSdk) }],
    }),
    "sdk-server": allowIngress({
      namespace: ns,
      name: "allow-to-sdk-server",
      pods: sdk,
      rules: [{ peers: [podPeer(ns, chartPodLabels(config).externalSecretsController)], ports: tcp(CHART_PORTS.bitwardenSdk) }],
    }),
    "sdk-server-to-bitwarden": allowEgress({
      namespace: ns,
      name: "allow-sdk-server-to-bitwarden",
      pods: sdk,
      rules: [{ peers: [internetPeer(config.network.privateCidrs)], ports: tcp(443) }],
    }),
  };
}

/**
 * The GPU operators' namespace (privileged: host paths, device nodes): the device plugin's release
 * reaches the API server and its NFD workers the NFD master; with DRA, NVIDIA's DRA driver (its kubelet
 * plugin) and Node Feature Discovery reach the API server; Prometheus reaches the DCGM exporter.
 */
export function devicePluginNetworkPolicies(config: PlatformConfig): Specs {
  const ns = config.namespaces.devicePlugin;
  const metrics = prometheusPeers(config);
  const used = addonsUsed(config);
  return {
    "default-deny": defaultDeny(ns),
    "allow-dns": allowDns(ns),
    ...(hasDevicePlugin(config)
      ? {
          "api-server": allowApiServer(config, ns, { "app.kubernetes.io/instance": releaseNames(config).devicePlugin }),
          "nfd-worker-egress": allowEgress({
            namespace: ns,
            name: "allow-nfd-worker-to-master",
            pods: chartPodLabels(config).nfdWorker,
            rules: [{ peers: [podPeer(ns, chartPodLabels(config).nfdMaster)], ports: tcp(CHART_PORTS.nfdGrpc) }],
          }),
          "nfd-master": allowIngress({
            namespace: ns,
            name: "allow-nfd-master-from-workers",
            pods: chartPodLabels(config).nfdMaster,
            rules: [{ peers: [podPeer(ns, chartPodLabels(config).nfdWorker)], ports: tcp(CHART_PORTS.nfdGrpc) }],
          }),
        }
      : {}),
    ...(used.draDriver
      ? { "dra-driver-api-server": allowApiServer(config, ns, { "app.kubernetes.io/instance": releaseNames(config).draDriver }, "allow-dra-driver-api-server") }
      : {}),
    // NFD beside the DRA driver: master, workers, gc (and the post-delete prune Job) reach the API server, nothing else.
    ...(used.nodeFeatureDiscovery
      ? { "nfd-api-server": allowApiServer(config, ns, { "app.kubernetes.io/instance": releaseNames(config).nodeFeatureDiscovery }, "allow-nfd-api-server") }
      : {}),
    ...(used.dcgmExporter && metrics.length
      ? {
          "dcgm-metrics": allowIngress({
            namespace: ns,
            name: "allow-dcgm-metrics",
            pods: chartPodLabels(config).dcgmExporter,
            rules: [{ peers: metrics, ports: tcp(CHART_PORTS.dcgmMetrics) }],
          }),
        }
      : {}),
  };
}

/**
 * KEDA's namespace (serving modes): every KEDA pod reaches the API server; the metrics API server
 * reaches the operator's gRPC metrics service and is reached by the API server (the aggregated
 * external metrics API); the admission webhooks are reached by the API server only.
 */
export function kedaNetworkPolicies(config: PlatformConfig): Specs {
  const ns = config.keda.namespace;
  return {
    "default-deny": defaultDeny(ns),
    "allow-dns": allowDns(ns),
    "api-server": allowApiServer(config, ns, { "app.kubernetes.io/instance": releaseNames(config).keda }),
    "metrics-api-to-operator": allowEgress({
      namespace: ns,
      name: "allow-metrics-api-to-operator",
      pods: chartPodLabels(config).kedaMetricsApiServer,
      rules: [{ peers: [podPeer(ns, chartPodLabels(config).kedaOperator)], ports: tcp(CHART_PORTS.kedaMetricsService) }],
    }),
    "operator-metrics-service": allowIngress({
      namespace: ns,
      name: "allow-operator-metrics-service",
      pods: chartPodLabels(config).kedaOperator,
      rules: [{ peers: [podPeer(ns, chartPodLabels(config).kedaMetricsApiServer)], ports: tcp(CHART_PORTS.kedaMetricsService) }],
    }),
    "metrics-api": webhookFromApiServer(
      config,
      ns,
      "allow-metrics-api-from-api-server",
      chartPodLabels(config).kedaMetricsApiServer,
      CHART_PORTS.kedaMetricsApi,
    ),
    webhooks: webhookFromApiServer(config, ns, "allow-webhooks-from-api-server", chartPodLabels(config).kedaWebhooks, CHART_PORTS.kedaWebhook),
  };
}

/**
 * The monitoring namespace kube-prometheus-stack runs in: every pod reaches the API server (the
 * operator, Prometheus' service discovery, kube-state-metrics, Grafana's sidecar, the admission Jobs);
 * the operator's webhook takes the API server; Prometheus reaches its targets (the scrape flows of
 * platform/flows.ts, the kubelets and CoreDNS), Alertmanager and the stack's own metrics; Grafana
 * reaches Prometheus.
 */
export function monitoringNetworkPolicies(config: PlatformConfig): Specs {
  const ns = monitoringNamespace(config);
  const prom = config.network.prometheusPodLabels;
  const fromPrometheus = (port: number): Rule => ({ peers: [podPeer(ns, prom)], ports: tcp(port) });
  const used = addonsUsed(config);
  const targets: Rule[] = [
    { peers: [podPeer(ns, chartPodLabels(config).alertmanager)], ports: tcp(CHART_PORTS.alertmanager) },
    { peers: [podPeer(ns, chartPodLabels(config).kubeStateMetrics)], ports: tcp(CHART_PORTS.kubeStateMetrics) },
    { peers: [podPeer(ns, chartPodLabels(config).prometheusOperator)], ports: tcp(CHART_PORTS.operator) },
    { peers: [podPeer("kube-system", { "k8s-app": "kube-dns" })], ports: tcp(CHART_PORTS.coreDnsMetrics) },
    // The kubelets (volume usage, cAdvisor): node addresses, in the private ranges.
    { peers: config.network.privateCidrs.map((c) => ipPeer(c)), ports: tcp(CHART_PORTS.kubelet) },
    { peers: [podPeer(config.namespaces.data, APP_PODS.qdrant)], ports: tcp(QDRANT_HTTP_PORT) },
  ];
  if (Object.keys(config.servers).length > 0) targets.push({ peers: [podPeer(config.namespaces.inference, APP_PODS.vllm)], ports: tcp(VLLM_PORT) });
  if (config.monitoring?.gateway.litellmMetrics) targets.push({ peers: [podPeer(config.namespaces.gateway, APP_PODS.litellm)], ports: tcp(LITELLM_PORT) });
  if (used.certManager)
    targets.push({ peers: [podPeer(config.namespaces.certManager, chartPodLabels(config).certManagerController)], ports: tcp(CHART_PORTS.certManagerMetrics) });
  if (used.ingressNginx)
    targets.push({ peers: [podPeer(config.namespaces.ingress, chartPodLabels(config).ingressController)], ports: tcp(CHART_PORTS.ingressMetrics) });
  if (used.dcgmExporter)
    targets.push({ peers: [podPeer(config.namespaces.devicePlugin, chartPodLabels(config).dcgmExporter)], ports: tcp(CHART_PORTS.dcgmMetrics) });
  const specs: Specs = {
    "default-deny": defaultDeny(ns),
    "allow-dns": allowDns(ns),
    "api-server": allowApiServer(config, ns, {}),
    "operator-webhook": webhookFromApiServer(config, ns, "allow-operator-webhook", chartPodLabels(config).prometheusOperator, CHART_PORTS.operator, [
      fromPrometheus(CHART_PORTS.operator),
    ]),
    "prometheus-egress": allowEgress({ namespace: ns, name: "allow-prometheus-scrapes", pods: prom, rules: targets }),
    "to-alertmanager": allowIngress({
      namespace: ns,
      name: "allow-to-alertmanager",
      pods: chartPodLabels(config).alertmanager,
      rules: [fromPrometheus(CHART_PORTS.alertmanager)],
    }),
    "to-kube-state-metrics": allowIngress({
      namespace: ns,
      name: "allow-to-kube-state-metrics",
      pods: chartPodLabels(config).kubeStateMetrics,
      rules: [fromPrometheus(CHART_PORTS.kubeStateMetrics)],
    }),
  };
  if (config.monitoring?.kubePrometheusStack.grafana) {
    specs["grafana-egress"] = allowEgress({
      namespace: ns,
      name: "allow-grafana-to-prometheus",
      pods: chartPodLabels(config).grafana,
      rules: [{ peers: [podPeer(ns, prom)], ports: tcp(CHART_PORTS.prometheus) }],
    });
    specs["to-prometheus"] = allowIngress({
      namespace: ns,
      name: "allow-to-prometheus",
      pods: prom,
      rules: [{ peers: [podPeer(ns, chartPodLabels(config).grafana)], ports: tcp(CHART_PORTS.prometheus) }],
    });
  }
  return specs;
}

/** Namespace resources by role (absent roles are skipped); `monitoring` is whatever its policies must wait for. */
export type NetworkNamespaces = Partial<
  Record<"inference" | "devicePlugin" | "gateway" | "data" | "externalSecrets" | "ingress" | "certManager" | "keda" | "monitoring", pulumi.Resource>
>;

/** The GPU operators' namespace (namespaces.devicePlugin) holds the device plugin, the DRA driver and NFD, or the DCGM exporter. */
export function gpuOperatorsNamespaceUsed(config: PlatformConfig): boolean {
  const used = addonsUsed(config);
  return used.gpuDevicePlugin || used.draDriver || used.nodeFeatureDiscovery || used.dcgmExporter;
}

/** Default deny plus the allows each namespace the program creates needs, by role. */
export function networkPolicySpecs(config: PlatformConfig, namespaces: { [K in keyof NetworkNamespaces]?: unknown }): Record<string, Specs> {
  const out: Record<string, Specs> = {};
  const used = addonsUsed(config);
  if (namespaces.inference) out.inference = inferenceNetworkPolicies(config);
  if (namespaces.gateway) out.gateway = gatewayNetworkPolicies(config);
  if (namespaces.data) out.data = dataNetworkPolicies(config);
  if (namespaces.externalSecrets && used.externalSecrets) out.externalSecrets = externalSecretsNetworkPolicies(config);
  if (namespaces.ingress && config.edge) out.ingress = ingressNetworkPolicies(config);
  if (namespaces.certManager && used.certManager) out.certManager = certManagerNetworkPolicies(config);
  if (namespaces.devicePlugin && gpuOperatorsNamespaceUsed(config)) out.devicePlugin = devicePluginNetworkPolicies(config);
  if (namespaces.keda && used.keda) out.keda = kedaNetworkPolicies(config);
  if (namespaces.monitoring && used.kubePrometheusStack) out.monitoring = monitoringNetworkPolicies(config);
  return out;
}

/** Pulumi names keep their historical prefixes (`inference-`, `gateway-`, `data-`), so existing policies are not replaced on rename. */
const PREFIX: Record<string, string> = {
  inference: "inference",
  gateway: "gateway",
  data: "data",
  externalSecrets: "external-secrets",
  ingress: "ingress",
  certManager: "cert-manager",
  devicePlugin: "device-plugin",
  keda: "keda",
  monitoring: "monitoring",
};

export function deployNetworkPolicies(
  prefix: string,
  specs: Specs,
  dependsOn: pulumi.Resource[],
  opts: pulumi.CustomResourceOptions = {},
): k8s.networking.v1.NetworkPolicy[] {
  return Object.entries(specs).map(([key, spec]) => new k8s.networking.v1.NetworkPolicy(`${prefix}-${key}`, spec, { ...opts, dependsOn }));
}

/** Every namespace's policies, each depending on its Namespace; `opts` carries the stack's Kubernetes provider. */
export function deployAllNetworkPolicies(
  config: PlatformConfig,
  namespaces: NetworkNamespaces,
  opts: pulumi.CustomResourceOptions = {},
): k8s.networking.v1.NetworkPolicy[] {
  return Object.entries(networkPolicySpecs(config, namespaces)).flatMap(([role, specs]) =>
    deployNetworkPolicies(PREFIX[role] ?? role, specs, [namespaces[role as keyof NetworkNamespaces]!], opts),
  );
}
