import { z } from "zod";

/** Label keys and values as Kubernetes allows them (a prefix/name key, a value of at most 63 characters). */
const labelKey = z.string().regex(/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/, {
  error: (i) => `"${String(i.input)}" is not a Kubernetes label key`,
});
const labelValue = z.string().regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/, {
  error: (i) => `"${String(i.input)}" is not a Kubernetes label value (at most 63 of [A-Za-z0-9._-], starting and ending alphanumeric)`,
});
const labels = z.record(labelKey, labelValue);

/** A Prometheus duration as rules take it: `30s`, `5m`, `1h`. */
const duration = z
  .string()
  .regex(/^[1-9][0-9]*(s|m|h|d)$/, { error: (i) => `"${String(i.input)}" is not a duration: a whole number with s, m, h or d ("30s", "5m")` });
const ratio = (what: string) =>
  z
    .number({ error: `must be a fraction in (0, 1): ${what}` })
    .gt(0, { error: `must be more than 0: ${what}` })
    .lt(1, { error: `must be less than 1: ${what}` });

const kubePrometheusStackSchema = z.strictObject({
  /** kube-prometheus-stack chart (prometheus-community); default 88.5.3 (prometheus-operator v0.93.1). */
  chartVersion: z.string().min(1).default("88.5.3"),
  /** How long Prometheus keeps samples. */
  retention: duration.default("15d"),
  /** Prometheus' volume; absent: an emptyDir (samples are lost when the pod moves). */
  storage: z
    .strictObject({ size: z.string().regex(/^[0-9]+(Mi|Gi|Ti)$/, { error: 'must be a size such as "50Gi"' }), storageClass: z.string().min(1).optional() })
    .optional(),
  /** Grafana with its dashboard sidecar (the dashboards below need one). */
  grafana: z.boolean().default(true),
  /**
   * node-exporter (host CPU, memory, disk). Off by default: it uses the host's network, PIDs and
   * paths, so the monitoring namespace then needs the privileged Pod Security level (and the policy
   * pack must list it in privilegedNamespaces). The platform's alerts do not need it.
   */
  nodeExporter: z.boolean().default(false),
  /** Chart values merged last, e.g. Alertmanager's routing (`alertmanager.config`). Not secret: keep credentials in Secrets. */
  values: z.record(z.string(), z.unknown()).optional(),
});

const dcgmExporterSchema = z.strictObject({
  /** NVIDIA's GPU metrics exporter on every GPU node, in namespaces.devicePlugin (it mounts the kubelet's pod-resources socket); default on when the host has GPUs. */
  enabled: z.boolean().default(true),
  /** dcgm-exporter chart (https://nvidia.github.io/dcgm-exporter/helm-charts); default 4.8.2 (DCGM 4.5.3). */
  chartVersion: z.string().min(1).default("4.8.2"),
  /** RuntimeClass that gives the exporter the GPUs when the node's default runtime is not NVIDIA's. */
  runtimeClassName: z.string().min(1).optional(),
});

const alertsSchema = z.strictObject({
  /** Time-to-first-token SLO of every generating server, in seconds, at `ttftQuantile`. */
  ttftSeconds: z.number().positive({ error: "must be more than 0 seconds" }).default(2),
  ttftQuantile: ratio("the TTFT quantile, e.g. 0.95").default(0.95),
  /** How long requests may wait beyond a server's maxNumSeqs before it alerts. */
  queueFor: duration.default("5m"),
  /** KV-cache usage (0–1) that, with requests waiting, counts as pressure. */
  kvCacheUsage: ratio("KV-cache usage").default(0.9),
  /** Share of a model's answers (LiteLLM's counts; on ingress-nginx also a route's, at the edge) that are 5xx / 429 and alerts. */
  gateway5xxRatio: ratio("share of 5xx answers").default(0.05),
  gateway429Ratio: ratio("share of 429 answers").default(0.1),
  /** Share of a client's maxBudget left that alerts (from LiteLLM's metrics). */
  budgetRemainingRatio: ratio("share of the budget left").default(0.1),
  /** Days before expiry a certificate alerts: cert-manager renews Let's Encrypt certificates 30 days before. */
  certificateExpiryDays: z.number().int().min(1).max(89).default(21),
  /** Share of a volume left free that alerts. */
  volumeFreeRatio: ratio("share of a volume left free").default(0.1),
});

/**
 * Observability (issue 17): scrape targets, alerts tied to the plan and dashboards. `stack: install`
 * deploys kube-prometheus-stack as a cluster add-on; `stack: existing` uses a Prometheus operator the
 * cluster already runs, which selects the platform's ServiceMonitors and PrometheusRules by
 * `selectorLabels` (its `serviceMonitorSelector` / `ruleSelector`).
 */
export const monitoringConfigSchema = z
  .strictObject({
    stack: z.enum(["install", "existing"], {
      error: 'must be "install" (kube-prometheus-stack as an add-on) or "existing" (a Prometheus operator the cluster runs)',
    }),
    /** Labels the Prometheus selects ServiceMonitors and PrometheusRules by; default with `install`: `release: addons-kube-prometheus-stack`. */
    selectorLabels: labels.optional(),
    /** Label Grafana's dashboard sidecar selects ConfigMaps by. */
    dashboardLabel: z.strictObject({ key: labelKey, value: labelValue }).default({ key: "grafana_dashboard", value: "1" }),
    /** Where rules and dashboards go (and kube-prometheus-stack with `install`); default: namespaces.monitoring. */
    namespace: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
      .max(63)
      .optional(),
    scrapeInterval: duration.default("30s"),
    /** Where the alerts' runbook links point: docs/observability.md in your copy of this repository. */
    runbookUrl: z.string().min(1).default("docs/observability.md"),
    kubePrometheusStack: kubePrometheusStackSchema.prefault({}),
    dcgmExporter: dcgmExporterSchema.prefault({}),
    gateway: z
      .strictObject({
        /**
         * LiteLLM's own metrics (per client, per adapter, per status, budgets): its Prometheus callback is
         * open source since BerriAI/litellm#16689 (v1.80; the pinned v1.93.1 has it), scraped with a key
         * that may read only /metrics. Turn it off only for a gateway.image older than v1.80, which
         * records nothing but `litellm_not_a_premium_user_metric` without an Enterprise licence.
         */
        litellmMetrics: z.boolean().default(true),
      })
      .prefault({}),
    alerts: alertsSchema.prefault({}),
  })
  .superRefine((m, ctx) => {
    if (m.stack === "existing" && (m.selectorLabels === undefined || Object.keys(m.selectorLabels).length === 0)) {
      ctx.addIssue({
        code: "custom",
        path: ["selectorLabels"],
        message:
          "is required with stack: existing: the labels your Prometheus selects ServiceMonitors and PrometheusRules by (kubectl get prometheus -A -o jsonpath='{..serviceMonitorSelector}'), e.g. {release: kube-prometheus-stack}",
      });
    }
  });

export type MonitoringConfig = z.output<typeof monitoringConfigSchema>;
