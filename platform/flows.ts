import type { PlatformConfig } from "../config/schema";
import { ConfigError, keyPath } from "../config/load";
import { selectorLabels } from "../components/specs/labels";
import { dataPlaneLabels } from "../components/specs/gatewayApiEdge";
import { liteLLMGatewayNames, qdrantStoreNames } from "../components/specs/gatewayNames";
import { dcgmExporterLabels } from "../components/specs/monitoringAddons";
import { CLUSTER_DNS, type PodSelection } from "../components/specs/networkPolicies";
import { QDRANT_HTTP_PORT, qdrantSelector } from "../components/specs/qdrant";
import { LITELLM_PORT } from "../components/specs/gatewayWorkloads";
import { POSTGRES_PORT, REDIS_PORT } from "../components/specs/gatewayData";
import { VLLM_PORT } from "../components/specs/vllm";
import { workstationPort } from "../components/specs/workstation";
import { configuredProviders } from "../config/providers";
import { addonRelease, addonsUsed, monitoringNamespace, type ReleaseScope } from "./addons";
import { COMPONENTS } from "./gateway";
import { EDGE_COMPONENT, acmeSolverNamespaces, edgeComponentName, edgeRoutes } from "./edge";

/** Pods in one namespace chosen by labels (or a full selector). */
export interface PodRef {
  namespace: string;
  pods: PodSelection;
  /** How the matrix names them: `ingress controller`, `litellm`. */
  name: string;
}

/** One end of a flow: pods, a Service of the plan (its selector and target port decide), an external address, or every pod. */
export type EndpointRef = { pods: PodRef } | { service: { namespace: string; name: string } } | { external: string } | { everyPod: true };

export interface NeededFlow {
  /** The component that needs it (matrix grouping). */
  component: string;
  from: EndpointRef;
  to: EndpointRef;
  /** Destination ports (Service ports for a Service destination); all must be open. */
  ports: number[];
  protocol: "TCP" | "UDP";
  why: string;
}

/** A pod the plan does not render but the platform talks to: chart pods, cert-manager's solvers, cluster DNS, Prometheus. */
export interface KnownPod {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  ports: { name?: string; containerPort: number; protocol?: "TCP" | "UDP" }[];
  /** Where the labels and ports come from. */
  source: string;
}

/** An address outside the cluster, with one representative IPv4 address the evaluator tests ipBlocks against. */
export interface ExternalEndpoint {
  name: string;
  address: string;
  description: string;
}

/** Pods only some sources may open: any other source that can is a violation. */
export interface GuardedTarget {
  name: string;
  target: PodRef;
  /** Only these ports are guarded (default: every container port of the target). */
  ports?: number[];
  allowed: EndpointRef[];
  /** What to change when an address range admits too much (the config key behind the rule). */
  fix?: string;
}

export interface FlowPlan {
  flows: NeededFlow[];
  knownPods: KnownPod[];
  /** Namespaces outside the plan that pods live in (kube-system, monitoring). */
  knownNamespaces: string[];
  externals: ExternalEndpoint[];
  guarded: GuardedTarget[];
  /** Helm releases whose pod labels (`app.kubernetes.io/instance`) the known pods and policies assume. */
  releases: { release: string; chart: string }[];
  /** The Prometheus that scrapes the plan's ServiceMonitors, when monitoring is configured. */
  prometheus?: PodRef;
}

const instance = (release: string) => ({ "app.kubernetes.io/instance": release });

/**
 * Helm release names of the operators: ClusterAddons "addons" (platform/addons.ts `addonRelease`)
 * names each release `addons-<addon>`, its GpuTimeSlicing child `addons-gpu` → `addons-gpu-device-plugin`.
 * Charts label every pod `app.kubernetes.io/instance: <release>`; the reachability check refuses a plan
 * whose releases are named otherwise (plan/reachability.ts), so a rename cannot silently break the rules.
 * With `cluster.shared` the add-ons' name, and so every release, carries the environment (`dev-addons-…`).
 */
export function releaseNames(config?: ReleaseScope) {
  const release = (addon: string) => addonRelease(addon, config);
  return {
    ingress: release("ingress-nginx"),
    gatewayFabric: release("nginx-gateway-fabric"),
    certManager: release("cert-manager"),
    externalSecrets: release("external-secrets"),
    devicePlugin: release("gpu-device-plugin"),
    prometheusStack: release("kube-prometheus-stack"),
    dcgmExporter: release("dcgm-exporter"),
    draDriver: release("dra-driver"),
    nodeFeatureDiscovery: release("node-feature-discovery"),
    keda: release("keda"),
  } as const;
}

/** The release names of a stack alone in its cluster (`cluster.shared` prefixes them: `releaseNames(config)`). */
export const RELEASES = releaseNames();

/** The chart behind each release above (the plan's Helm Release resources are matched by it). */
export const RELEASE_CHARTS: Record<keyof typeof RELEASES, string> = {
  ingress: "ingress-nginx",
  gatewayFabric: "nginx-gateway-fabric",
  certManager: "cert-manager",
  externalSecrets: "external-secrets",
  devicePlugin: "nvidia-device-plugin",
  prometheusStack: "kube-prometheus-stack",
  dcgmExporter: "dcgm-exporter",
  draDriver: "dra-driver-nvidia-gpu",
  nodeFeatureDiscovery: "node-feature-discovery",
  keda: "keda",
};

