import { PART_OF } from "../labels";
import type { MetricsEndpoint, MonitoringPlan } from "./targets";

export const MONITORING_API = "monitoring.coreos.com/v1";

/** A `monitoring.coreos.com/v1` ServiceMonitor, as the prometheus-operator CRD defines the fields used here. */
export interface ServiceMonitorObject {
  apiVersion: typeof MONITORING_API;
  kind: "ServiceMonitor";
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: {
    namespaceSelector: { matchNames: string[] };
    selector: { matchLabels: Record<string, string> };
    endpoints: {
      port: string;
      path: string;
      interval: string;
      scrapeTimeout?: string;
      honorLabels?: boolean;
      authorization?: { type: "Bearer"; credentials: { name: string; key: string } };
      relabelings?: { sourceLabels: string[]; targetLabel: string; action: "replace" }[];
    }[];
  };
}

export interface ScrapeTarget {
  /** Suffix of the ServiceMonitor's name (`<component>-<key>`). */
  key: string;
  endpoint: MetricsEndpoint;
}

/** Every endpoint of the plan that Prometheus scrapes, keyed for object names. */
export function scrapeTargets(plan: MonitoringPlan): ScrapeTarget[] {
  const targets: ScrapeTarget[] = plan.modelServers.map((s) => ({ key: `vllm-${s.name}`, endpoint: s.endpoint }));
  if (plan.gpus) targets.push({ key: "dcgm-exporter", endpoint: plan.gpus.exporter });
  if (plan.edge) targets.push({ key: "ingress-nginx", endpoint: plan.edge.controller });
  if (plan.gateway?.litellm) targets.push({ key: "litellm", endpoint: plan.gateway.litellm });
  if (plan.vectorStore) targets.push({ key: "qdrant", endpoint: plan.vectorStore.endpoint });
  if (plan.certificates) targets.push({ key: "cert-manager", endpoint: plan.certificates.controller });
  return targets;
}

/**
 * One ServiceMonitor per endpoint, in the Service's namespace (a bearer-token Secret reference must
 * be in the monitor's namespace). `selectorLabels` are what the Prometheus selects monitors by.
 */
export function serviceMonitorSpec(prefix: string, target: ScrapeTarget, selectorLabels: Record<string, string>, interval: string): ServiceMonitorObject {
  const e = target.endpoint;
  return {
    apiVersion: MONITORING_API,
    kind: "ServiceMonitor",
    metadata: {
      name: `${prefix}-${target.key}`,
      namespace: e.namespace,
      labels: { ...selectorLabels, "app.kubernetes.io/part-of": PART_OF, "app.kubernetes.io/managed-by": "pulumi" },
    },
    spec: {
      namespaceSelector: { matchNames: [e.namespace] },
      selector: { matchLabels: { ...e.serviceLabels } },
      endpoints: [
        {
          port: e.port,
          path: e.path ?? "/metrics",
          interval,
          ...(e.honorLabels ? { honorLabels: true } : {}),
          ...(e.bearerTokenSecret ? { authorization: { type: "Bearer" as const, credentials: { name: e.bearerTokenSecret.name, key: e.bearerTokenSecret.key } } } : {}),
          ...(e.nodeLabel ? { relabelings: [{ sourceLabels: ["__meta_kubernetes_pod_node_name"], targetLabel: "node", action: "replace" as const }] } : {}),
        },
      ],
    },
  };
}
