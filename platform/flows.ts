import type { PlatformConfig } from "../config/schema";
import { ConfigError, keyPath } from "../config/load";
import { selectorLabels } from "../components/specs/labels";
import { CLUSTER_DNS, type PodSelection } from "../components/specs/networkPolicies";
import { QDRANT_HTTP_PORT, QDRANT_SELECTOR } from "../components/specs/qdrant";
import { LITELLM_PORT, POSTGRES_PORT, REDIS_PORT } from "../components/specs/gatewayWorkloads";
import { VLLM_PORT } from "../components/specs/vllm";
import { workstationPort } from "../components/specs/workstation";
import { configuredProviders } from "../config/providers";
import { addonsUsed } from "./addons";
import { edgeRoutes } from "./edge";

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
}

/**
 * Helm release names of the operators: ClusterAddons "addons" (platform/addons.ts) names each release
 * `<component>-<addon>`, its GpuTimeSlicing child `addons-gpu` → `addons-gpu-device-plugin`. The charts
 * label every pod `app.kubernetes.io/instance: <release>`; the reachability check refuses a plan whose
 * releases are named otherwise (plan/reachability.ts), so a rename cannot silently break these rules.
 */
export const RELEASES = {
  ingress: "addons-ingress-nginx",
  certManager: "addons-cert-manager",
  externalSecrets: "addons-external-secrets",
  devicePlugin: "addons-gpu-device-plugin",
} as const;

/** The chart behind each release above (what the plan's Helm Release resources are matched by). */
export const RELEASE_CHARTS: Record<keyof typeof RELEASES, string> = { ingress: "ingress-nginx", certManager: "cert-manager", externalSecrets: "external-secrets", devicePlugin: "nvidia-device-plugin" };

const instance = (release: string) => ({ "app.kubernetes.io/instance": release });

/** Labels of the pods the charts run (their templates' selector labels), by role. */
export const CHART_POD_LABELS = {
  // ingress-nginx chart: controller pods carry name/instance/component (templates/controller-deployment.yaml).
  ingressController: { "app.kubernetes.io/name": "ingress-nginx", ...instance(RELEASES.ingress), "app.kubernetes.io/component": "controller" },
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
} as const;

export const CHART_PORTS = { ingressHttp: 80, ingressHttps: 443, ingressWebhook: 8443, ingressMetrics: 10254, certManagerMetrics: 9402, webhook: 10250, acmeSolver: 8089, bitwardenSdk: 9998, nfdGrpc: 8080 } as const;

/** Pods of the gateway and data layers (the component specs' selector labels). */
export const APP_PODS = {
  litellm: selectorLabels("litellm", "gateway"),
  migrate: selectorLabels("litellm-migrate", "gateway"),
  clientsJob: selectorLabels("litellm-clients", "gateway"),
  postgres: selectorLabels("postgres", "litellm"),
  redis: selectorLabels("redis", "litellm"),
  vllm: { "app.kubernetes.io/name": "vllm" },
  qdrant: QDRANT_SELECTOR,
  /** Pods of any Job or CronJob: the Job controller labels them (batch.kubernetes.io/controller-uid, Kubernetes ≥ 1.27). */
  jobs: { matchExpressions: [{ key: "batch.kubernetes.io/controller-uid", operator: "Exists" }] },
};

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
  return ((ipToInt(base) & mask) >>> 0) === ((ipToInt(ip) & mask) >>> 0);
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
        { path: keyPath(["workstation", "bindAddress"]), message: `is 0.0.0.0 and workstation.address "${w.address}" is a host name: give the workstation's LAN IPv4 address so the gateway's egress names it (a /32)` },
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

export const cloudProvidersConfigured = (config: PlatformConfig): string[] => configuredProviders(config.providers).filter((p) => (CLOUD_PROVIDERS as readonly string[]).includes(p));

/** Namespaces holding a Certificate the edge issues over ACME HTTP-01 (one per namespace with a route). */
export function http01Namespaces(config: PlatformConfig): string[] {
  return config.edge ? [...new Set(Object.values(edgeRoutes(config)).map((r) => r.service.namespace))] : [];
}

export const hasDevicePlugin = (config: PlatformConfig) => addonsUsed(config).gpuDevicePlugin;