/** Labels of the pods the charts run (their templates' selector labels), by role, for the stack's release names. */
export function chartPodLabels(config?: ReleaseScope) {
  const RELEASES = releaseNames(config);
  return {
    // ingress-nginx chart: controller pods carry name/instance/component (templates/controller-deployment.yaml).
    ingressController: { "app.kubernetes.io/name": "ingress-nginx", ...instance(RELEASES.ingress), "app.kubernetes.io/component": "controller" },
    // NGINX Gateway Fabric 2.x: the control plane (chart selectorLabels: chart name + release; its agent
    // gRPC port 8443), and the data plane NGF provisions per Gateway with the Gateway's spec.infrastructure.labels.
    gatewayFabricControlPlane: { "app.kubernetes.io/name": "nginx-gateway-fabric", ...instance(RELEASES.gatewayFabric) },
    gatewayFabricDataPlane: dataPlaneLabels(config ? edgeComponentName(config) : EDGE_COMPONENT),
    // cert-manager chart: controller, webhook (name "webhook"), cainjector, startupapicheck.
    certManagerController: { "app.kubernetes.io/name": "cert-manager", ...instance(RELEASES.certManager), "app.kubernetes.io/component": "controller" },
    certManagerWebhook: { "app.kubernetes.io/name": "webhook", ...instance(RELEASES.certManager), "app.kubernetes.io/component": "webhook" },
    // cert-manager's acmesolver pods (pkg/apis/acme/v1 SolverIdentificationLabelKey), created in the Certificate's namespace.
    acmeSolver: { "acme.cert-manager.io/http01-solver": "true" },
    // external-secrets chart and its bitwarden-sdk-server subchart (nameOverride bitwarden-sdk-server).
    externalSecretsController: { "app.kubernetes.io/name": "external-secrets", ...instance(RELEASES.externalSecrets) },
    externalSecretsWebhook: { "app.kubernetes.io/name": "external-secrets-webhook", ...instance(RELEASES.externalSecrets) },
    bitwardenSdkServer: { "app.kubernetes.io/name": "bitwarden-sdk-server", ...instance(RELEASES.externalSecrets) },
    // nvidia-device-plugin v0.17.4 pulls node-feature-discovery 0.15.3 (gfd.enabled) with enableNodeFeatureApi: false:
    // workers send features to the master over gRPC 8080 (templates/master.yaml, worker.yaml; label role).
    nfdMaster: { "app.kubernetes.io/name": "node-feature-discovery", ...instance(RELEASES.devicePlugin), role: "master" },
    nfdWorker: { "app.kubernetes.io/name": "node-feature-discovery", ...instance(RELEASES.devicePlugin), role: "worker" },
    dcgmExporter: dcgmExporterLabels(RELEASES.dcgmExporter),
    // kube-prometheus-stack 88.x: the operator (templates/prometheus-operator/deployment.yaml: app
    // <chart>-operator, release), and the pods the operator and the subcharts run, by app.kubernetes.io/name.
    prometheusOperator: { app: "kube-prometheus-stack-operator", release: RELEASES.prometheusStack },
    alertmanager: { "app.kubernetes.io/name": "alertmanager" },
    grafana: { "app.kubernetes.io/name": "grafana", ...instance(RELEASES.prometheusStack) },
    kubeStateMetrics: { "app.kubernetes.io/name": "kube-state-metrics", ...instance(RELEASES.prometheusStack) },
    // NVIDIA's DRA driver v0.4.1 (templates/_helpers.tpl templateLabels + selectorLabels): with
    // computeDomains off it runs only the kubelet plugin DaemonSet (templates/controller.yaml needs them on).
    draKubeletPlugin: {
      "app.kubernetes.io/name": "dra-driver-nvidia-gpu",
      ...instance(releaseNames(config).draDriver),
      "dra-driver-nvidia-gpu-component": "kubelet-plugin",
    },
    // node-feature-discovery 0.19.0 beside the DRA driver (templates/_helpers.tpl selectorLabels plus
    // role: master.yaml, worker.yaml, nfd-gc.yaml; the post-delete prune Job is role: prune). No gRPC since
    // v0.17: each pod talks only to the API server, and serves /healthz and /metrics on port 8080 ("http").
    nodeFeatureDiscoveryMaster: { "app.kubernetes.io/name": "node-feature-discovery", ...instance(RELEASES.nodeFeatureDiscovery), role: "master" },
    nodeFeatureDiscoveryWorker: { "app.kubernetes.io/name": "node-feature-discovery", ...instance(RELEASES.nodeFeatureDiscovery), role: "worker" },
    nodeFeatureDiscoveryGc: { "app.kubernetes.io/name": "node-feature-discovery", ...instance(RELEASES.nodeFeatureDiscovery), role: "gc" },
    // KEDA 2.20.2 (kedacore/charts keda/templates/*/deployment.yaml): app=<component> plus keda.labels' instance.
    kedaOperator: { app: "keda-operator", ...instance(RELEASES.keda) },
    kedaMetricsApiServer: { app: "keda-operator-metrics-apiserver", ...instance(RELEASES.keda) },
    kedaWebhooks: { app: "keda-admission-webhooks", ...instance(RELEASES.keda) },
  } as const;
}

/** The labels of a stack alone in its cluster (`chartPodLabels(config)` for any stack). */
export const CHART_POD_LABELS = chartPodLabels();

export const CHART_PORTS = {
  http: 80,
  https: 443,
  ingressWebhook: 8443,
  ingressMetrics: 10254,
  gatewayFabricAgent: 8443,
  certManagerMetrics: 9402,
  webhook: 10250,
  acmeSolver: 8089,
  bitwardenSdk: 9998,
  nfdGrpc: 8080,
  nfdHttp: 8080,
  dcgmMetrics: 9400,
  prometheus: 9090,
  alertmanager: 9093,
  grafana: 3000,
  kubeStateMetrics: 8080,
  operator: 10250,
  configReloader: 8080,
  kubelet: 10250,
  coreDnsMetrics: 9153,
  // KEDA: the operator's gRPC metrics service (the metrics API server's --metrics-service-address),
  // the external metrics API server (service.portHttpsTarget) and the admission webhooks (webhooks.port).
  kedaMetricsService: 9666,
  kedaMetricsApi: 6443,
  kedaWebhook: 9443,
} as const;

const G = COMPONENTS.gateway;
const Q = COMPONENTS.qdrant;

