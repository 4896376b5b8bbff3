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
  type Rule,
} from "../components/specs/networkPolicies";
import { LITELLM_PORT, POSTGRES_PORT, REDIS_PORT } from "../components/specs/gatewayWorkloads";
import { QDRANT_HTTP_PORT } from "../components/specs/qdrant";
import { VLLM_PORT } from "../components/specs/vllm";
import { APP_PODS, CHART_POD_LABELS, CHART_PORTS, RELEASES, cidrContains, cloudProvidersConfigured, hasDevicePlugin, http01Namespaces, lanTargets } from "./flows";
import { addonsUsed } from "./addons";
import { edgeRoutes } from "./edge";
import { publicRoutes } from "./routes";

type Specs = Record<string, k8s.networking.v1.NetworkPolicyArgs>;

/** Prometheus pods, when a monitoring namespace is configured: the only scraper any metrics port admits. */
function prometheusPeers(config: PlatformConfig) {
  return config.namespaces.monitoring ? [podPeer(config.namespaces.monitoring, config.network.prometheusPodLabels)] : [];
}

/**
 * The API server's addresses (network.apiServer.cidrs), minus the out-of-cluster hosts the stack knows
 * are something else (the workstation's /32): the default ranges are wide, and a LAN inference box must
 * not reach the operators' webhooks.
 */
function apiServerPeers(config: PlatformConfig) {
  const hosts = lanTargets(config).flatMap((t) => t.cidrs.filter((c) => c.endsWith("/32")));
  return config.network.apiServer.cidrs.map((cidr) => ipPeer(cidr, hosts.filter((h) => cidrContains(cidr, h.split("/")[0]!))));
}
const ingressController = (config: PlatformConfig) => podPeer(config.namespaces.ingress, CHART_POD_LABELS.ingressController);

/** Egress from a release's pods to the API server (every operator watches or writes objects). */
function allowApiServer(config: PlatformConfig, namespace: string, release: string): k8s.networking.v1.NetworkPolicyArgs {
  return allowEgress({
    namespace,
    name: "allow-api-server",
    pods: { "app.kubernetes.io/instance": release },
    rules: [{ peers: apiServerPeers(config), ports: tcp(...config.network.apiServer.ports) }],
  });
}

/** An admission webhook that only the API server may call. */
function webhookFromApiServer(config: PlatformConfig, namespace: string, name: string, pods: Record<string, string>, port: number): k8s.networking.v1.NetworkPolicyArgs {
  return allowIngress({ namespace, name, pods, rules: [{ peers: apiServerPeers(config), ports: tcp(port) }] });
}

/** cert-manager's HTTP-01 solver pods in a namespace with an HTTP-01 Certificate: reached by the ingress controller only. */
function acmeSolver(config: PlatformConfig, namespace: string): k8s.networking.v1.NetworkPolicyArgs {
  return allowIngress({
    namespace,
    name: "allow-acme-http01-solver",
    pods: CHART_POD_LABELS.acmeSolver,
    rules: [{ peers: [ingressController(config)], ports: tcp(CHART_PORTS.acmeSolver) }],
  });
}

function withAcmeSolver(config: PlatformConfig, namespace: string, specs: Specs): Specs {
  return http01Namespaces(config).includes(namespace) ? { ...specs, "acme-http01-solver": acmeSolver(config, namespace) } : specs;
}

/** Inference: only the gateway (and Prometheus) reach vLLM; vLLM reaches DNS and, if allowed, Hugging Face. */
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
    specs["vllm-model-downloads"] = allowEgress({
      namespace: ns,
      name: "allow-vllm-model-downloads",
      pods: APP_PODS.vllm,
      rules: [{ peers: [internetPeer(config.network.privateCidrs)], ports: tcp(443) }],
    });
  }
  return specs;
}

