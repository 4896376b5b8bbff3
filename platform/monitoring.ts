import type * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config/schema";
import { Observability, type ObservabilityArgs } from "../components/observability";
import { liteLLMGatewayNames, qdrantStoreNames } from "../components/specs/gatewayNames";
import { selectorLabels } from "../components/specs/labels";
import {
  kubePrometheusStackSelector,
  certManagerMetricsService,
  dcgmExporterMetricsService,
  ingressNginxMetricsService,
  type ChartMetricsService,
} from "../components/specs/monitoringAddons";
import { dataPlaneLabels } from "../components/specs/gatewayApiEdge";
import type { EdgePlan, EdgeRoutePlan, GpuCardPlan, MetricsEndpoint, ModelServerPlan } from "../components/specs/monitoring/targets";
import { servedModelNamesOf } from "../components/specs/vllm";
import { policyConfigFromPlatform } from "../plan/policyConfig";
import { planGpus } from "../policies/gpuPlan";
import type { ResourceLike } from "../policies/workloads";
import { addonRelease, addonsUsed, monitoringNamespace } from "./addons";
import { edgeCertificate, edgeComponentName, edgeReplicas, edgeRoutes } from "./edge";
import { COMPONENTS, gatewayModels } from "./gateway";
import { publicRoutes } from "./routes";
import type { PlannedServer } from "./servers";
import { plannedGpuResources } from "./inference";

/** The Observability component's name: object names (`monitoring-vllm-llm`, `monitoring-alerts`) derive from it. */
export const MONITORING_NAME = "monitoring";

/**
 * The labels the Prometheus selects the platform's ServiceMonitors and PrometheusRules by: configured,
 * or with `stack: install` the label kube-prometheus-stack's chart defaults select (`release: <release>`).
 */
export function monitoringSelectorLabels(config: PlatformConfig): Record<string, string> {
  const m = config.monitoring;
  if (!m) return {};
  return m.selectorLabels ?? (m.stack === "install" ? kubePrometheusStackSelector(addonRelease("kube-prometheus-stack", config)) : {});
}

/**
 * The vLLM Deployments as the policy pack reads them (GPU limit, vLLM args, replicas, rollout), built
 * from the planned servers the same way the VllmAdapter renders them. tests/components/monitoring
 * checks that the per-card plan from these equals the one from the program's rendered Deployments.
 */
export function plannedGpuWorkloads(config: PlatformConfig, servers: PlannedServer[]): ResourceLike[] {
  // The GPU half (device-plugin limits, or DRA claims and KEDA schedules) is platform/inference.ts's.
  return plannedGpuResources(config, servers);
}

/**
 * Each physical GPU with the worst case the policy pack's GPU plan (policies/gpuPlan.ts) allows on it:
 * under time-slicing the largest footprints that fit the card's slices, under MPS its clients, without
 * sharing one pod. A card of the plan (`<node>/gpu<i>`) is DCGM's series `{node="<node>", gpu="<i>"}`:
 * DCGM's `gpu` label is the NVML index nvidia-smi shows, and `node` comes from the exporter pod's node.
 * Under DRA the NVML index of a claim's card is not known in advance (below).
 */
export function plannedCards(config: PlatformConfig, servers: PlannedServer[]): GpuCardPlan[] {
  const plan = planGpus(plannedGpuWorkloads(config, servers), policyConfigFromPlatform(config));
  const cards = plan.cards.map((card) => {
    const [node, gpu] = card.card.split("/gpu");
    return { node: node!, index: Number(gpu), memoryGiB: card.memoryGiB, plannedGiB: card.totalGiB, pods: card.worstCase.map((p) => p.pod) };
  });
  if (config.gpuSharing.mode !== "dra") return cards;
  // DRA: the plan's gpu<i> is "the i-th claim on the node"; which physical card (NVML index) each claim
  // gets is the scheduler's choice (the driver v0.4.1 publishes no index attribute to select by), so
  // every card of a node is held to the fullest planned card of that node, and names each claim's pods.
  return cards.map((card) => {
    const siblings = cards.filter((c) => c.node === card.node);
    const fullest = Math.max(...siblings.map((c) => c.plannedGiB));
    return { ...card, plannedGiB: fullest, pods: siblings.flatMap((c) => (c.pods.length ? [`claim gpu${c.index}: ${c.pods.join(" + ")}`] : [])) };
  });
}