/** Pods of the gateway, data and inference layers (the component specs' selector labels). */
export const APP_PODS = {
  litellm: selectorLabels("litellm", G),
  migrate: selectorLabels("litellm-migrate", G),
  clientsJob: selectorLabels("litellm-clients", G),
  postgres: selectorLabels("postgres", G),
  postgresSetup: selectorLabels("postgres-setup", G),
  postgresBackup: selectorLabels("postgres-backup", G),
  redis: selectorLabels("redis", G),
  vllm: { "app.kubernetes.io/name": "vllm" },
  modelDownload: { "app.kubernetes.io/name": "model-download" },
  qdrant: qdrantSelector(Q),
  /** Pods of any Job or CronJob: the Job controller labels them (batch.kubernetes.io/controller-uid, Kubernetes ≥ 1.27). */
  jobs: { matchExpressions: [{ key: "batch.kubernetes.io/controller-uid", operator: "Exists" }] },
};

/** The gateway's and Qdrant's Service names (the components derive them from their names). */
export const SERVICES = {
  litellm: liteLLMGatewayNames(G).litellm,
  postgres: liteLLMGatewayNames(G).postgres,
  redis: liteLLMGatewayNames(G).redis,
  qdrant: qdrantStoreNames(Q).qdrant,
};

/** The edge's NGINX pods that clients and the ACME server reach: the ingress-nginx controller, or the Gateway's data plane. */
export function edgeProxy(config: PlatformConfig): PodRef {
  return config.edge?.implementation === "gateway-api"
    ? { namespace: config.namespaces.ingress, pods: chartPodLabels(config).gatewayFabricDataPlane, name: "gateway data plane" }
    : { namespace: config.namespaces.ingress, pods: chartPodLabels(config).ingressController, name: "ingress controller" };
}

/** Providers reached over the internet (HTTPS to the vendor's API). */
const CLOUD_PROVIDERS = ["openai", "anthropic", "bedrock", "vertexai"] as const;

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

function ipToInt(ip: string): number {
  return ip.split(".").reduce((n, part) => n * 256 + Number(part), 0);
}

export function cidrContains(cidr: string, ip: string): boolean {
  const [base, bits] = cidr.split("/");
  if (!base || !IPV4.test(base) || !IPV4.test(ip)) return false;
  const prefix = Number(bits ?? 32);
  const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
  return (ipToInt(base) & mask) >>> 0 === (ipToInt(ip) & mask) >>> 0;
}

/** The first host address of an IPv4 CIDR (its representative in the matrix). */
export function firstHost(cidr: string): string {
  const [base, bits] = cidr.split("/");
  const n = ipToInt(base!) + (Number(bits) >= 31 ? 0 : 1);
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".");
}

/** A public address outside every private range (documentation ranges first, RFC 5737), standing for "the internet". */
export function publicAddress(privateCidrs: string[]): string {
  const candidates = ["203.0.113.10", "198.51.100.10", "192.0.2.10", "8.8.8.8"];
  return candidates.find((ip) => !privateCidrs.some((c) => cidrContains(c, ip))) ?? "8.8.8.8";
}

export interface LanTarget {
  name: string;
  /** `<ip>/32`, or the private ranges for a host name (resolved at run time). */
  cidrs: string[];
  port: number;
  address: string;
}

/** Out-of-cluster inference the gateway calls: the dev workstation and LAN providers (vllm-local, ollama) with an apiBase. */
export function lanTargets(config: PlatformConfig): LanTarget[] {
  const out: LanTarget[] = [];
  const w = config.workstation;
  if (w) {
    const ip = w.bindAddress !== "0.0.0.0" ? w.bindAddress : IPV4.test(w.address) ? w.address : undefined;
    if (!ip) {
      throw new ConfigError([
        {
          path: keyPath(["workstation", "bindAddress"]),
          message: `is 0.0.0.0 and workstation.address "${w.address}" is a host name: give the workstation's LAN IPv4 address so the gateway's egress names it (a /32)`,
        },
      ]);
    }
    out.push({ name: `workstation ${w.address}`, cidrs: [`${ip}/32`], port: workstationPort(w), address: ip });
  }
  for (const provider of ["vllm-local", "ollama"] as const) {
    const apiBase = config.providers[provider]?.apiBase;
    if (!apiBase) continue;
    const url = new URL(apiBase);
    const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
    const ip = IPV4.test(url.hostname) ? url.hostname : undefined;
    out.push({
      name: `${provider} ${url.hostname}`,
      cidrs: ip ? [`${ip}/32`] : config.network.privateCidrs,
      port,
      address: ip ?? firstHost(config.network.privateCidrs[0] ?? "10.0.0.0/8"),
    });
  }
  return out;
}

export const cloudProvidersConfigured = (config: PlatformConfig): string[] =>
  configuredProviders(config.providers).filter((p) => (CLOUD_PROVIDERS as readonly string[]).includes(p));

/** Namespaces holding a Certificate the edge issues over ACME HTTP-01 (platform/edge.ts `acmeSolverNamespaces`). */
export const http01Namespaces = (config: PlatformConfig): string[] => acmeSolverNamespaces(config);

export const hasDevicePlugin = (config: PlatformConfig) => addonsUsed(config).gpuDevicePlugin;

/** The Prometheus whose pods may scrape, when `monitoring` is configured (installed by the stack or existing). */
export function prometheus(config: PlatformConfig): PodRef | undefined {
  return config.monitoring ? { namespace: monitoringNamespace(config), pods: config.network.prometheusPodLabels, name: "prometheus" } : undefined;
}

/** S3 endpoints backups are shipped to: the Postgres dumps and the Qdrant snapshots. */
export function backupTargets(
  config: PlatformConfig,
): { who: "postgres-backup" | "qdrant-snapshot"; name: string; cidrs: string[]; port: number; address: string }[] {
  const out: ReturnType<typeof backupTargets> = [];
  const targets = [
    { who: "postgres-backup" as const, s3: config.gateway.postgres.backup?.s3 },
    { who: "qdrant-snapshot" as const, s3: config.qdrant.backup.s3 },
  ];
  for (const { who, s3 } of targets) {
    if (!s3) continue;
    const url = new URL(s3.endpoint);
    const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
    const ip = IPV4.test(url.hostname) ? url.hostname : undefined;
    // A host name is taken for a public endpoint; give an IP for a bucket on the LAN (MinIO) and it gets a /32.
    out.push({ who, name: `s3 ${url.hostname}`, cidrs: ip ? [`${ip}/32`] : ["0.0.0.0/0"], port, address: ip ?? publicAddress(config.network.privateCidrs) });
  }
  return out;
}