/**
 * The gateway namespace: LiteLLM is reached by the edge, the clients Job and Prometheus; Postgres only
 * by LiteLLM and the migration Job; Redis only by LiteLLM. LiteLLM reaches the model servers, Qdrant,
 * and — only when configured — cloud providers over the internet (private ranges excepted) and the
 * dev workstation (its /32).
 */
export function gatewayNetworkPolicies(config: PlatformConfig): Specs {
  const ns = config.namespaces.gateway;
  const local = (pods: Record<string, string>) => podPeer(ns, pods);
  const litellmIngress: Rule[] = [{ peers: [...(config.edge ? [ingressController(config)] : []), local(APP_PODS.clientsJob), ...prometheusPeers(config)], ports: tcp(LITELLM_PORT) }];
  const litellmEgress: Rule[] = [
    { peers: [local(APP_PODS.postgres)], ports: tcp(POSTGRES_PORT) },
    { peers: [local(APP_PODS.redis)], ports: tcp(REDIS_PORT) },
    { peers: [podPeer(config.namespaces.data, APP_PODS.qdrant)], ports: tcp(QDRANT_HTTP_PORT) },
  ];
  if (Object.keys(config.servers).length > 0) litellmEgress.push({ peers: [podPeer(config.namespaces.inference, APP_PODS.vllm)], ports: tcp(VLLM_PORT) });
  const specs: Specs = {
    "default-deny": defaultDeny(ns),
    "allow-dns": allowDns(ns),
    "to-litellm": allowIngress({ namespace: ns, name: "allow-to-litellm", pods: APP_PODS.litellm, rules: litellmIngress }),
    "to-postgres": allowIngress({ namespace: ns, name: "allow-to-postgres", pods: APP_PODS.postgres, rules: [{ peers: [local(APP_PODS.litellm), local(APP_PODS.migrate)], ports: tcp(POSTGRES_PORT) }] }),
    "to-redis": allowIngress({ namespace: ns, name: "allow-to-redis", pods: APP_PODS.redis, rules: [{ peers: [local(APP_PODS.litellm)], ports: tcp(REDIS_PORT) }] }),
    "litellm-egress": allowEgress({ namespace: ns, name: "allow-litellm-egress", pods: APP_PODS.litellm, rules: litellmEgress }),
    "migrate-egress": allowEgress({ namespace: ns, name: "allow-migrate-egress", pods: APP_PODS.migrate, rules: [{ peers: [local(APP_PODS.postgres)], ports: tcp(POSTGRES_PORT) }] }),
  };
  if (Object.keys(config.gateway.clients).length > 0) {
    specs["clients-job-egress"] = allowEgress({ namespace: ns, name: "allow-clients-job-egress", pods: APP_PODS.clientsJob, rules: [{ peers: [local(APP_PODS.litellm)], ports: tcp(LITELLM_PORT) }] });
  }
  const clouds = cloudProvidersConfigured(config);
  if (clouds.length > 0) {
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
          peers: [podPeer(config.namespaces.gateway, APP_PODS.litellm), ...(config.edge ? [ingressController(config)] : []), podPeer(ns, APP_PODS.jobs), ...prometheusPeers(config)],
          ports: tcp(QDRANT_HTTP_PORT),
        },
      ],
    }),
    "jobs-egress": allowEgress({ namespace: ns, name: "allow-jobs-to-qdrant", pods: APP_PODS.jobs, rules: [{ peers: [podPeer(ns, APP_PODS.qdrant)], ports: tcp(QDRANT_HTTP_PORT) }] }),
  });
}

/**
 * ingress-nginx: clients reach the controller on 80/443 from anywhere; its admission webhook only from
 * the API server (the class of bug behind CVE-2025-1974); it reaches the route backends and the ACME
 * solvers, and the API server.
 */
