import { PART_OF } from "../labels";
import { MONITORING_API } from "./scrape";
import type { MetricsEndpoint, ModelServerPlan, MonitoringPlan } from "./targets";

/**
 * Alerting rules generated from the plan. Metric names and labels, checked in each exporter's source:
 * - vLLM (vllm/v1/metrics/loggers.py, PrometheusStatLogger, read on the V1 line around and after the
 *   pinned v0.19.0 — the tag's own copy could not be opened here): `vllm:num_requests_running`,
 *   `vllm:num_requests_waiting`, `vllm:kv_cache_usage_perc` (added by PR 18354 in 0.9; the old
 *   `vllm:gpu_cache_usage_perc` was removed by PR 29330), `vllm:num_preemptions_total`,
 *   `vllm:time_to_first_token_seconds`; labels `model_name` (the first served model name: the server's
 *   name here) and `engine`.
 * - DCGM exporter 4.8.2 (internal/pkg/rendermetrics): `DCGM_FI_DEV_FB_USED` in MiB, labels `gpu` (NVML
 *   index), `UUID`, `modelName`, `Hostname` (renamed `hostname` after 4.8.2, so rules use the `node`
 *   label the ServiceMonitor adds from the pod's node instead).
 * - ingress-nginx 1.15.1 (internal/ingress/metric/collectors/socket.go): `nginx_ingress_controller_requests`
 *   with `status`, `method`, `path`, `namespace`, `ingress`, `service`, `canary` (no host label).
 * - NGINX Gateway Fabric 2.6.7: the control plane serves controller-runtime's metrics and
 *   `nginx_gateway_fabric_event_batch_processing_milliseconds` (internal/controller/metrics) on the
 *   container port `metrics` (9113); each NGINX data-plane pod's agent (nginx/agent v3.11.2, provisioner
 *   agent config `collector.exporters.prometheus`) exports NGINX OSS's stub_status counters on `metrics`
 *   (9113): `nginx_http_requests_total`, `nginx_http_connections_total{nginx_connections_outcome}`
 *   (OTel's Prometheus names: `_total` on counters). NGINX OSS counts no status codes and no routes, and
 *   the agent reads no access log written to stdout, so per-route 5xx/429 on this edge come from LiteLLM.
 * - cert-manager v1.21.1 (internal/collectors/certificate_collector.go):
 *   `certmanager_certificate_expiration_timestamp_seconds` and `certmanager_certificate_ready_status`,
 *   labels `name`, `namespace`, `issuer_*` (and `condition`).
 * - LiteLLM v1.93.1's PrometheusLogger (litellm/integrations/prometheus.py, open source since
 *   BerriAI/litellm#16689; prometheus_client names counters `<name>_total`):
 *   `litellm_proxy_total_requests_metric_total` by `api_key_alias`, `requested_model` and `status_code`,
 *   counted on every success (200) and, in async_post_call_failure_hook, on every failure with the
 *   error's status: LiteLLM's own 429s (a key's rpm/tpm/parallel limits), the backends' 5xx as LiteLLM
 *   passes them on; requests with an invalid key (401) are not counted. `litellm_remaining_api_key_budget_metric`
 *   by `api_key_alias`.
 * - kube-state-metrics `kube_pod_container_status_restarts_total`; kubelet `kubelet_volume_stats_*`.
 */

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: { summary: string; description: string; runbook_url: string };
}

export interface RuleGroup {
  name: string;
  rules: AlertRule[];
}

export const Severity = { Critical: "critical", Warning: "warning" } as const;

/** Every alert this module can generate, in the order docs/observability.md describes them. */
export const ALERTS = [
  "GpuMemoryBeyondPlan",
  "GpuMetricsMissing",
  "VllmServerDown",
  "VllmServerRestarting",
  "VllmRequestsQueued",
  "VllmKvCachePressure",
  "VllmTimeToFirstTokenSlo",
  "VllmPreempting",
  "GatewayDown",
  "GatewayHigh5xxRate",
  "GatewayHigh429Rate",
  "ClientBudgetNearlySpent",
  "EdgeReplicasDown",
  "EdgeControllerDown",
  "QdrantDown",
  "CertificateExpiringSoon",
  "CertificateNotReady",
  "PersistentVolumeFillingUp",
] as const;
export type AlertName = (typeof ALERTS)[number];