/** The pods the plan does not render that the platform's flows start or end at. */
export function knownPods(config: PlatformConfig): KnownPod[] {
  const ns = config.namespaces;
  const pods: KnownPod[] = [
    { name: "kube-dns", namespace: CLUSTER_DNS.namespace, labels: CLUSTER_DNS.labels, ports: [{ name: "dns", containerPort: 53, protocol: "UDP" }, { name: "dns-tcp", containerPort: 53, protocol: "TCP" }], source: "CoreDNS (k8s-app=kube-dns)" },
  ];
  if (ns.monitoring) {
    pods.push({ name: "prometheus", namespace: ns.monitoring, labels: config.network.prometheusPodLabels, ports: [{ name: "web", containerPort: 9090 }], source: "network.prometheusPodLabels" });
  }
  const used = addonsUsed(config);
  if (used.certManager) {
    pods.push(
      { name: "cert-manager controller", namespace: ns.certManager, labels: CHART_POD_LABELS.certManagerController, ports: [{ name: "http-metrics", containerPort: CHART_PORTS.certManagerMetrics }], source: "cert-manager chart" },
      { name: "cert-manager webhook", namespace: ns.certManager, labels: CHART_POD_LABELS.certManagerWebhook, ports: [{ name: "https", containerPort: CHART_PORTS.webhook }], source: "cert-manager chart" },
    );
  }
  if (config.edge) {
    pods.push(
      {
        name: "ingress controller",
        namespace: ns.ingress,
        labels: CHART_POD_LABELS.ingressController,
        ports: [
          { name: "http", containerPort: CHART_PORTS.ingressHttp },
          { name: "https", containerPort: CHART_PORTS.ingressHttps },
          { name: "webhook", containerPort: CHART_PORTS.ingressWebhook },
          { name: "metrics", containerPort: CHART_PORTS.ingressMetrics },
        ],
        source: "ingress-nginx chart (controller)",
      },
    );
    for (const solverNs of http01Namespaces(config)) {
      pods.push({ name: "ACME HTTP-01 solver", namespace: solverNs, labels: CHART_POD_LABELS.acmeSolver, ports: [{ name: "http", containerPort: CHART_PORTS.acmeSolver }], source: "cert-manager acmesolver pod" });
    }
  }
  if (used.externalSecrets) {
    pods.push(
    { name: "external-secrets controller", namespace: ns.externalSecrets, labels: CHART_POD_LABELS.externalSecretsController, ports: [{ name: "metrics", containerPort: 8080 }], source: "external-secrets chart" },
    { name: "external-secrets webhook", namespace: ns.externalSecrets, labels: CHART_POD_LABELS.externalSecretsWebhook, ports: [{ name: "webhook", containerPort: CHART_PORTS.webhook }], source: "external-secrets chart" },
    { name: "bitwarden-sdk-server", namespace: ns.externalSecrets, labels: CHART_POD_LABELS.bitwardenSdkServer, ports: [{ name: "http", containerPort: CHART_PORTS.bitwardenSdk }], source: "bitwarden-sdk-server subchart" },
    );
  }
  if (hasDevicePlugin(config)) {
    pods.push(
      { name: "nfd-master", namespace: ns.devicePlugin, labels: CHART_POD_LABELS.nfdMaster, ports: [{ name: "grpc", containerPort: CHART_PORTS.nfdGrpc }], source: "node-feature-discovery 0.15.3 (device plugin gfd)" },
      { name: "nfd-worker", namespace: ns.devicePlugin, labels: CHART_POD_LABELS.nfdWorker, ports: [], source: "node-feature-discovery 0.15.3 (device plugin gfd)" },
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
const WEBHOOK_FIX = "set llm-platform:network.apiServer.cidrs to the control plane's addresses (kubectl get endpoints kubernetes -n default; npm run doctor prints them)";
export const API_SERVER = "kube-apiserver";

/**
 * Every flow the platform needs, per component, from the stack's config: the edge to its backends and
 * to the ACME solvers, DNS from every pod, the gateway to model servers, Qdrant, providers and the
 * workstation, External Secrets to Bitwarden, vLLM to Hugging Face, operators to the API server and
 * the API server to their webhooks, and Prometheus scrapes when a monitoring namespace is configured.
 * The guarded targets list who alone may open the model servers, Postgres, Redis and the webhooks.
 */
export function platformFlows(config: PlatformConfig): FlowPlan {
  const ns = config.namespaces;
  const net = config.network;
  const flows: NeededFlow[] = [];
  const add = (component: string, from: EndpointRef, to: EndpointRef, ports: number[], why: string, protocol: "TCP" | "UDP" = "TCP") =>
    flows.push({ component, from, to, ports, protocol, why });

  const litellm = pods(ns.gateway, APP_PODS.litellm, "litellm");
  const prometheus = ns.monitoring ? pods(ns.monitoring, net.prometheusPodLabels, "prometheus") : undefined;
  const apiServer = external(API_SERVER);
  const externals: ExternalEndpoint[] = [
    { name: INTERNET, address: publicAddress(net.privateCidrs), description: "any public address outside network.privateCidrs" },
    { name: API_SERVER, address: firstHost(net.apiServer.cidrs[0]!), description: `the API server (network.apiServer.cidrs ${net.apiServer.cidrs.join(", ")})` },
  ];
  const lan = lanTargets(config);
  for (const t of lan) externals.push({ name: t.name, address: t.address, description: t.cidrs.join(", ") });

  // Everyone resolves names.
  const dns = pods(CLUSTER_DNS.namespace, CLUSTER_DNS.labels, "kube-dns");
  add("dns", { everyPod: true }, dns, [CLUSTER_DNS.port], "name resolution", "UDP");
  add("dns", { everyPod: true }, dns, [CLUSTER_DNS.port], "name resolution (large answers, TCP fallback)");

  // Inference.
  if (Object.keys(config.servers).length > 0) {
    for (const server of Object.keys(config.servers)) add("gateway", litellm, { service: { namespace: ns.inference, name: `vllm-${server}` } }, [VLLM_PORT], `gateway → model server ${server}`);
    if (net.modelDownloads) add("inference", pods(ns.inference, APP_PODS.vllm, "vllm"), external(INTERNET), [443], "model downloads from Hugging Face (network.modelDownloads)");
    if (prometheus) add("monitoring", prometheus, pods(ns.inference, APP_PODS.vllm, "vllm"), [VLLM_PORT], "scrape vLLM /metrics");
  }

  // Gateway.
  add("gateway", litellm, { service: { namespace: ns.gateway, name: "litellm-postgres" } }, [POSTGRES_PORT], "virtual keys, budgets, spend logs");
  add("gateway", litellm, { service: { namespace: ns.gateway, name: "litellm-redis" } }, [REDIS_PORT], "limits shared by replicas");
  add("gateway", pods(ns.gateway, APP_PODS.migrate, "litellm-migrate job"), { service: { namespace: ns.gateway, name: "litellm-postgres" } }, [POSTGRES_PORT], "schema migration");
  if (Object.keys(config.gateway.clients).length > 0) {
    add("gateway", pods(ns.gateway, APP_PODS.clientsJob, "litellm-clients job"), { service: { namespace: ns.gateway, name: "litellm" } }, [LITELLM_PORT], "creates the clients' virtual keys");
  }
  add("gateway", litellm, { service: { namespace: ns.data, name: "qdrant" } }, [QDRANT_HTTP_PORT], "vector store");
  const clouds = cloudProvidersConfigured(config);
  if (clouds.length > 0) add("gateway", litellm, external(INTERNET), [443], `cloud providers (${clouds.join(", ")})`);
  for (const t of lan) add("gateway", litellm, external(t.name), [t.port], `out-of-cluster inference (${t.name})`);
  if (prometheus) add("monitoring", prometheus, litellm, [LITELLM_PORT], "scrape LiteLLM /metrics");

  // Data.
  const qdrantJobs = pods(ns.data, APP_PODS.jobs, "qdrant jobs");
  add("data", qdrantJobs, { service: { namespace: ns.data, name: "qdrant" } }, [QDRANT_HTTP_PORT], "collection setup and snapshots");
  if (prometheus) add("monitoring", prometheus, pods(ns.data, APP_PODS.qdrant, "qdrant"), [QDRANT_HTTP_PORT], "scrape Qdrant /metrics");

  // cert-manager (the edge's certificates, the Bitwarden SDK server's TLS).
  const used = addonsUsed(config);
  const guarded: GuardedTarget[] = [];
  const certManager = pods(ns.certManager, CHART_POD_LABELS.certManagerController, "cert-manager controller");
  if (used.certManager) {
    add("addons", apiServer, pods(ns.certManager, CHART_POD_LABELS.certManagerWebhook, "cert-manager webhook"), [CHART_PORTS.webhook], "cert-manager admission webhook");
    add("addons", pods(ns.certManager, instance(RELEASES.certManager), "cert-manager pods"), apiServer, net.apiServer.ports, "controller, cainjector, webhook, startupapicheck");
    if (prometheus) add("monitoring", prometheus, certManager, [CHART_PORTS.certManagerMetrics], "scrape cert-manager metrics");
    guarded.push({ name: "cert-manager webhook", target: { namespace: ns.certManager, pods: CHART_POD_LABELS.certManagerWebhook, name: "cert-manager webhook" }, ports: [CHART_PORTS.webhook], allowed: [apiServer], fix: WEBHOOK_FIX });
  }

  // Edge: clients → controller → backends; ACME HTTP-01; the admission webhook.
  if (config.edge) {
    const controllerPods: PodRef = { namespace: ns.ingress, pods: CHART_POD_LABELS.ingressController, name: "ingress controller" };
    const controller: EndpointRef = { pods: controllerPods };
    add("edge", external(INTERNET), controller, [CHART_PORTS.ingressHttp, CHART_PORTS.ingressHttps], "clients and Let's Encrypt's HTTP-01 validation");
    for (const [key, route] of Object.entries(edgeRoutes(config))) {
      add("edge", controller, { service: { namespace: route.service.namespace, name: route.service.name } }, [route.service.port], `route ${key} (${route.path})`);
    }
    for (const solverNs of http01Namespaces(config)) {
      add("edge", controller, pods(solverNs, CHART_POD_LABELS.acmeSolver, "ACME HTTP-01 solver"), [CHART_PORTS.acmeSolver], `HTTP-01 challenge of the Certificate in ${solverNs}`);
    }
    add("edge", apiServer, controller, [CHART_PORTS.ingressWebhook], "Ingress admission webhook");
    add("edge", pods(ns.ingress, instance(RELEASES.ingress), "ingress-nginx pods"), apiServer, net.apiServer.ports, "watch Ingresses, Services, Secrets; admission Jobs patch the webhook");
    add("edge", certManager, external(INTERNET), [443], "ACME API (Let's Encrypt)");
    add("edge", certManager, controller, [CHART_PORTS.ingressHttp], "HTTP-01 self-check (kube-proxy sends the LoadBalancer address to the controller pods)");
    add("edge", certManager, external(INTERNET), [CHART_PORTS.ingressHttp], "HTTP-01 self-check through a public address");
    if (prometheus) add("monitoring", prometheus, controller, [CHART_PORTS.ingressMetrics], "scrape ingress-nginx metrics");
    guarded.push({ name: "ingress admission webhook", target: controllerPods, ports: [CHART_PORTS.ingressWebhook], allowed: [apiServer], fix: WEBHOOK_FIX });
  }

  // External Secrets with Bitwarden's SDK server.
  if (used.externalSecrets) {
    const eso = pods(ns.externalSecrets, CHART_POD_LABELS.externalSecretsController, "external-secrets controller");
    const sdk = pods(ns.externalSecrets, CHART_POD_LABELS.bitwardenSdkServer, "bitwarden-sdk-server");
    add("addons", pods(ns.externalSecrets, instance(RELEASES.externalSecrets), "external-secrets pods"), apiServer, net.apiServer.ports, "controller, webhook, cert-controller");
    add("addons", apiServer, pods(ns.externalSecrets, CHART_POD_LABELS.externalSecretsWebhook, "external-secrets webhook"), [CHART_PORTS.webhook], "ExternalSecret admission webhook");
    add("secrets", eso, sdk, [CHART_PORTS.bitwardenSdk], "the Bitwarden store calls its SDK server");
    add("secrets", sdk, external(INTERNET), [443], "Bitwarden Secrets Manager API and identity");
    guarded.push({ name: "external-secrets webhook", target: { namespace: ns.externalSecrets, pods: CHART_POD_LABELS.externalSecretsWebhook, name: "external-secrets webhook" }, ports: [CHART_PORTS.webhook], allowed: [apiServer], fix: WEBHOOK_FIX });
  }

  // GPU: the device plugin's config manager and NFD talk to the API server; NFD workers to the master.
  if (hasDevicePlugin(config)) {
    add("addons", pods(ns.devicePlugin, instance(RELEASES.devicePlugin), "device plugin pods"), apiServer, net.apiServer.ports, "config manager, gpu-feature-discovery, NFD");
    add("addons", pods(ns.devicePlugin, CHART_POD_LABELS.nfdWorker, "nfd-worker"), pods(ns.devicePlugin, CHART_POD_LABELS.nfdMaster, "nfd-master"), [CHART_PORTS.nfdGrpc], "node features → node labels (feature.node.kubernetes.io/pci-10de.present)");
  }

  // Who alone may open the model servers and the gateway's stores.
  const allowedScrape = prometheus ? [prometheus] : [];
  if (Object.keys(config.servers).length > 0) guarded.push({ name: "model servers", target: { namespace: ns.inference, pods: APP_PODS.vllm, name: "vllm" }, allowed: [litellm, ...allowedScrape] });
  guarded.push({ name: "Postgres", target: { namespace: ns.gateway, pods: APP_PODS.postgres, name: "postgres" }, allowed: [litellm, pods(ns.gateway, APP_PODS.migrate, "litellm-migrate job")] });
  guarded.push({ name: "Redis", target: { namespace: ns.gateway, pods: APP_PODS.redis, name: "redis" }, allowed: [litellm] });

  const releases = (Object.keys(RELEASES) as (keyof typeof RELEASES)[])
    .filter((k) => ({ ingress: used.ingressNginx, certManager: used.certManager, externalSecrets: used.externalSecrets, devicePlugin: hasDevicePlugin(config) })[k])
    .map((k) => ({ release: RELEASES[k], chart: RELEASE_CHARTS[k] }));
  return { flows: mergeFlows(flows), releases, knownPods: knownPods(config), knownNamespaces: [CLUSTER_DNS.namespace, ...(ns.monitoring ? [ns.monitoring] : []), "default"], externals, guarded };
}