/** The pods the plan does not render that the platform's flows start or end at. */
export function knownPods(config: PlatformConfig): KnownPod[] {
  const ns = config.namespaces;
  const used = addonsUsed(config);
  const pods: KnownPod[] = [
    {
      name: "kube-dns",
      namespace: CLUSTER_DNS.namespace,
      labels: CLUSTER_DNS.labels,
      ports: [
        { name: "dns", containerPort: 53, protocol: "UDP" },
        { name: "dns-tcp", containerPort: 53, protocol: "TCP" },
        { name: "metrics", containerPort: CHART_PORTS.coreDnsMetrics },
      ],
      source: "CoreDNS (k8s-app=kube-dns)",
    },
  ];
  const prom = prometheus(config);
  if (prom)
    pods.push({
      name: "prometheus",
      namespace: prom.namespace,
      labels: config.network.prometheusPodLabels,
      ports: [
        { name: "web", containerPort: CHART_PORTS.prometheus },
        { name: "reloader-web", containerPort: CHART_PORTS.configReloader },
      ],
      source: "network.prometheusPodLabels",
    });
  if (used.kubePrometheusStack) {
    const mon = monitoringNamespace(config);
    pods.push(
      {
        name: "prometheus-operator",
        namespace: mon,
        labels: chartPodLabels(config).prometheusOperator,
        ports: [{ name: "https", containerPort: CHART_PORTS.operator }],
        source: "kube-prometheus-stack (operator)",
      },
      {
        name: "alertmanager",
        namespace: mon,
        labels: chartPodLabels(config).alertmanager,
        ports: [
          { name: "http-web", containerPort: CHART_PORTS.alertmanager },
          { name: "reloader-web", containerPort: CHART_PORTS.configReloader },
        ],
        source: "kube-prometheus-stack (Alertmanager)",
      },
      {
        name: "kube-state-metrics",
        namespace: mon,
        labels: chartPodLabels(config).kubeStateMetrics,
        ports: [{ name: "http", containerPort: CHART_PORTS.kubeStateMetrics }],
        source: "kube-prometheus-stack (kube-state-metrics)",
      },
    );
    if (config.monitoring?.kubePrometheusStack.grafana)
      pods.push({
        name: "grafana",
        namespace: mon,
        labels: chartPodLabels(config).grafana,
        ports: [{ name: "grafana", containerPort: CHART_PORTS.grafana }],
        source: "kube-prometheus-stack (Grafana)",
      });
  }
  if (used.certManager) {
    pods.push(
      {
        name: "cert-manager controller",
        namespace: ns.certManager,
        labels: chartPodLabels(config).certManagerController,
        ports: [{ name: "http-metrics", containerPort: CHART_PORTS.certManagerMetrics }],
        source: "cert-manager chart",
      },
      {
        name: "cert-manager webhook",
        namespace: ns.certManager,
        labels: chartPodLabels(config).certManagerWebhook,
        ports: [{ name: "https", containerPort: CHART_PORTS.webhook }],
        source: "cert-manager chart",
      },
    );
  }
  if (used.ingressNginx) {
    pods.push({
      name: "ingress controller",
      namespace: ns.ingress,
      labels: chartPodLabels(config).ingressController,
      ports: [
        { name: "http", containerPort: CHART_PORTS.http },
        { name: "https", containerPort: CHART_PORTS.https },
        { name: "webhook", containerPort: CHART_PORTS.ingressWebhook },
        { name: "metrics", containerPort: CHART_PORTS.ingressMetrics },
      ],
      source: "ingress-nginx chart (controller)",
    });
  }
  if (used.nginxGatewayFabric) {
    pods.push(
      {
        name: "gateway data plane",
        namespace: ns.ingress,
        labels: chartPodLabels(config).gatewayFabricDataPlane,
        ports: [
          { name: "port-80", containerPort: CHART_PORTS.http },
          { name: "port-443", containerPort: CHART_PORTS.https },
        ],
        source: "NGINX Gateway Fabric data plane (Gateway spec.infrastructure.labels)",
      },
      {
        name: "gateway control plane",
        namespace: ns.ingress,
        labels: chartPodLabels(config).gatewayFabricControlPlane,
        ports: [{ name: "agent-grpc", containerPort: CHART_PORTS.gatewayFabricAgent }],
        source: "nginx-gateway-fabric chart",
      },
    );
  }
  for (const solverNs of http01Namespaces(config)) {
    pods.push({
      name: "ACME HTTP-01 solver",
      namespace: solverNs,
      labels: chartPodLabels(config).acmeSolver,
      ports: [{ name: "http", containerPort: CHART_PORTS.acmeSolver }],
      source: "cert-manager acmesolver pod",
    });
  }
  if (used.externalSecrets) {
    pods.push(
      {
        name: "external-secrets controller",
        namespace: ns.externalSecrets,
        labels: chartPodLabels(config).externalSecretsController,
        ports: [{ name: "metrics", containerPort: 8080 }],
        source: "external-secrets chart",
      },
      {
        name: "external-secrets webhook",
        namespace: ns.externalSecrets,
        labels: chartPodLabels(config).externalSecretsWebhook,
        ports: [{ name: "webhook", containerPort: CHART_PORTS.webhook }],
        source: "external-secrets chart",
      },
      {
        name: "bitwarden-sdk-server",
        namespace: ns.externalSecrets,
        labels: chartPodLabels(config).bitwardenSdkServer,
        ports: [{ name: "http", containerPort: CHART_PORTS.bitwardenSdk }],
        source: "bitwarden-sdk-server subchart",
      },
    );
  }
  if (hasDevicePlugin(config)) {
    pods.push(
      {
        name: "nfd-master",
        namespace: ns.devicePlugin,
        labels: chartPodLabels(config).nfdMaster,
        ports: [{ name: "grpc", containerPort: CHART_PORTS.nfdGrpc }],
        source: "node-feature-discovery 0.15.3 (device plugin gfd)",
      },
      {
        name: "nfd-worker",
        namespace: ns.devicePlugin,
        labels: chartPodLabels(config).nfdWorker,
        ports: [],
        source: "node-feature-discovery 0.15.3 (device plugin gfd)",
      },
    );
  }
  if (used.dcgmExporter) {
    pods.push({
      name: "dcgm-exporter",
      namespace: ns.devicePlugin,
      labels: chartPodLabels(config).dcgmExporter,
      ports: [{ name: "metrics", containerPort: CHART_PORTS.dcgmMetrics }],
      source: "dcgm-exporter chart",
    });
  }
  if (used.draDriver) {
    pods.push({
      name: "dra kubelet plugin",
      namespace: ns.devicePlugin,
      labels: chartPodLabels(config).draKubeletPlugin,
      ports: [],
      source: "dra-driver-nvidia-gpu chart (kubelet plugin DaemonSet)",
    });
  }
  if (used.nodeFeatureDiscovery) {
    const source = "node-feature-discovery chart (ClusterAddons nodeFeatureDiscovery)";
    const http = [{ name: "http", containerPort: CHART_PORTS.nfdHttp }];
    pods.push(
      { name: "nfd master", namespace: ns.devicePlugin, labels: chartPodLabels(config).nodeFeatureDiscoveryMaster, ports: http, source },
      { name: "nfd worker", namespace: ns.devicePlugin, labels: chartPodLabels(config).nodeFeatureDiscoveryWorker, ports: http, source },
      { name: "nfd gc", namespace: ns.devicePlugin, labels: chartPodLabels(config).nodeFeatureDiscoveryGc, ports: http, source },
    );
  }
  if (used.keda) {
    const keda = config.keda.namespace;
    pods.push(
      {
        name: "keda-operator",
        namespace: keda,
        labels: chartPodLabels(config).kedaOperator,
        ports: [{ name: "metricsservice", containerPort: CHART_PORTS.kedaMetricsService }],
        source: "keda chart (operator)",
      },
      {
        name: "keda metrics API server",
        namespace: keda,
        labels: chartPodLabels(config).kedaMetricsApiServer,
        ports: [{ name: "https", containerPort: CHART_PORTS.kedaMetricsApi }],
        source: "keda chart (metrics API server)",
      },
      {
        name: "keda admission webhooks",
        namespace: keda,
        labels: chartPodLabels(config).kedaWebhooks,
        ports: [{ name: "http", containerPort: CHART_PORTS.kedaWebhook }],
        source: "keda chart (admission webhooks)",
      },
    );
  }
  return pods;
}

