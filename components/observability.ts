import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { withOverride, type ChildOverride } from "./specs/merge";
import { dashboardConfigMap, dashboards as buildDashboards } from "./specs/monitoring/dashboards";
import { alertRuleGroups, prometheusRuleSpec } from "./specs/monitoring/rules";
import { monitorSpec, scrapeTargets } from "./specs/monitoring/scrape";
import {
  DEFAULT_THRESHOLDS,
  type CertificatesPlan,
  type EdgePlan,
  type GatewayPlan,
  type GpuFleetPlan,
  type ModelServerPlan,
  type MonitoringPlan,
  type VectorStorePlan,
} from "./specs/monitoring/targets";

export { EdgeImplementation } from "./specs/monitoring/targets";
export type {
  BearerTokenSecret,
  CertificatesPlan,
  EdgePlan,
  EdgeRoutePlan,
  GatewayAdapterPlan,
  GatewayClientPlan,
  GatewayPlan,
  GpuCardPlan,
  GpuFleetPlan,
  MetricsEndpoint,
  ModelServerPlan,
  PodTarget,
  VectorStorePlan,
} from "./specs/monitoring/targets";

/** Thresholds that are policy, not plan; every one optional (defaults in docs/observability.md). */
export interface AlertThresholdArgs {
  /** Time-to-first-token SLO in seconds at `ttftQuantile`; default 2. */
  ttftSeconds?: number;
  /** Default 0.95. */
  ttftQuantile?: number;
  /** How long requests may wait beyond maxNumSeqs; default 5m. */
  queueFor?: string;
  /** KV-cache usage that, with requests waiting, is pressure; default 0.9. */
  kvCacheUsage?: number;
  /** Share of a model's (LiteLLM) or an Ingress's (ingress-nginx) answers that are 5xx / 429; defaults 0.05 and 0.1. */
  gateway5xxRatio?: number;
  gateway429Ratio?: number;
  /** Share of a client's budget left; default 0.1. */
  budgetRemainingRatio?: number;
  /** Default 21. */
  certificateExpiryDays?: number;
  /** Share of a volume left free; default 0.1. */
  volumeFreeRatio?: number;
}

/** Per-child escape hatches: deep-merged into each child's args last. */
export interface ObservabilityOverrides {
  /** Every ServiceMonitor and PodMonitor. */
  serviceMonitor?: ChildOverride;
  prometheusRule?: ChildOverride;
  /** Every dashboard ConfigMap. */
  dashboard?: ChildOverride;
}

export interface ObservabilityArgs {
  /** Namespace of the PrometheusRule and the dashboard ConfigMaps (where Prometheus and Grafana's sidecar look). */
  namespace: pulumi.Input<string>;
  /** Labels the Prometheus selects ServiceMonitors and PrometheusRules by (kube-prometheus-stack: `release: <its release>`). */
  selectorLabels?: { [key: string]: string };
  /** Label Grafana's dashboard sidecar loads ConfigMaps by; default grafana_dashboard: "1". */
  dashboardLabelKey?: string;
  dashboardLabelValue?: string;
  /** Default 30s. */
  scrapeInterval?: string;
  /** Base of the alerts' runbook links (`#<alert>` appended); default docs/observability.md. */
  runbookUrl?: string;
  /** vLLM servers with their plan (replicas, max-num-seqs, KV tokens). */
  modelServers?: ModelServerPlan[];
  /** The DCGM exporter and each card's planned worst case. */
  gpus?: GpuFleetPlan;
  /** The edge (ingress-nginx, or NGINX Gateway Fabric's control and data planes) and the public routes. */
  edge?: EdgePlan;
  /** LiteLLM's metrics (per model, per client, budgets), its clients and models. */
  gateway?: GatewayPlan;
  vectorStore?: VectorStorePlan;
  certificates?: CertificatesPlan;
  /** Namespaces whose PersistentVolumeClaims are watched. */
  volumeNamespaces?: string[];
  thresholds?: AlertThresholdArgs;
  overrides?: ObservabilityOverrides;
}