function chartEndpoint(namespace: string, metrics: ChartMetricsService, extra: Partial<MetricsEndpoint> = {}): MetricsEndpoint {
  return { namespace, service: metrics.service, serviceLabels: metrics.labels, port: metrics.port.name, ...extra };
}

function modelServer(config: PlatformConfig, s: PlannedServer): ModelServerPlan {
  return {
    name: s.name,
    endpoint: { namespace: config.namespaces.inference, service: `vllm-${s.name}`, serviceLabels: selectorLabels("vllm", s.name), port: "http" },
    deployment: `vllm-${s.name}`,
    container: "vllm",
    replicas: s.config.replicas,
    maxNumSeqs: s.config.maxNumSeqs,
    maxModelLen: s.config.maxModelLen,
    kvCacheTokens: Math.max(0, s.estimate.kvCacheTokens),
    generates: s.config.task === "generate",
    startupSeconds: s.config.startupTimeoutSeconds,
    // What the server answers to, and the adapters the gateway routes to it.
    servedNames: [...new Set([...servedModelNamesOf(s.args), ...s.adapters.map((a) => a.name)])],
  };
}

/**
 * The routes of the edge: the Ingress (ingress-nginx labels its series with it) or the HTTPRoute
 * `edge-<key>`, both in the namespace of the route's Service.
 */
export function edgeRoutePlans(config: PlatformConfig): EdgeRoutePlan[] {
  const routes = edgeRoutes(config);
  return publicRoutes(config).map((r) => ({
    name: `${edgeComponentName(config)}-${r.key}`,
    namespace: routes[r.key]!.service.namespace,
    path: r.prefix,
    ...(r.adapter ? { adapter: r.adapter } : {}),
    backend: r.backend,
  }));
}

/**
 * NGINX Gateway Fabric's control-plane pods: the chart's selector labels (chart 2.6.7
 * templates/_helpers.tpl `nginx-gateway.selectorLabels`: name = the chart's name, instance = the release)
 * and the container port `metrics` (templates/deployment.yaml, `nginxGateway.metrics.enable` true by
 * default). No Service exposes it (the chart's Service has only the agent's gRPC port): a PodMonitor.
 */
export function nginxGatewayFabricControlPlane(namespace: string, release: string): MetricsEndpoint {
  return {
    namespace,
    pods: { labels: { "app.kubernetes.io/name": "nginx-gateway-fabric", "app.kubernetes.io/instance": release }, job: "nginx-gateway-fabric" },
    port: "metrics",
  };
}

/**
 * The Gateway's NGINX data-plane pods, which NGF provisions in the Gateway's namespace with the Gateway's
 * `spec.infrastructure.labels` (provisioner/objects.go buildLabelsAndAnnotations) and, with metrics on
 * (the NginxProxy default), the container port `metrics` (9113) where the NGINX agent's Prometheus
 * exporter serves (buildContainerPortsAndAnnotations). The data plane's Service exposes only the listeners.
 */
export function nginxGatewayFabricDataPlane(namespace: string, edgeComponent: string): MetricsEndpoint {
  return { namespace, pods: { labels: dataPlaneLabels(edgeComponent), job: `${edgeComponent}-nginx` }, port: "metrics" };
}

/** The edge's metrics endpoints: ingress-nginx's controller, or NGF's control plane and the Gateway's data plane. */
export function edgePlan(config: PlatformConfig): EdgePlan | undefined {
  const edge = config.edge;
  if (!edge) return undefined;
  const ns = config.namespaces.ingress;
  const routes = edgeRoutePlans(config);
  if (edge.implementation === "gateway-api") {
    return {
      implementation: "gateway-api",
      controller: nginxGatewayFabricControlPlane(ns, addonRelease("nginx-gateway-fabric", config)),
      dataPlane: nginxGatewayFabricDataPlane(ns, edgeComponentName(config)),
      replicas: edgeReplicas(edge),
      routes,
    };
  }
  // The controller's series describe other objects (Ingresses): their own `namespace` label must win.
  return {
    implementation: "ingress-nginx",
    controller: chartEndpoint(ns, ingressNginxMetricsService(addonRelease("ingress-nginx", config)), { honorLabels: true }),
    replicas: edgeReplicas(edge),
    routes,
  };
}