/** Flows with the same ends, ports and protocol become one, their reasons joined (five routes to one Service are one flow). */
function mergeFlows(flows: NeededFlow[]): NeededFlow[] {
  const merged = new Map<string, NeededFlow>();
  for (const f of flows) {
    const key = JSON.stringify([f.component, f.from, f.to, f.ports, f.protocol]);
    const seen = merged.get(key);
    if (seen) seen.why = `${seen.why}; ${f.why}`;
    else merged.set(key, { ...f });
  }
  return [...merged.values()];
}

const pods = (namespace: string, selection: PodSelection, name: string): EndpointRef => ({ pods: { namespace, pods: selection, name } });
const external = (name: string): EndpointRef => ({ external: name });

export const INTERNET = "internet";
const WEBHOOK_FIX =
  "set llm-platform:network.apiServer.cidrs to the control plane's addresses (kubectl get endpoints kubernetes -n default; npm run doctor prints them)";
/**
 * Who may call an admission webhook: the API server, which calls from its node's address — and a
 * NetworkPolicy cannot tell that from the node's other processes, so the nodes count as allowed.
 */
const WEBHOOK_CALLERS: EndpointRef[] = [{ external: "kube-apiserver" }, { external: "nodes" }];
export const API_SERVER = "kube-apiserver";
export const NODES = "nodes";

/**
 * Every flow the platform needs, per component, from the stack's config: the edge to its backends and
 * to the ACME solvers, DNS from every pod, the gateway to model servers, Qdrant, providers and the
 * workstation, the model downloads to Hugging Face, External Secrets to Bitwarden, backups to their
 * buckets, operators to the API server and the API server to their webhooks, and Prometheus scrapes
 * when monitoring is configured. The guarded targets list who alone may open the model servers,
 * Postgres, Redis and the webhooks.
 */