/**
 * Observability for the platform, generated from its plan: one prometheus-operator ServiceMonitor per
 * metrics Service (vLLM servers, DCGM exporter, ingress-nginx, LiteLLM, Qdrant, cert-manager) and one
 * PodMonitor per set of pods no Service exposes (NGINX Gateway Fabric's control and data planes), a
 * PrometheusRule whose thresholds are the plan's numbers (each card's worst-case
 * GPU memory, each server's max-num-seqs and KV cache, replicas, startup window) and one Grafana
 * dashboard ConfigMap per layer. Needs the Prometheus operator's CRDs: give it `dependsOn` on whatever
 * installs them (ClusterAddons' kube-prometheus-stack).
 */
export class Observability extends pulumi.ComponentResource {
  /** Names of the alerts the rules define. */
  public readonly alerts: pulumi.Output<string[]>;
  /** `namespace/name` of every ServiceMonitor and PodMonitor. */
  public readonly scrapeTargets: pulumi.Output<string[]>;
  /** uids of the Grafana dashboards. */
  public readonly dashboards: pulumi.Output<string[]>;
  /** Name of the PrometheusRule. */
  public readonly ruleName: pulumi.Output<string>;

  constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("llm-platform:index:Observability", name, {}, opts);
    // Children list what the component depends on (the operator and its CRDs): creation already waits
    // through the parent's registration, and the recorded dependency also orders deletes (the custom
    // resources go before the operator that serves their CRDs).
    const child = { parent: this, dependsOn: opts?.dependsOn };
    const plan = observabilityPlan(args);
    const selectorLabels = args.selectorLabels ?? {};

    const monitors = scrapeTargets(plan).map((target) => {
      const spec = withOverride(monitorSpec(name, target, selectorLabels, args.scrapeInterval ?? "30s"), args.overrides?.serviceMonitor);
      new k8s.apiextensions.CustomResource(`${name}-${target.key}`, spec, child);
      return `${spec.metadata.namespace}/${spec.metadata.name}`;
    });

    const groups = alertRuleGroups(name, plan);
    const rule = prometheusRuleSpec(name, "", selectorLabels, groups);
    const ruleObject = new k8s.apiextensions.CustomResource(
      `${name}-alerts`,
      withOverride({ ...rule, metadata: { ...rule.metadata, namespace: args.namespace } }, args.overrides?.prometheusRule),
      child,
    );

    const label = { key: args.dashboardLabelKey ?? "grafana_dashboard", value: args.dashboardLabelValue ?? "1" };
    const boards = buildDashboards(name, plan);
    for (const board of boards) {
      const cm = dashboardConfigMap(board, "", label);
      new k8s.core.v1.ConfigMap(
        `${name}-dashboard-${board.layer}`,
        withOverride({ ...cm, metadata: { ...cm.metadata, namespace: args.namespace } }, args.overrides?.dashboard),
        child,
      );
    }

    this.alerts = pulumi.output([...new Set(groups.flatMap((g) => g.rules.map((r) => r.alert)))]);
    this.scrapeTargets = pulumi.output(monitors);
    this.dashboards = pulumi.output(boards.map((b) => b.uid));
    this.ruleName = ruleObject.metadata.name;
    this.registerOutputs({ alerts: this.alerts, scrapeTargets: this.scrapeTargets, dashboards: this.dashboards, ruleName: this.ruleName });
  }
}

/** The builders' plan from the component's args, defaults applied in one place. */
export function observabilityPlan(args: Omit<ObservabilityArgs, "namespace">): MonitoringPlan {
  const thresholds = Object.fromEntries(Object.entries(args.thresholds ?? {}).filter(([, v]) => v !== undefined));
  return {
    modelServers: args.modelServers ?? [],
    gpus: args.gpus,
    edge: args.edge,
    gateway: args.gateway,
    vectorStore: args.vectorStore,
    certificates: args.certificates,
    volumeNamespaces: args.volumeNamespaces ?? [],
    thresholds: { ...DEFAULT_THRESHOLDS, ...thresholds },
    runbookUrl: args.runbookUrl ?? "docs/observability.md",
  };
}