export function ingressNetworkPolicies(config: PlatformConfig): Specs {
  const ns = config.namespaces.ingress;
  const backendPods = { gateway: APP_PODS.litellm, "vector-store": APP_PODS.qdrant };
  const routes = edgeRoutes(config);
  const backends = new Map<string, { namespace: string; pods: Record<string, string>; port: number }>();
  for (const route of publicRoutes(config)) {
    const service = routes[route.key]!.service;
    backends.set(route.backend, { namespace: service.namespace, pods: backendPods[route.backend], port: service.port });
  }
  const metrics = prometheusPeers(config);
  const specs: Specs = {
    "default-deny": defaultDeny(ns),
    "allow-dns": allowDns(ns),
    "to-controller": allowIngress({
      namespace: ns,
      name: "allow-to-controller",
      pods: CHART_POD_LABELS.ingressController,
      rules: [
        { peers: [ipPeer("0.0.0.0/0")], ports: tcp(CHART_PORTS.ingressHttp, CHART_PORTS.ingressHttps) },
        // cert-manager's HTTP-01 self-check: the LoadBalancer address is answered by these pods inside the cluster.
        { peers: [podPeer(config.namespaces.certManager, CHART_POD_LABELS.certManagerController)], ports: tcp(CHART_PORTS.ingressHttp) },
        ...(metrics.length ? [{ peers: metrics, ports: tcp(CHART_PORTS.ingressMetrics) }] : []),
      ],
    }),
    "admission-webhook": webhookFromApiServer(config, ns, "allow-admission-webhook-from-api-server", CHART_POD_LABELS.ingressController, CHART_PORTS.ingressWebhook),
    "controller-egress": allowEgress({
      namespace: ns,
      name: "allow-controller-to-backends",
      pods: CHART_POD_LABELS.ingressController,
      rules: [
        ...[...backends.values()].map((b) => ({ peers: [podPeer(b.namespace, b.pods)], ports: tcp(b.port) })),
        { peers: http01Namespaces(config).map((n) => podPeer(n, CHART_POD_LABELS.acmeSolver)), ports: tcp(CHART_PORTS.acmeSolver) },
      ],
    }),
    "api-server": allowApiServer(config, ns, RELEASES.ingress),
  };
  return specs;
}

/** cert-manager: API server egress, its webhook only from the API server, ACME over the internet when the edge issues certificates. */
export function certManagerNetworkPolicies(config: PlatformConfig): Specs {
  const ns = config.namespaces.certManager;
  const metrics = prometheusPeers(config);
  return {
    "default-deny": defaultDeny(ns),
    "allow-dns": allowDns(ns),
    "api-server": allowApiServer(config, ns, RELEASES.certManager),
    webhook: webhookFromApiServer(config, ns, "allow-webhook-from-api-server", CHART_POD_LABELS.certManagerWebhook, CHART_PORTS.webhook),
    ...(config.edge
      ? {
          acme: allowEgress({
            namespace: ns,
            name: "allow-acme",
            pods: CHART_POD_LABELS.certManagerController,
            rules: [
              { peers: [internetPeer(config.network.privateCidrs)], ports: tcp(443, CHART_PORTS.ingressHttp) },
              { peers: [ingressController(config)], ports: tcp(CHART_PORTS.ingressHttp) },
            ],
          }),
        }
      : {}),
    ...(metrics.length
      ? { metrics: allowIngress({ namespace: ns, name: "allow-metrics", pods: CHART_POD_LABELS.certManagerController, rules: [{ peers: metrics, ports: tcp(CHART_PORTS.certManagerMetrics) }] }) }
      : {}),
  };
}