/** Observability args from the stack config and the planned servers; undefined without `monitoring`. */
export function observabilityArgs(config: PlatformConfig, servers: PlannedServer[]): ObservabilityArgs | undefined {
  const m = config.monitoring;
  if (!m) return undefined;
  const ns = config.namespaces;
  const used = addonsUsed(config);
  const edge = edgePlan(config);
  const certificateNamespaces = [...new Set([...(edgeCertificate(config)?.namespaces ?? []), ...(used.externalSecrets ? [ns.externalSecrets] : [])])];
  const gatewayNames = liteLLMGatewayNames(COMPONENTS.gateway);
  const adapterPaths = new Map(publicRoutes(config).flatMap((r) => (r.adapter && config.edge ? [[r.adapter, r.prefix] as const] : [])));
  return {
    namespace: monitoringNamespace(config),
    selectorLabels: monitoringSelectorLabels(config),
    dashboardLabelKey: m.dashboardLabel.key,
    dashboardLabelValue: m.dashboardLabel.value,
    scrapeInterval: m.scrapeInterval,
    runbookUrl: m.runbookUrl,
    modelServers: servers.map((s) => modelServer(config, s)),
    gpus: used.dcgmExporter
      ? {
          exporter: chartEndpoint(ns.devicePlugin, dcgmExporterMetricsService(addonRelease("dcgm-exporter", config)), { nodeLabel: true }),
          sharing: config.gpuSharing.mode,
          cards: plannedCards(config, servers),
        }
      : undefined,
    edge,
    gateway: {
      litellm: m.gateway.litellmMetrics
        ? {
            namespace: ns.gateway,
            service: gatewayNames.litellm,
            serviceLabels: selectorLabels("litellm", COMPONENTS.gateway),
            port: "http",
            // LiteLLM mounts its metrics app at /metrics (which redirects to /metrics/).
            path: "/metrics/",
            // /metrics asks for a key from v1.85 on (require_auth_for_metrics_endpoint): the gateway's
            // metrics reader, a key whose only allowed route is /metrics, never the master key.
            bearerTokenSecret: { name: gatewayNames.metricsKey, key: "key" },
          }
        : undefined,
      replicas: config.gateway.replicas,
      clients: Object.entries(config.gateway.clients).map(([name, c]) => ({ name, ...(c.maxBudget !== undefined ? { maxBudget: c.maxBudget } : {}) })),
      adapters: Object.keys(config.adapters).map((name) => ({ name, ...(adapterPaths.has(name) ? { path: adapterPaths.get(name)! } : {}) })),
      models: gatewayModels(config, servers).map((model) => model.name),
    },
    vectorStore: {
      // Qdrant's /metrics asks for global read access under JWT RBAC: the scraper's own read-only token.
      endpoint: {
        namespace: ns.data,
        service: qdrantStoreNames(COMPONENTS.qdrant).qdrant,
        serviceLabels: selectorLabels("qdrant", COMPONENTS.qdrant),
        port: "http",
        bearerTokenSecret: { name: qdrantStoreNames(COMPONENTS.qdrant).metricsToken, key: "token" },
      },
      collection: config.qdrant.collection.name,
    },
    certificates: used.certManager
      ? {
          controller: chartEndpoint(ns.certManager, certManagerMetricsService(addonRelease("cert-manager", config)), { honorLabels: true }),
          namespaces: certificateNamespaces,
        }
      : undefined,
    volumeNamespaces: [...(servers.length > 0 ? [ns.inference] : []), ns.gateway, ns.data],
    thresholds: { ...m.alerts },
  };
}

/**
 * Scrape targets, alerts and dashboards for the stack (nothing without `monitoring`). Runs after every
 * other layer: its ServiceMonitors live in their namespaces and need the operator's CRDs (ClusterAddons).
 */
export function deployMonitoring(
  config: PlatformConfig,
  servers: PlannedServer[],
  dependsOn: pulumi.Resource[],
  opts: pulumi.ComponentResourceOptions = {},
): Observability | undefined {
  const args = observabilityArgs(config, servers);
  return args ? new Observability(MONITORING_NAME, args, { ...opts, dependsOn }) : undefined;
}