/** A PromQL string literal. */
export const q = (value: string) => JSON.stringify(value);
/** A PromQL regex literal matching exactly these values. */
export const anyOf = (values: string[]) => q(values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"));
/** A number as PromQL and Go print it (shortest round-trip form). */
export const num = (x: number) => String(x);
const GiB_IN_MiB = 1024;

export function runbook(plan: Pick<MonitoringPlan, "runbookUrl">, alert: AlertName): string {
  return `${plan.runbookUrl}#${alert.toLowerCase()}`;
}

/** The labels of a scrape target's series: `{namespace, service}` of a Service, `{namespace, job}` of pods. */
export function targetSelector(e: MetricsEndpoint): string {
  return e.pods ? `namespace=${q(e.namespace)},job=${q(e.pods.job)}` : `namespace=${q(e.namespace)},service=${q(e.service ?? "")}`;
}

/** Targets of an endpoint that answer; 0 when none does (or none exists). */
export function targetsUp(e: MetricsEndpoint): string {
  return `(sum(up{${targetSelector(e)}}) or vector(0))`;
}

export function vllmSelector(s: ModelServerPlan): string {
  return `namespace=${q(s.endpoint.namespace)},model_name=${q(s.name)}`;
}

/** Pods of a Deployment: `<deployment>-<replicaset hash>-<pod suffix>` (PromQL regexes are anchored). */
export function deploymentPods(deployment: string): string {
  return q(`${deployment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-[a-z0-9]+-[a-z0-9]+`);
}

const minutes = (seconds: number) => `${Math.max(1, Math.ceil(seconds / 60))}m`;

function rule(
  plan: MonitoringPlan,
  alert: AlertName,
  severity: string,
  expr: string,
  forDuration: string | undefined,
  summary: string,
  description: string,
  labels: Record<string, string> = {},
): AlertRule {
  return {
    alert,
    expr,
    ...(forDuration ? { for: forDuration } : {}),
    labels: { severity, ...labels },
    annotations: { summary, description, runbook_url: runbook(plan, alert) },
  };
}

function gpuRules(plan: MonitoringPlan): AlertRule[] {
  const gpus = plan.gpus;
  if (!gpus) return [];
  const rules = gpus.cards.map((card) => {
    const plannedMiB = card.plannedGiB * GiB_IN_MiB;
    const name = `${card.node}/gpu${card.index}`;
    return rule(
      plan,
      "GpuMemoryBeyondPlan",
      Severity.Warning,
      `max by (node, gpu) (DCGM_FI_DEV_FB_USED{node=${q(card.node)},gpu=${q(String(card.index))}}) > ${num(plannedMiB)}`,
      "5m",
      `GPU {{ $labels.gpu }} on {{ $labels.node }} holds more memory than the plan allows`,
      `The plan's worst case on card ${name} (${card.memoryGiB} GiB) is ${num(card.plannedGiB)} GiB = ${num(plannedMiB)} MiB (${card.pods.join(", ") || "no pods"}). ` +
        `More in use means a process the plan does not know or a footprint estimate that is too low: a pod that starts next on this card may not find its memory.`,
      { card: name },
    );
  });
  const nodes = new Set(gpus.cards.map((c) => c.node)).size;
  rules.push(
    rule(
      plan,
      "GpuMetricsMissing",
      Severity.Warning,
      `${targetsUp(gpus.exporter)} < ${nodes}`,
      "10m",
      "The DCGM exporter does not answer on every GPU node",
      `Fewer than ${nodes} DCGM exporter(s) (one per GPU node) answer in ${gpus.exporter.namespace}: GPU memory alerts are blind.`,
    ),
  );
  return rules;
}

function serverRules(plan: MonitoringPlan, s: ModelServerPlan): AlertRule[] {
  const t = plan.thresholds;
  const sel = vllmSelector(s);
  const rules: AlertRule[] = [];
  if (s.replicas > 0) {
    rules.push(
      rule(
        plan,
        "VllmServerDown",
        Severity.Critical,
        `${targetsUp(s.endpoint)} < ${s.replicas}`,
        minutes(s.startupSeconds),
        `vLLM server ${s.name} has fewer than ${s.replicas} replica(s) serving metrics`,
        `Fewer than the planned ${s.replicas} replica(s) of ${s.deployment} in ${s.endpoint.namespace} answer on /metrics for longer than the ${s.startupSeconds} s the plan allows for download, load and graph capture. Requests for ${s.servedNames.join(", ")} fail or fall back.`,
        { server: s.name },
      ),
    );
  }
  rules.push(
    rule(
      plan,
      "VllmServerRestarting",
      Severity.Warning,
      `sum by (namespace, pod) (increase(kube_pod_container_status_restarts_total{namespace=${q(s.endpoint.namespace)},container=${q(s.container)},pod=~${deploymentPods(s.deployment)}}[15m])) > 0`,
      undefined,
      `vLLM pod {{ $labels.pod }} of server ${s.name} restarted`,
      `Container ${s.container} of {{ $labels.pod }} restarted in the last 15 minutes; every restart reloads the model (up to ${s.startupSeconds} s) and drops its running requests.`,
      { server: s.name },
    ),
    rule(
      plan,
      "VllmRequestsQueued",
      Severity.Warning,
      `max by (namespace, pod) (vllm:num_requests_waiting{${sel}}) > ${s.maxNumSeqs}`,
      t.queueFor,
      `More than ${s.maxNumSeqs} requests wait on {{ $labels.pod }} (server ${s.name})`,
      `Requests waiting exceed the server's --max-num-seqs (${s.maxNumSeqs} running at once per replica) for ${t.queueFor}: the queue is longer than one full batch and latency grows with it.`,
      { server: s.name },
    ),
  );
  if (s.generates && s.kvCacheTokens > 0) {
    rules.push(
      rule(
        plan,
        "VllmKvCachePressure",
        Severity.Warning,
        `max by (namespace, pod) (vllm:kv_cache_usage_perc{${sel}}) > ${num(t.kvCacheUsage)} and on (namespace, pod) max by (namespace, pod) (vllm:num_requests_waiting{${sel}}) > 0`,
        "10m",
        `The KV cache of {{ $labels.pod }} (server ${s.name}) is nearly full while requests wait`,
        `More than ${num(t.kvCacheUsage * 100)}% of the ${s.kvCacheTokens} KV-cache tokens the plan gives each replica (${num(Math.round((s.kvCacheTokens / s.maxModelLen) * 100) / 100)} × maxModelLen ${s.maxModelLen}) are in use and requests wait: the cache, not compute, limits this server.`,
        { server: s.name },
      ),
      rule(
        plan,
        "VllmTimeToFirstTokenSlo",
        Severity.Warning,
        `histogram_quantile(${num(t.ttftQuantile)}, sum by (le) (rate(vllm:time_to_first_token_seconds_bucket{${sel}}[5m]))) > ${num(t.ttftSeconds)}`,
        "10m",
        `Time to first token of server ${s.name} is beyond its SLO`,
        `The ${num(t.ttftQuantile * 100)}th percentile of time to first token over 5 minutes exceeds ${num(t.ttftSeconds)} s on ${s.name} (${s.servedNames.join(", ")}).`,
        { server: s.name },
      ),
      rule(
        plan,
        "VllmPreempting",
        Severity.Warning,
        `sum(rate(vllm:num_preemptions_total{${sel}}[5m])) > 0`,
        "10m",
        `vLLM server ${s.name} keeps preempting requests`,
        `The scheduler evicts running requests because the ${s.kvCacheTokens}-token KV cache per replica cannot hold them all; evicted requests are recomputed, which costs throughput.`,
        { server: s.name },
      ),
    );
  }
  return rules;
}

/** Share of a counter's rate whose `label` matches `status`, per `by`. */
function statusShare(metric: string, sel: string, by: string, label: string, status: string): string {
  return `sum by (${by}) (rate(${metric}{${sel},${label}=~${q(status)}}[5m])) / sum by (${by}) (rate(${metric}{${sel}}[5m]))`;
}

/** LiteLLM's request counter (every answer the proxy gives, with the requested model and the status). */
const LITELLM_REQUESTS = "litellm_proxy_total_requests_metric_total";

function gatewayRules(plan: MonitoringPlan): AlertRule[] {
  const t = plan.thresholds;
  const rules: AlertRule[] = [];
  const gw = plan.gateway;
  if (gw?.litellm) {
    const e = gw.litellm;
    rules.push(
      rule(
        plan,
        "GatewayDown",
        Severity.Critical,
        `${targetsUp(e)} < 1`,
        "5m",
        "No LiteLLM gateway replica answers",
        `None of the ${gw.replicas} LiteLLM replica(s) in ${e.namespace} answers on /metrics: every model call through the edge fails. If the pods run, the scrape key was refused (401): the metrics reader's key and its clients Job.`,
      ),
    );
    if (gw.models.length > 0) {
      // Per model the client asked for: an adapter path is only a base URL, the body's model is the route.
      const sel = `${targetSelector(e)},requested_model=~${anyOf(gw.models)}`;
      rules.push(
        rule(
          plan,
          "GatewayHigh5xxRate",
          Severity.Critical,
          `${statusShare(LITELLM_REQUESTS, sel, "requested_model", "status_code", "5..")} > ${num(t.gateway5xxRatio)}`,
          "10m",
          "Model {{ $labels.requested_model }} answers 5xx",
          `More than ${num(t.gateway5xxRatio * 100)}% of the gateway's answers for {{ $labels.requested_model }} are 5xx (the vLLM server or provider behind it failing, timing out or unreachable, fallbacks exhausted).`,
          { source: "litellm" },
        ),
        rule(
          plan,
          "GatewayHigh429Rate",
          Severity.Warning,
          `${statusShare(LITELLM_REQUESTS, sel, "requested_model", "status_code", "429")} > ${num(t.gateway429Ratio)}`,
          "10m",
          "The gateway refuses requests for {{ $labels.requested_model }} with 429",
          `More than ${num(t.gateway429Ratio * 100)}% of the gateway's answers for {{ $labels.requested_model }} are 429: clients' keys reach their rpm/tpm/parallel limits, or the model's own rpm/tpm/maxParallelRequests.`,
          { source: "litellm" },
        ),
      );
    }
  }
  // ingress-nginx also counts answers per Ingress, the edge's own 429s (flood limits) included.
  const edge = plan.edge;
  if (edge?.implementation === "ingress-nginx") {
    const routes = edge.routes.filter((r) => r.backend === "gateway");
    const byNamespace = new Map<string, string[]>();
    for (const r of routes) byNamespace.set(r.namespace, [...(byNamespace.get(r.namespace) ?? []), r.name]);
    for (const [namespace, ingresses] of byNamespace) {
      const sel = `namespace=${q(namespace)},ingress=~${anyOf(ingresses)}`;
      const metric = "nginx_ingress_controller_requests";
      rules.push(
        rule(
          plan,
          "GatewayHigh5xxRate",
          Severity.Critical,
          `${statusShare(metric, sel, "namespace, ingress", "status", "5..")} > ${num(t.gateway5xxRatio)}`,
          "10m",
          "Route {{ $labels.ingress }} answers 5xx",
          `More than ${num(t.gateway5xxRatio * 100)}% of the requests through {{ $labels.ingress }} end in 5xx at the edge (LiteLLM or the model behind it failing, timing out or unreachable).`,
          { source: "ingress-nginx" },
        ),
        rule(
          plan,
          "GatewayHigh429Rate",
          Severity.Warning,
          `${statusShare(metric, sel, "namespace, ingress", "status", "429")} > ${num(t.gateway429Ratio)}`,
          "10m",
          "Route {{ $labels.ingress }} refuses requests with 429",
          `More than ${num(t.gateway429Ratio * 100)}% of the requests through {{ $labels.ingress }} are refused with 429: the edge's per-client rate limit or the gateway's rpm/tpm/parallel limits.`,
          { source: "ingress-nginx" },
        ),
      );
    }
  }
  if (gw?.litellm) {
    for (const c of gw.clients.filter((x) => x.maxBudget !== undefined)) {
      const floor = Math.round(c.maxBudget! * t.budgetRemainingRatio * 1e6) / 1e6;
      rules.push(
        rule(
          plan,
          "ClientBudgetNearlySpent",
          Severity.Warning,
          `max by (api_key_alias) (litellm_remaining_api_key_budget_metric{${targetSelector(gw.litellm)},api_key_alias=${q(c.name)}}) < ${num(floor)}`,
          "15m",
          `Client ${c.name} has spent nearly all of its budget`,
          `Less than ${num(t.budgetRemainingRatio * 100)}% (${num(floor)} USD) of client ${c.name}'s ${num(c.maxBudget!)} USD budget is left; the gateway refuses its requests once it is spent.`,
          { client: c.name },
        ),
      );
    }
  }
  return rules;
}

function edgeRules(plan: MonitoringPlan): AlertRule[] {
  const e = plan.edge;
  if (!e) return [];
  const gatewayApi = e.implementation === "gateway-api";
  const nginx = gatewayApi ? e.dataPlane : e.controller;
  const rules: AlertRule[] = [];
  if (nginx) {
    rules.push(
      rule(
        plan,
        "EdgeReplicasDown",
        Severity.Critical,
        `${targetsUp(nginx)} < ${e.replicas}`,
        "10m",
        `Fewer than ${e.replicas} NGINX replica(s) of the edge answer`,
        `The edge runs ${e.replicas} NGINX replica(s) (${gatewayApi ? "the Gateway's data plane, provisioned by NGINX Gateway Fabric" : "the ingress-nginx controller"}) in ${nginx.namespace}; fewer answer on their metrics port. ` +
          `Every request from the internet passes one of them, and each counts the per-client limits on its own: the remaining ones carry all the traffic.`,
      ),
    );
  }
  if (gatewayApi) {
    rules.push(
      rule(
        plan,
        "EdgeControllerDown",
        Severity.Warning,
        `${targetsUp(e.controller)} < 1`,
        "10m",
        "NGINX Gateway Fabric's control plane does not answer",
        `The control plane in ${e.controller.namespace} configures the Gateway's NGINX: while it is down, the data plane keeps serving its last configuration, but route, certificate and policy changes (and renewed certificates) do not reach it.`,
      ),
    );
  }
  return rules;
}

function dataRules(plan: MonitoringPlan): AlertRule[] {
  if (!plan.vectorStore) return [];
  const e = plan.vectorStore.endpoint;
  return [
    rule(
      plan,
      "QdrantDown",
      Severity.Critical,
      `${targetsUp(e)} < 1`,
      "5m",
      "Qdrant does not answer",
      `No Qdrant in ${e.namespace} answers on /metrics: retrieval for the ${plan.vectorStore.collection} collection (RAG, /vector-search) fails.`,
    ),
  ];
}

function certificateRules(plan: MonitoringPlan): AlertRule[] {
  const c = plan.certificates;
  if (!c) return [];
  const sel = `namespace=~${anyOf(c.namespaces)}`;
  const days = plan.thresholds.certificateExpiryDays;
  return [
    rule(
      plan,
      "CertificateExpiringSoon",
      Severity.Warning,
      `min by (namespace, name) (certmanager_certificate_expiration_timestamp_seconds{${sel}}) - time() < ${days * 86400}`,
      "1h",
      "Certificate {{ $labels.namespace }}/{{ $labels.name }} expires within " + days + " days",
      `cert-manager renews 30 days before expiry; less than ${days} days left means renewal has failed for days. Clients will refuse the certificate once it expires.`,
    ),
    rule(
      plan,
      "CertificateNotReady",
      Severity.Warning,
      `max by (namespace, name) (certmanager_certificate_ready_status{${sel},condition="False"}) == 1`,
      "15m",
      "Certificate {{ $labels.namespace }}/{{ $labels.name }} is not ready",
      "cert-manager cannot issue or renew this certificate (ACME challenge, issuer or Secret problem).",
    ),
  ];
}

function volumeRules(plan: MonitoringPlan): AlertRule[] {
  if (plan.volumeNamespaces.length === 0) return [];
  const sel = `namespace=~${anyOf(plan.volumeNamespaces)}`;
  const r = plan.thresholds.volumeFreeRatio;
  return [
    rule(
      plan,
      "PersistentVolumeFillingUp",
      Severity.Warning,
      `min by (namespace, persistentvolumeclaim) (kubelet_volume_stats_available_bytes{${sel}} / kubelet_volume_stats_capacity_bytes{${sel}}) < ${num(r)}`,
      "15m",
      "Volume {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is almost full",
      `Less than ${num(r * 100)}% of the claim is free: model downloads, adapters, vectors, snapshots or the gateway's database stop being written when it fills.`,
    ),
  ];
}

/** The platform's alert groups, one per layer, named after the component. */
export function alertRuleGroups(prefix: string, plan: MonitoringPlan): RuleGroup[] {
  return [
    { name: `${prefix}-gpu`, rules: gpuRules(plan) },
    { name: `${prefix}-inference`, rules: plan.modelServers.flatMap((s) => serverRules(plan, s)) },
    { name: `${prefix}-gateway`, rules: gatewayRules(plan) },
    { name: `${prefix}-edge`, rules: edgeRules(plan) },
    { name: `${prefix}-data`, rules: dataRules(plan) },
    { name: `${prefix}-certificates`, rules: certificateRules(plan) },
    { name: `${prefix}-volumes`, rules: volumeRules(plan) },
  ].filter((g) => g.rules.length > 0);
}

export interface PrometheusRuleObject {
  apiVersion: typeof MONITORING_API;
  kind: "PrometheusRule";
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: { groups: RuleGroup[] };
}

export function prometheusRuleSpec(prefix: string, namespace: string, selectorLabels: Record<string, string>, groups: RuleGroup[]): PrometheusRuleObject {
  return {
    apiVersion: MONITORING_API,
    kind: "PrometheusRule",
    metadata: {
      name: `${prefix}-alerts`,
      namespace,
      labels: { ...selectorLabels, "app.kubernetes.io/part-of": PART_OF, "app.kubernetes.io/managed-by": "pulumi" },
    },
    spec: { groups },
  };
}