export function platformFlows(config: PlatformConfig): FlowPlan {
  const ns = config.namespaces;
  const net = config.network;
  const used = addonsUsed(config);
  const flows: NeededFlow[] = [];
  const add = (component: string, from: EndpointRef, to: EndpointRef, ports: number[], why: string, protocol: "TCP" | "UDP" = "TCP") =>
    flows.push({ component, from, to, ports, protocol, why });
  const svc = (namespace: string, name: string): EndpointRef => ({ service: { namespace, name } });

  const litellm = pods(ns.gateway, APP_PODS.litellm, "litellm");
  const prom = prometheus(config);
  const prometheusRef: EndpointRef | undefined = prom ? { pods: prom } : undefined;
  const apiServer = external(API_SERVER);
  const externals: ExternalEndpoint[] = [
    { name: INTERNET, address: publicAddress(net.privateCidrs), description: "any public address outside network.privateCidrs" },
    {
      name: API_SERVER,
      address: firstHost(net.apiServer.cidrs[0]!),
      description: `the API server (network.apiServer.cidrs ${net.apiServer.cidrs.join(", ")})`,
    },
  ];
  const lan = lanTargets(config);
  for (const t of lan) externals.push({ name: t.name, address: t.address, description: t.cidrs.join(", ") });
  const backups = backupTargets(config);
  for (const b of backups) if (!externals.some((e) => e.name === b.name)) externals.push({ name: b.name, address: b.address, description: b.cidrs.join(", ") });

  // Everyone resolves names.
  const dns = pods(CLUSTER_DNS.namespace, CLUSTER_DNS.labels, "kube-dns");
  add("dns", { everyPod: true }, dns, [CLUSTER_DNS.port], "name resolution", "UDP");
  add("dns", { everyPod: true }, dns, [CLUSTER_DNS.port], "name resolution (large answers, TCP fallback)");

  // Inference: the gateway calls each model server; the model cache's Jobs download the weights.
  if (Object.keys(config.servers).length > 0) {
    for (const server of Object.keys(config.servers))
      add("gateway", litellm, svc(ns.inference, `vllm-${server}`), [VLLM_PORT], `gateway → model server ${server}`);
    if (net.modelDownloads)
      add(
        "inference",
        pods(ns.inference, APP_PODS.modelDownload, "model download jobs"),
        external(INTERNET),
        [443],
        "weights from Hugging Face (network.modelDownloads)",
      );
  }

  // Gateway.
  add("gateway", litellm, svc(ns.gateway, SERVICES.postgres), [POSTGRES_PORT], "virtual keys, budgets, spend logs");
  add("gateway", litellm, svc(ns.gateway, SERVICES.redis), [REDIS_PORT], "limits shared by replicas");
  add("gateway", pods(ns.gateway, APP_PODS.migrate, "litellm-migrate job"), svc(ns.gateway, SERVICES.postgres), [POSTGRES_PORT], "schema migration");
  add(
    "gateway",
    pods(ns.gateway, APP_PODS.postgresSetup, "postgres-setup job"),
    svc(ns.gateway, SERVICES.postgres),
    [POSTGRES_PORT],
    "application role and database",
  );
  add(
    "gateway",
    pods(ns.gateway, APP_PODS.postgresBackup, "postgres-backup jobs"),
    svc(ns.gateway, SERVICES.postgres),
    [POSTGRES_PORT],
    "logical backups (pg_dump)",
  );
  if (Object.keys(config.gateway.clients).length > 0) {
    add(
      "gateway",
      pods(ns.gateway, APP_PODS.clientsJob, "litellm-clients job"),
      svc(ns.gateway, SERVICES.litellm),
      [LITELLM_PORT],
      "creates and revokes the clients' virtual keys",
    );
  }
  add("gateway", litellm, svc(ns.data, SERVICES.qdrant), [QDRANT_HTTP_PORT], "vector store");
  const clouds = cloudProvidersConfigured(config);
  if (clouds.length > 0) add("gateway", litellm, external(INTERNET), [443], `cloud providers (${clouds.join(", ")})`);
  for (const t of lan) add("gateway", litellm, external(t.name), [t.port], `out-of-cluster inference (${t.name})`);

  // Data.
  add("data", pods(ns.data, APP_PODS.jobs, "qdrant jobs"), svc(ns.data, SERVICES.qdrant), [QDRANT_HTTP_PORT], "collection setup and snapshots");
  for (const b of backups) {
    const from = b.who === "postgres-backup" ? pods(ns.gateway, APP_PODS.postgresBackup, "postgres-backup jobs") : pods(ns.data, APP_PODS.jobs, "qdrant jobs");
    add(b.who === "postgres-backup" ? "gateway" : "data", from, external(b.name), [b.port], "backups shipped to the S3 bucket");
  }

  // cert-manager (the edge's certificates, the Bitwarden SDK server's TLS).
  const guarded: GuardedTarget[] = [];
  const certManager = pods(ns.certManager, chartPodLabels(config).certManagerController, "cert-manager controller");
  if (used.certManager) {
    add(
      "addons",
      apiServer,
      pods(ns.certManager, chartPodLabels(config).certManagerWebhook, "cert-manager webhook"),
      [CHART_PORTS.webhook],
      "cert-manager admission webhook",
    );
    add(
      "addons",
      pods(ns.certManager, instance(releaseNames(config).certManager), "cert-manager pods"),
      apiServer,
      net.apiServer.ports,
      "controller, cainjector, webhook, startupapicheck",
    );
    guarded.push({
      name: "cert-manager webhook",
      target: { namespace: ns.certManager, pods: chartPodLabels(config).certManagerWebhook, name: "cert-manager webhook" },
      ports: [CHART_PORTS.webhook],
      allowed: WEBHOOK_CALLERS,
      fix: WEBHOOK_FIX,
    });
  }

  // Edge: clients → NGINX → backends; ACME HTTP-01; the controllers.
  if (config.edge) {
    const proxyPods = edgeProxy(config);
    const proxy: EndpointRef = { pods: proxyPods };
    add("edge", external(INTERNET), proxy, [CHART_PORTS.http, CHART_PORTS.https], "clients and Let's Encrypt's HTTP-01 validation");
    for (const [key, route] of Object.entries(edgeRoutes(config))) {
      add("edge", proxy, svc(route.service.namespace, route.service.name), [route.service.port], `route ${key} (${route.prefix})`);
    }
    for (const solverNs of http01Namespaces(config)) {
      add(
        "edge",
        proxy,
        pods(solverNs, chartPodLabels(config).acmeSolver, "ACME HTTP-01 solver"),
        [CHART_PORTS.acmeSolver],
        `HTTP-01 challenge of the Certificate in ${solverNs}`,
      );
    }
    add("edge", certManager, external(INTERNET), [443], "ACME API (Let's Encrypt)");
    add("edge", certManager, proxy, [CHART_PORTS.http], "HTTP-01 self-check (kube-proxy sends the LoadBalancer address to the edge's pods)");
    add("edge", certManager, external(INTERNET), [CHART_PORTS.http], "HTTP-01 self-check through a public address");
    if (used.ingressNginx) {
      add("edge", apiServer, proxy, [CHART_PORTS.ingressWebhook], "Ingress admission webhook");
      add(
        "edge",
        pods(ns.ingress, instance(releaseNames(config).ingress), "ingress-nginx pods"),
        apiServer,
        net.apiServer.ports,
        "watch Ingresses, Services, Secrets; admission Jobs patch the webhook",
      );
      guarded.push({ name: "ingress admission webhook", target: proxyPods, ports: [CHART_PORTS.ingressWebhook], allowed: WEBHOOK_CALLERS, fix: WEBHOOK_FIX });
    }
    if (used.nginxGatewayFabric) {
      const control = pods(ns.ingress, chartPodLabels(config).gatewayFabricControlPlane, "gateway control plane");
      add("edge", proxy, control, [CHART_PORTS.gatewayFabricAgent], "the data plane's agent fetches its NGINX configuration (gRPC)");
      add(
        "edge",
        pods(ns.ingress, instance(releaseNames(config).gatewayFabric), "nginx-gateway-fabric pods"),
        apiServer,
        net.apiServer.ports,
        "watch Gateways, routes, Services; provision the data plane",
      );
      guarded.push({
        name: "gateway control plane",
        target: { namespace: ns.ingress, pods: chartPodLabels(config).gatewayFabricControlPlane, name: "gateway control plane" },
        ports: [CHART_PORTS.gatewayFabricAgent],
        allowed: [proxy],
      });
    }
  }

  // External Secrets with Bitwarden's SDK server.
  if (used.externalSecrets) {
    const eso = pods(ns.externalSecrets, chartPodLabels(config).externalSecretsController, "external-secrets controller");
    const sdk = pods(ns.externalSecrets, chartPodLabels(config).bitwardenSdkServer, "bitwarden-sdk-server");
    add(
      "addons",
      pods(ns.externalSecrets, instance(releaseNames(config).externalSecrets), "external-secrets pods"),
      apiServer,
      net.apiServer.ports,
      "controller, webhook, cert-controller",
    );
    add(
      "addons",
      apiServer,
      pods(ns.externalSecrets, chartPodLabels(config).externalSecretsWebhook, "external-secrets webhook"),
      [CHART_PORTS.webhook],
      "ExternalSecret admission webhook",
    );
    add("secrets", eso, sdk, [CHART_PORTS.bitwardenSdk], "the Bitwarden store calls its SDK server");
    add("secrets", sdk, external(INTERNET), [443], "Bitwarden Secrets Manager API and identity");
    guarded.push({
      name: "external-secrets webhook",
      target: { namespace: ns.externalSecrets, pods: chartPodLabels(config).externalSecretsWebhook, name: "external-secrets webhook" },
      ports: [CHART_PORTS.webhook],
      allowed: WEBHOOK_CALLERS,
      fix: WEBHOOK_FIX,
    });
  }

  // GPU: the device plugin's config manager and NFD talk to the API server; NFD workers to the master.
  if (hasDevicePlugin(config)) {
    add(
      "addons",
      pods(ns.devicePlugin, instance(releaseNames(config).devicePlugin), "device plugin pods"),
      apiServer,
      net.apiServer.ports,
      "config manager, gpu-feature-discovery, NFD",
    );
    add(
      "addons",
      pods(ns.devicePlugin, chartPodLabels(config).nfdWorker, "nfd-worker"),
      pods(ns.devicePlugin, chartPodLabels(config).nfdMaster, "nfd-master"),
      [CHART_PORTS.nfdGrpc],
      "node features → node labels (feature.node.kubernetes.io/pci-10de.present)",
    );
  }
  // GPU with DRA: the driver's kubelet plugin publishes each node's ResourceSlices and reads the claims it prepares.
  if (used.draDriver) {
    add(
      "addons",
      pods(ns.devicePlugin, instance(releaseNames(config).draDriver), "dra-driver pods"),
      apiServer,
      net.apiServer.ports,
      "kubelet plugin publishes ResourceSlices, reads ResourceClaims",
    );
  }
  // NFD beside the DRA driver: workers write NodeFeature objects, the master turns them into node labels
  // (feature.node.kubernetes.io/pci-10de.present), gc drops those of deleted nodes — all through the API server.
  if (used.nodeFeatureDiscovery) {
    add(
      "addons",
      pods(ns.devicePlugin, instance(releaseNames(config).nodeFeatureDiscovery), "node-feature-discovery pods"),
      apiServer,
      net.apiServer.ports,
      "workers write NodeFeatures, the master labels the nodes, gc prunes stale NodeFeatures",
    );
  }

  // KEDA (serving modes): the operator and its parts watch ScaledObjects and write HPAs; the API server
  // calls the external metrics API (aggregated, for the HPAs KEDA creates) and the admission webhooks;
  // the metrics API server asks the operator for metric values over gRPC.
  if (used.keda) {
    const keda = config.keda.namespace;
    const operator = pods(keda, chartPodLabels(config).kedaOperator, "keda-operator");
    const metricsApi = pods(keda, chartPodLabels(config).kedaMetricsApiServer, "keda metrics API server");
    const webhooks = pods(keda, chartPodLabels(config).kedaWebhooks, "keda admission webhooks");
    add(
      "modes",
      pods(keda, instance(releaseNames(config).keda), "keda pods"),
      apiServer,
      net.apiServer.ports,
      "operator, metrics API server, admission webhooks",
    );
    add("modes", metricsApi, operator, [CHART_PORTS.kedaMetricsService], "metric values from the operator (gRPC --metrics-service-address)");
    add("modes", apiServer, metricsApi, [CHART_PORTS.kedaMetricsApi], "external.metrics.k8s.io (APIService) for the HPAs KEDA creates");
    add("modes", apiServer, webhooks, [CHART_PORTS.kedaWebhook], "ScaledObject admission webhook");
    guarded.push({
      name: "keda admission webhooks",
      target: { namespace: keda, pods: chartPodLabels(config).kedaWebhooks, name: "keda admission webhooks" },
      ports: [CHART_PORTS.kedaWebhook],
      allowed: WEBHOOK_CALLERS,
      fix: WEBHOOK_FIX,
    });
    guarded.push({
      name: "keda metrics API server",
      target: { namespace: keda, pods: chartPodLabels(config).kedaMetricsApiServer, name: "keda metrics API server" },
      ports: [CHART_PORTS.kedaMetricsApi],
      allowed: WEBHOOK_CALLERS,
      fix: WEBHOOK_FIX,
    });
    guarded.push({
      name: "keda-operator metrics service",
      target: { namespace: keda, pods: chartPodLabels(config).kedaOperator, name: "keda-operator" },
      ports: [CHART_PORTS.kedaMetricsService],
      allowed: [metricsApi],
    });
  }

  // Monitoring: Prometheus scrapes what the ServiceMonitors name (plan/reachability.ts also derives
  // each one from the rendered ServiceMonitors); kube-prometheus-stack's own parts talk to each other.
  if (prometheusRef) {
    if (Object.keys(config.servers).length > 0)
      add("monitoring", prometheusRef, pods(ns.inference, APP_PODS.vllm, "vllm"), [VLLM_PORT], "scrape vLLM /metrics");
    add("monitoring", prometheusRef, pods(ns.data, APP_PODS.qdrant, "qdrant"), [QDRANT_HTTP_PORT], "scrape Qdrant /metrics");
    if (config.monitoring?.gateway.litellmMetrics) add("monitoring", prometheusRef, litellm, [LITELLM_PORT], "scrape LiteLLM /metrics");
    if (used.certManager) add("monitoring", prometheusRef, certManager, [CHART_PORTS.certManagerMetrics], "scrape cert-manager metrics");
    if (used.ingressNginx)
      add(
        "monitoring",
        prometheusRef,
        pods(ns.ingress, chartPodLabels(config).ingressController, "ingress controller"),
        [CHART_PORTS.ingressMetrics],
        "scrape ingress-nginx metrics",
      );
    if (used.dcgmExporter)
      add(
        "monitoring",
        prometheusRef,
        pods(ns.devicePlugin, chartPodLabels(config).dcgmExporter, "dcgm-exporter"),
        [CHART_PORTS.dcgmMetrics],
        "scrape GPU metrics (DCGM)",
      );
  }
  if (used.kubePrometheusStack && prometheusRef) {
    const mon = monitoringNamespace(config);
    add(
      "monitoring",
      pods(mon, {}, "monitoring pods"),
      apiServer,
      net.apiServer.ports,
      "operator, Prometheus service discovery, kube-state-metrics, Grafana's sidecar, admission Jobs",
    );
    add(
      "monitoring",
      apiServer,
      pods(mon, chartPodLabels(config).prometheusOperator, "prometheus-operator"),
      [CHART_PORTS.operator],
      "PrometheusRule admission webhook",
    );
    add("monitoring", prometheusRef, pods(mon, chartPodLabels(config).alertmanager, "alertmanager"), [CHART_PORTS.alertmanager], "alerts");
    add(
      "monitoring",
      prometheusRef,
      pods(mon, chartPodLabels(config).kubeStateMetrics, "kube-state-metrics"),
      [CHART_PORTS.kubeStateMetrics],
      "scrape object state (restarts)",
    );
    add(
      "monitoring",
      prometheusRef,
      pods(mon, chartPodLabels(config).prometheusOperator, "prometheus-operator"),
      [CHART_PORTS.operator],
      "scrape the operator",
    );
    add("monitoring", prometheusRef, dns, [CHART_PORTS.coreDnsMetrics], "scrape CoreDNS");
    add("monitoring", prometheusRef, external(NODES), [CHART_PORTS.kubelet], "scrape the kubelets (volume usage, cAdvisor)");
    if (config.monitoring?.kubePrometheusStack.grafana)
      add("monitoring", pods(mon, chartPodLabels(config).grafana, "grafana"), prometheusRef, [CHART_PORTS.prometheus], "dashboards query Prometheus");
    externals.push({
      name: NODES,
      address: firstHost(net.privateCidrs[0] ?? "10.0.0.0/8"),
      description: `the nodes' kubelets (network.privateCidrs ${net.privateCidrs.join(", ")})`,
    });
    guarded.push({
      name: "prometheus-operator webhook",
      target: { namespace: mon, pods: chartPodLabels(config).prometheusOperator, name: "prometheus-operator" },
      ports: [CHART_PORTS.operator],
      allowed: [...WEBHOOK_CALLERS, prometheusRef],
      fix: WEBHOOK_FIX,
    });
  }

  // Who alone may open the model servers and the gateway's stores.
  const allowedScrape = prometheusRef ? [prometheusRef] : [];
  if (Object.keys(config.servers).length > 0)
    guarded.push({ name: "model servers", target: { namespace: ns.inference, pods: APP_PODS.vllm, name: "vllm" }, allowed: [litellm, ...allowedScrape] });
  guarded.push({
    name: "Postgres",
    target: { namespace: ns.gateway, pods: APP_PODS.postgres, name: "postgres" },
    allowed: [
      litellm,
      pods(ns.gateway, APP_PODS.migrate, "litellm-migrate job"),
      pods(ns.gateway, APP_PODS.postgresSetup, "postgres-setup job"),
      pods(ns.gateway, APP_PODS.postgresBackup, "postgres-backup jobs"),
    ],
  });
  guarded.push({ name: "Redis", target: { namespace: ns.gateway, pods: APP_PODS.redis, name: "redis" }, allowed: [litellm] });

  const releaseUsed: Record<keyof typeof RELEASES, boolean> = {
    ingress: used.ingressNginx,
    gatewayFabric: used.nginxGatewayFabric,
    certManager: used.certManager,
    externalSecrets: used.externalSecrets,
    devicePlugin: hasDevicePlugin(config),
    prometheusStack: used.kubePrometheusStack,
    dcgmExporter: used.dcgmExporter,
    draDriver: used.draDriver,
    nodeFeatureDiscovery: used.nodeFeatureDiscovery,
    keda: used.keda,
  };
  const names = releaseNames(config);
  const releases = (Object.keys(names) as (keyof typeof names)[]).filter((k) => releaseUsed[k]).map((k) => ({ release: names[k], chart: RELEASE_CHARTS[k] }));
  const knownNamespaces = [CLUSTER_DNS.namespace, ...(prom ? [prom.namespace] : []), "default"];
  return { flows: mergeFlows(flows), releases, knownPods: knownPods(config), knownNamespaces, externals, guarded, ...(prom ? { prometheus: prom } : {}) };
}