/** External Secrets: API server egress, its webhook only from the API server, the controller to the SDK server, the SDK server to Bitwarden. */
export function externalSecretsNetworkPolicies(config: PlatformConfig): Specs {
  const ns = config.namespaces.externalSecrets;
  const specs: Specs = {
    "default-deny": defaultDeny(ns),
    "allow-dns": allowDns(ns),
    "api-server": allowApiServer(config, ns, RELEASES.externalSecrets),
    webhook: webhookFromApiServer(config, ns, "allow-webhook-from-api-server", CHART_POD_LABELS.externalSecretsWebhook, CHART_PORTS.webhook),
  };
  {
    // ClusterAddons installs External Secrets only for a Bitwarden store, always with its SDK server.
    const sdk = CHART_POD_LABELS.bitwardenSdkServer;
    specs["controller-to-sdk-server"] = allowEgress({
      namespace: ns,
      name: "allow-controller-to-sdk-server",
      pods: CHART_POD_LABELS.externalSecretsController,
      rules: [{ peers: [podPeer(ns, sdk)], ports: tcp(CHART_PORTS.bitwardenSdk) }],
    });
    specs["sdk-server"] = allowIngress({
      namespace: ns,
      name: "allow-to-sdk-server",
      pods: sdk,
      rules: [{ peers: [podPeer(ns, CHART_POD_LABELS.externalSecretsController)], ports: tcp(CHART_PORTS.bitwardenSdk) }],
    });
    specs["sdk-server-to-bitwarden"] = allowEgress({
      namespace: ns,
      name: "allow-sdk-server-to-bitwarden",
      pods: sdk,
      rules: [{ peers: [internetPeer(config.network.privateCidrs)], ports: tcp(443) }],
    });
  }
  return specs;
}

/** The device plugin namespace: API server egress; NFD workers to the NFD master (gRPC). */
export function devicePluginNetworkPolicies(config: PlatformConfig): Specs {
  const ns = config.namespaces.devicePlugin;
  return {
    "default-deny": defaultDeny(ns),
    "allow-dns": allowDns(ns),
    "api-server": allowApiServer(config, ns, RELEASES.devicePlugin),
    "nfd-worker-egress": allowEgress({
      namespace: ns,
      name: "allow-nfd-worker-to-master",
      pods: CHART_POD_LABELS.nfdWorker,
      rules: [{ peers: [podPeer(ns, CHART_POD_LABELS.nfdMaster)], ports: tcp(CHART_PORTS.nfdGrpc) }],
    }),
    "nfd-master": allowIngress({
      namespace: ns,
      name: "allow-nfd-master-from-workers",
      pods: CHART_POD_LABELS.nfdMaster,
      rules: [{ peers: [podPeer(ns, CHART_POD_LABELS.nfdWorker)], ports: tcp(CHART_PORTS.nfdGrpc) }],
    }),
  };
}

/** Namespace resources by role, as index.ts creates them (absent roles are skipped). */
export type NetworkNamespaces = Partial<Record<"inference" | "devicePlugin" | "gateway" | "data" | "externalSecrets" | "ingress" | "certManager", pulumi.Resource>>;

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
  if (namespaces.devicePlugin && hasDevicePlugin(config)) out.devicePlugin = devicePluginNetworkPolicies(config);
  return out;
}

/** Pulumi names keep their historical prefixes (`inference-`, `gateway-`, `data-`), so existing policies are not replaced on rename. */
const PREFIX: Record<string, string> = { inference: "inference", gateway: "gateway", data: "data", externalSecrets: "external-secrets", ingress: "ingress", certManager: "cert-manager", devicePlugin: "device-plugin" };

export function deployNetworkPolicies(prefix: string, specs: Specs, dependsOn: pulumi.Resource[]): k8s.networking.v1.NetworkPolicy[] {
  return Object.entries(specs).map(([key, spec]) => new k8s.networking.v1.NetworkPolicy(`${prefix}-${key}`, spec, { dependsOn }));
}

/** Every namespace's policies, each depending on its Namespace. */
export function deployAllNetworkPolicies(config: PlatformConfig, namespaces: NetworkNamespaces): k8s.networking.v1.NetworkPolicy[] {
  return Object.entries(networkPolicySpecs(config, namespaces)).flatMap(([role, specs]) =>
    deployNetworkPolicies(PREFIX[role] ?? role, specs, [namespaces[role as keyof NetworkNamespaces]!]),
  );
}
