import { PART_OF } from "../labels";
import type { MetricsEndpoint, MonitoringPlan } from "./targets";

export const MONITORING_API = "monitoring.coreos.com/v1";

type Relabeling = { sourceLabels?: string[]; targetLabel: string; replacement?: string; action: "replace" };

/** One scraped endpoint, as prometheus-operator's ServiceMonitor `endpoints[]` and PodMonitor `podMetricsEndpoints[]` share it. */
export interface ScrapeEndpoint {
  port: string;
  path: string;
  interval: string;
  honorLabels?: boolean;
  authorization?: { type: "Bearer"; credentials: { name: string; key: string } };
  relabelings?: Relabeling[];
}

/** A `monitoring.coreos.com/v1` ServiceMonitor, as the prometheus-operator CRD defines the fields used here. */
export interface ServiceMonitorObject {
  apiVersion: typeof MONITORING_API;
  kind: "ServiceMonitor";
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: { namespaceSelector: { matchNames: string[] }; selector: { matchLabels: Record<string, string> }; endpoints: ScrapeEndpoint[] };
}

/** A `monitoring.coreos.com/v1` PodMonitor: pods whose metrics port no Service exposes. */
export interface PodMonitorObject {
  apiVersion: typeof MONITORING_API;
  kind: "PodMonitor";
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: { namespaceSelector: { matchNames: string[] }; selector: { matchLabels: Record<string, string> }; podMetricsEndpoints: ScrapeEndpoint[] };
}

export type MonitorObject = ServiceMonitorObject | PodMonitorObject;

export interface ScrapeTarget {
  /** Suffix of the monitor's name (`<component>-<key>`). */
  key: string;
  endpoint: MetricsEndpoint;
}

/** Every endpoint of the plan that Prometheus scrapes, keyed for object names. */
export function scrapeTargets(plan: MonitoringPlan): ScrapeTarget[] {
  const targets: ScrapeTarget[] = plan.modelServers.map((s) => ({ key: `vllm-${s.name}`, endpoint: s.endpoint }));
  if (plan.gpus) targets.push({ key: "dcgm-exporter", endpoint: plan.gpus.exporter });
  if (plan.edge) {
    if (plan.edge.implementation === "ingress-nginx") targets.push({ key: "ingress-nginx", endpoint: plan.edge.controller });
    else targets.push({ key: "ngf-control-plane", endpoint: plan.edge.controller });
    if (plan.edge.dataPlane) targets.push({ key: "ngf-data-plane", endpoint: plan.edge.dataPlane });
  }
  if (plan.gateway?.litellm) targets.push({ key: "litellm", endpoint: plan.gateway.litellm });
  if (plan.vectorStore) targets.push({ key: "qdrant", endpoint: plan.vectorStore.endpoint });
  if (plan.certificates) targets.push({ key: "cert-manager", endpoint: plan.certificates.controller });
  return targets;
}

function scrapeEndpoint(e: MetricsEndpoint, interval: string): ScrapeEndpoint {
  const relabelings: Relabeling[] = [
    ...(e.nodeLabel ? [{ sourceLabels: ["__meta_kubernetes_pod_node_name"], targetLabel: "node", action: "replace" as const }] : []),
    // A PodMonitor's series get a job named after the monitor by default: the endpoint names its own,
    // which the rules and dashboards select by (endpoint relabelings run after the operator's own).
    ...(e.pods ? [{ targetLabel: "job", replacement: e.pods.job, action: "replace" as const }] : []),
  ];
  return {
    port: e.port,
    path: e.path ?? "/metrics",
    interval,
    ...(e.honorLabels ? { honorLabels: true } : {}),
    ...(e.bearerTokenSecret
      ? { authorization: { type: "Bearer" as const, credentials: { name: e.bearerTokenSecret.name, key: e.bearerTokenSecret.key } } }
      : {}),
    ...(relabelings.length > 0 ? { relabelings } : {}),
  };
}

/**
 * One monitor per endpoint, in the endpoint's namespace (a bearer-token Secret reference must be in the
 * monitor's namespace): a ServiceMonitor for a Service's port, a PodMonitor for pods no Service exposes.
 * `selectorLabels` are what the Prometheus selects monitors by.
 */
export function monitorSpec(prefix: string, target: ScrapeTarget, selectorLabels: Record<string, string>, interval: string): MonitorObject {
  const e = target.endpoint;
  const metadata = {
    name: `${prefix}-${target.key}`,
    namespace: e.namespace,
    labels: { ...selectorLabels, "app.kubernetes.io/part-of": PART_OF, "app.kubernetes.io/managed-by": "pulumi" },
  };
  const namespaceSelector = { matchNames: [e.namespace] };
  if (e.pods) {
    return {
      apiVersion: MONITORING_API,
      kind: "PodMonitor",
      metadata,
      spec: { namespaceSelector, selector: { matchLabels: { ...e.pods.labels } }, podMetricsEndpoints: [scrapeEndpoint(e, interval)] },
    };
  }
  if (!e.service || !e.serviceLabels)
    throw new Error(`metrics endpoint ${target.key} in ${e.namespace} names neither a Service (service, serviceLabels) nor pods`);
  return {
    apiVersion: MONITORING_API,
    kind: "ServiceMonitor",
    metadata,
    spec: { namespaceSelector, selector: { matchLabels: { ...e.serviceLabels } }, endpoints: [scrapeEndpoint(e, interval)] },
  };
}
