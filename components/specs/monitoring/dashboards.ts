import { createHash } from "node:crypto";
import { PART_OF } from "../labels";
import { anyOf, num, q, targetSelector, vllmSelector } from "./rules";
import type { EdgePlan, EdgeRoutePlan, GatewayPlan, ModelServerPlan, MonitoringPlan } from "./targets";

/**
 * Grafana dashboards generated from the plan, one per layer, as ConfigMaps Grafana's dashboard
 * sidecar loads (kube-prometheus-stack's Grafana watches ConfigMaps labelled
 * `grafana_dashboard: "1"` in every namespace). A new server, card, adapter or route in the plan
 * adds its panels; no JSON is edited by hand. Every panel queries the dashboard's `datasource`
 * variable (any Prometheus data source), and fixed 5-minute windows keep every expression plain PromQL.
 */

/** Grafana's dashboard JSON model, as far as these dashboards use it. */
export interface Dashboard {
  uid: string;
  /** Not Grafana's: which layer of the platform it shows (gpus, vllm, gateway, qdrant, edge). */
  layer?: string;
  title: string;
  tags: string[];
  schemaVersion: number;
  version: number;
  editable: boolean;
  time: { from: string; to: string };
  refresh: string;
  timezone: string;
  templating: { list: Record<string, unknown>[] };
  annotations: { list: Record<string, unknown>[] };
  panels: Panel[];
}

export interface Target {
  refId: string;
  expr: string;
  legendFormat: string;
  datasource: DataSourceRef;
}

export interface DataSourceRef {
  type: "prometheus";
  uid: string;
}

export interface Panel {
  id: number;
  type: "timeseries" | "stat" | "text" | "row";
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: DataSourceRef;
  targets?: Target[];
  fieldConfig?: Record<string, unknown>;
  options?: Record<string, unknown>;
  description?: string;
  collapsed?: boolean;
  panels?: Panel[];
}

/** Grafana 11's dashboard schema version. */
export const SCHEMA_VERSION = 39;
const DS: DataSourceRef = { type: "prometheus", uid: "${datasource}" };
const W = 24;

interface PanelSpec {
  title: string;
  type?: "timeseries" | "stat";
  width?: number;
  height?: number;
  unit?: string;
  min?: number;
  max?: number;
  /** A red threshold line (the plan's limit). */
  threshold?: number;
  description?: string;
  queries: { expr: string; legend: string }[];
}

/** Lays panels out left to right, wrapping at Grafana's 24-column grid; rows start a new line. */
class Layout {
  private panels: Panel[] = [];
  private x = 0;
  private y = 0;
  private rowHeight = 0;
  private id = 1;

  row(title: string): void {
    this.newline();
    this.panels.push({ id: this.id++, type: "row", title, gridPos: { x: 0, y: this.y, w: W, h: 1 }, collapsed: false, panels: [] });
    this.y += 1;
  }

  text(title: string, content: string, width = W, height = 4): void {
    this.place(width, height, (gridPos) => ({ id: this.id++, type: "text", title, gridPos, options: { mode: "markdown", content } }));
  }

  add(p: PanelSpec): void {
    const thresholds = {
      mode: "absolute",
      steps: [{ color: "green", value: null }, ...(p.threshold !== undefined ? [{ color: "red", value: p.threshold }] : [])],
    };
    this.place(p.width ?? 12, p.height ?? 8, (gridPos) => ({
      id: this.id++,
      type: p.type ?? "timeseries",
      title: p.title,
      ...(p.description ? { description: p.description } : {}),
      gridPos,
      datasource: DS,
      targets: p.queries.map((query, i) => ({ refId: String.fromCharCode(65 + i), expr: query.expr, legendFormat: query.legend, datasource: DS })),
      fieldConfig: {
        defaults: {
          unit: p.unit ?? "short",
          ...(p.min !== undefined ? { min: p.min } : {}),
          ...(p.max !== undefined ? { max: p.max } : {}),
          thresholds,
          ...(p.type === "stat" ? {} : { custom: { thresholdsStyle: { mode: p.threshold !== undefined ? "line" : "off" } } }),
        },
        overrides: [],
      },
      options:
        p.type === "stat"
          ? { reduceOptions: { calcs: ["lastNotNull"] } }
          : { legend: { displayMode: "list", placement: "bottom" }, tooltip: { mode: "multi" } },
    }));
  }

  done(): Panel[] {
    return this.panels;
  }

  private place(w: number, h: number, make: (gridPos: Panel["gridPos"]) => Panel): void {
    if (this.x + w > W) this.newline();
    this.panels.push(make({ x: this.x, y: this.y, w, h }));
    this.x += w;
    this.rowHeight = Math.max(this.rowHeight, h);
  }

  private newline(): void {
    this.y += this.rowHeight;
    this.x = 0;
    this.rowHeight = 0;
  }
}

/** Grafana uids are at most 40 characters: a long prefix is shortened and disambiguated by its hash. */
export function dashboardUid(prefix: string, layer: string): string {
  const uid = `${prefix}-${layer}`;
  if (uid.length <= 40) return uid;
  const hash = createHash("sha256").update(prefix).digest("hex").slice(0, 6);
  return `${prefix.slice(0, 40 - layer.length - hash.length - 2)}-${hash}-${layer}`;
}

function dashboard(prefix: string, layer: string, title: string, panels: Panel[]): Dashboard {
  return {
    uid: dashboardUid(prefix, layer),
    layer,
    title: `LLM platform (${prefix}) / ${title}`,
    tags: [PART_OF, layer],
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    editable: true,
    time: { from: "now-6h", to: "now" },
    refresh: "30s",
    timezone: "browser",
    templating: {
      list: [{ name: "datasource", label: "Prometheus", type: "datasource", query: "prometheus", current: {}, hide: 0, refresh: 1, options: [] }],
    },
    annotations: { list: [] },
    panels,
  };
}

function gpuDashboard(prefix: string, plan: MonitoringPlan): Dashboard | undefined {
  const gpus = plan.gpus;
  if (!gpus) return undefined;
  const l = new Layout();
  l.text(
    "The plan",
    `Sharing: **${gpus.sharing}**. Each card's red line is the worst-case footprint the policy pack accepted for it (the pods that may share it); the panel's top is the card's memory. DCGM reports MiB.`,
  );
  for (const card of gpus.cards) {
    const sel = `node=${q(card.node)},gpu=${q(String(card.index))}`;
    const plannedMiB = card.plannedGiB * 1024;
    l.row(`${card.node}/gpu${card.index} — planned ${num(card.plannedGiB)} of ${num(card.memoryGiB)} GiB: ${card.pods.join(", ") || "no pods"}`);
    l.add({
      title: `Memory used vs plan (${num(plannedMiB)} MiB)`,
      unit: "decmbytes",
      min: 0,
      max: card.memoryGiB * 1024,
      threshold: plannedMiB,
      queries: [
        { expr: `max by (node, gpu) (DCGM_FI_DEV_FB_USED{${sel}})`, legend: "used" },
        { expr: `max by (node, gpu) (DCGM_FI_DEV_FB_USED{${sel}} + DCGM_FI_DEV_FB_FREE{${sel}})`, legend: "usable" },
      ],
    });
    l.add({
      title: "Utilisation, power and temperature",
      queries: [
        { expr: `max by (node, gpu) (DCGM_FI_DEV_GPU_UTIL{${sel}})`, legend: "utilisation %" },
        { expr: `max by (node, gpu) (DCGM_FI_DEV_POWER_USAGE{${sel}})`, legend: "power W" },
        { expr: `max by (node, gpu) (DCGM_FI_DEV_GPU_TEMP{${sel}})`, legend: "temperature °C" },
      ],
    });
  }
  return dashboard(prefix, "gpus", "GPUs against the plan", l.done());
}

function serverPanels(l: Layout, plan: MonitoringPlan, s: ModelServerPlan): void {
  const t = plan.thresholds;
  const sel = vllmSelector(s);
  const rate = (metric: string) => `sum by (pod) (rate(${metric}{${sel}}[5m]))`;
  l.row(`${s.name} — ${s.servedNames.join(", ")} · ${s.replicas} replica(s) · max ${s.maxNumSeqs} seqs · ${s.kvCacheTokens} KV tokens`);
  l.add({
    title: "Requests running / waiting",
    threshold: s.maxNumSeqs,
    min: 0,
    description: `Red line: --max-num-seqs (${s.maxNumSeqs}) per replica.`,
    queries: [
      { expr: `sum by (pod) (vllm:num_requests_running{${sel}})`, legend: "running {{pod}}" },
      { expr: `sum by (pod) (vllm:num_requests_waiting{${sel}})`, legend: "waiting {{pod}}" },
    ],
  });
  l.add({
    title: "Throughput (tokens/s)",
    min: 0,
    queries: [
      { expr: rate("vllm:prompt_tokens_total"), legend: "prompt {{pod}}" },
      { expr: rate("vllm:generation_tokens_total"), legend: "generated {{pod}}" },
    ],
  });
  if (s.generates && s.kvCacheTokens > 0) {
    l.add({
      title: `KV-cache usage (of ${s.kvCacheTokens} tokens)`,
      unit: "percentunit",
      min: 0,
      max: 1,
      threshold: t.kvCacheUsage,
      queries: [{ expr: `max by (pod) (vllm:kv_cache_usage_perc{${sel}})`, legend: "{{pod}}" }],
    });
  }
  if (s.generates) {
    const quantile = (qn: number) => `histogram_quantile(${num(qn)}, sum by (le) (rate(vllm:time_to_first_token_seconds_bucket{${sel}}[5m])))`;
    l.add({
      title: `Time to first token (SLO ${num(t.ttftSeconds)} s at p${num(t.ttftQuantile * 100)})`,
      unit: "s",
      min: 0,
      threshold: t.ttftSeconds,
      queries: [
        { expr: quantile(0.5), legend: "p50" },
        { expr: quantile(t.ttftQuantile), legend: `p${num(t.ttftQuantile * 100)}` },
      ],
    });
    l.add({ title: "Preemptions /s", min: 0, queries: [{ expr: rate("vllm:num_preemptions_total"), legend: "{{pod}}" }] });
  }
  l.add({
    title: "End-to-end latency p95",
    unit: "s",
    min: 0,
    queries: [{ expr: `histogram_quantile(0.95, sum by (le) (rate(vllm:e2e_request_latency_seconds_bucket{${sel}}[5m])))`, legend: "p95" }],
  });
}

function inferenceDashboard(prefix: string, plan: MonitoringPlan): Dashboard | undefined {
  if (plan.modelServers.length === 0) return undefined;
  const l = new Layout();
  for (const s of plan.modelServers) serverPanels(l, plan, s);
  return dashboard(prefix, "vllm", "vLLM servers", l.done());
}

/** Per-route rows from ingress-nginx's per-Ingress series (the edge's own 429s included). */
function ingressRoutePanels(l: Layout, plan: MonitoringPlan, r: EdgeRoutePlan): void {
  const sel = `namespace=${q(r.namespace)},ingress=${q(r.name)}`;
  l.row(r.adapter ? `Adapter ${r.adapter} — ${r.path}` : `${r.path} — the OpenAI API (the body's model picks the adapter)`);
  l.add({
    title: "Requests /s by status (edge)",
    min: 0,
    queries: [{ expr: `sum by (status) (rate(nginx_ingress_controller_requests{${sel}}[5m]))`, legend: "{{status}}" }],
  });
  l.add({
    title: "5xx and 429 share (edge)",
    unit: "percentunit",
    min: 0,
    threshold: plan.thresholds.gateway5xxRatio,
    queries: [
      {
        expr: `sum(rate(nginx_ingress_controller_requests{${sel},status=~"5.."}[5m])) / sum(rate(nginx_ingress_controller_requests{${sel}}[5m]))`,
        legend: "5xx",
      },
      {
        expr: `sum(rate(nginx_ingress_controller_requests{${sel},status="429"}[5m])) / sum(rate(nginx_ingress_controller_requests{${sel}}[5m]))`,
        legend: "429",
      },
    ],
  });
}

/** Per-model rows from LiteLLM's own counters: what each adapter answered, whichever path it came by. */
function modelPanels(l: Layout, plan: MonitoringPlan, gw: GatewayPlan, title: string, model: string): void {
  const sel = `${targetSelector(gw.litellm!)},requested_model=${q(model)}`;
  const requests = `litellm_proxy_total_requests_metric_total{${sel}}`;
  l.row(title);
  l.add({ title: "Requests /s by status", min: 0, queries: [{ expr: `sum by (status_code) (rate(${requests}[5m]))`, legend: "{{status_code}}" }] });
  l.add({
    title: "5xx and 429 share",
    unit: "percentunit",
    min: 0,
    threshold: plan.thresholds.gateway5xxRatio,
    queries: [
      { expr: `sum(rate(litellm_proxy_total_requests_metric_total{${sel},status_code=~"5.."}[5m])) / sum(rate(${requests}[5m]))`, legend: "5xx" },
      { expr: `sum(rate(litellm_proxy_total_requests_metric_total{${sel},status_code="429"}[5m])) / sum(rate(${requests}[5m]))`, legend: "429" },
    ],
  });
  l.add({
    title: "Latency p95 (gateway)",
    unit: "s",
    min: 0,
    queries: [{ expr: `histogram_quantile(0.95, sum by (le) (rate(litellm_request_total_latency_metric_bucket{${sel}}[5m])))`, legend: "p95" }],
  });
  l.add({ title: "Tokens /s", min: 0, queries: [{ expr: `sum(rate(litellm_total_tokens_metric_total{${sel}}[5m]))`, legend: "tokens" }] });
}

function gatewayDashboard(prefix: string, plan: MonitoringPlan): Dashboard | undefined {
  const gw = plan.gateway;
  const ingressRoutes = plan.edge?.implementation === "ingress-nginx" ? plan.edge.routes.filter((r) => r.backend === "gateway") : [];
  if (!gw && ingressRoutes.length === 0) return undefined;
  const l = new Layout();
  if (gw?.litellm) {
    const sel = targetSelector(gw.litellm);
    l.add({ title: "Replicas answering", type: "stat", width: 6, height: 4, queries: [{ expr: `sum(up{${sel}})`, legend: "up" }] });
    l.add({
      title: "Requests /s by status (every model)",
      width: 18,
      height: 4,
      min: 0,
      queries: [{ expr: `sum by (status_code) (rate(litellm_proxy_total_requests_metric_total{${sel}}[5m]))`, legend: "{{status_code}}" }],
    });
    for (const a of gw.adapters) modelPanels(l, plan, gw, `Adapter ${a.name}${a.path ? ` — ${a.path}` : ""}`, a.name);
    const others = gw.models.filter((m) => !gw.adapters.some((a) => a.name === m));
    for (const m of others) modelPanels(l, plan, gw, `Model ${m}`, m);
    l.row("Per client (LiteLLM virtual keys)");
    l.add({
      title: "Requests /s per client",
      min: 0,
      queries: [{ expr: `sum by (api_key_alias) (rate(litellm_proxy_total_requests_metric_total{${sel}}[5m]))`, legend: "{{api_key_alias}}" }],
    });
    l.add({
      title: "Tokens /s per client",
      min: 0,
      queries: [{ expr: `sum by (api_key_alias) (rate(litellm_total_tokens_metric_total{${sel}}[5m]))`, legend: "{{api_key_alias}}" }],
    });
    l.add({
      title: "Spend per client (USD, 24 h)",
      min: 0,
      queries: [{ expr: `sum by (api_key_alias) (increase(litellm_spend_metric_total{${sel}}[1d]))`, legend: "{{api_key_alias}}" }],
    });
    l.add({
      title: "Budget left per client (USD)",
      min: 0,
      queries: [{ expr: `max by (api_key_alias) (litellm_remaining_api_key_budget_metric{${sel}})`, legend: "{{api_key_alias}}" }],
    });
    l.row("Deployments (the servers and providers behind the models)");
    l.add({
      title: "Deployment state (0 healthy, 1 partial outage, 2 outage)",
      min: 0,
      max: 2,
      queries: [{ expr: `max by (litellm_model_name, api_base) (litellm_deployment_state{${sel}})`, legend: "{{litellm_model_name}} {{api_base}}" }],
    });
    l.add({
      title: "Failed calls to deployments /s",
      min: 0,
      queries: [
        {
          expr: `sum by (litellm_model_name, exception_status) (rate(litellm_deployment_failure_responses_total{${sel}}[5m]))`,
          legend: "{{litellm_model_name}} {{exception_status}}",
        },
      ],
    });
  } else {
    l.text(
      "Per client and per model",
      "LiteLLM's own metrics are not scraped (`monitoring.gateway.litellmMetrics: false`): per-model status codes, per-client requests, tokens, spend and budgets appear when it is on (LiteLLM v1.80 or later).",
    );
  }
  for (const r of ingressRoutes) ingressRoutePanels(l, plan, r);
  return dashboard(prefix, "gateway", "Gateway per adapter and client", l.done());
}

function vectorStoreDashboard(prefix: string, plan: MonitoringPlan): Dashboard | undefined {
  const v = plan.vectorStore;
  if (!v) return undefined;
  const sel = targetSelector(v.endpoint);
  const l = new Layout();
  l.add({ title: "Up", type: "stat", width: 6, height: 4, queries: [{ expr: `sum(up{${sel}})`, legend: "up" }] });
  l.add({ title: "Vectors", type: "stat", width: 6, height: 4, queries: [{ expr: `sum(collections_vector_total{${sel}})`, legend: "vectors" }] });
  l.add({
    title: "Resident memory",
    type: "stat",
    width: 12,
    height: 4,
    unit: "bytes",
    queries: [{ expr: `sum(memory_resident_bytes{${sel}})`, legend: "resident" }],
  });
  l.add({
    title: "REST requests /s by endpoint",
    min: 0,
    queries: [{ expr: `sum by (endpoint) (rate(rest_responses_total{${sel}}[5m]))`, legend: "{{endpoint}}" }],
  });
  l.add({ title: "REST failures /s", min: 0, queries: [{ expr: `sum by (endpoint) (rate(rest_responses_fail_total{${sel}}[5m]))`, legend: "{{endpoint}}" }] });
  l.add({
    title: "REST latency p95",
    unit: "s",
    min: 0,
    queries: [{ expr: `histogram_quantile(0.95, sum by (le, endpoint) (rate(rest_responses_duration_seconds_bucket{${sel}}[5m])))`, legend: "{{endpoint}}" }],
  });
  return dashboard(prefix, "qdrant", `Qdrant (${v.collection})`, l.done());
}

function certificatePanel(l: Layout, plan: MonitoringPlan): void {
  if (!plan.certificates) return;
  l.add({
    title: "Certificate days left",
    unit: "d",
    threshold: plan.thresholds.certificateExpiryDays,
    queries: [
      {
        expr: `(min by (namespace, name) (certmanager_certificate_expiration_timestamp_seconds{namespace=~${anyOf(plan.certificates.namespaces)}}) - time()) / 86400`,
        legend: "{{namespace}}/{{name}}",
      },
    ],
  });
}

function ingressNginxPanels(l: Layout, e: EdgePlan): void {
  const sel = targetSelector(e.controller);
  l.add({
    title: "Requests /s by status (all routes)",
    min: 0,
    queries: [
      { expr: `sum by (status) (rate(nginx_ingress_controller_requests{controller_namespace=${q(e.controller.namespace)}}[5m]))`, legend: "{{status}}" },
    ],
  });
  l.add({
    title: "Latency p95 per route",
    unit: "s",
    min: 0,
    queries: [
      {
        expr: `histogram_quantile(0.95, sum by (le, ingress) (rate(nginx_ingress_controller_request_duration_seconds_bucket{controller_namespace=${q(e.controller.namespace)},ingress=~${anyOf(e.routes.map((r) => r.name))}}[5m])))`,
        legend: "{{ingress}}",
      },
    ],
  });
  l.add({ title: `Controller replicas answering (of ${e.replicas})`, type: "stat", width: 6, height: 4, queries: [{ expr: `sum(up{${sel}})`, legend: "up" }] });
  l.add({
    title: "Last config reload successful",
    type: "stat",
    width: 6,
    height: 4,
    queries: [{ expr: `min(nginx_ingress_controller_config_last_reload_successful{${sel}})`, legend: "reload ok" }],
  });
  l.add({
    title: "Active connections",
    min: 0,
    queries: [{ expr: `sum by (pod) (nginx_ingress_controller_nginx_connections{${sel},state="active"})`, legend: "{{pod}}" }],
  });
}

function gatewayApiPanels(l: Layout, e: EdgePlan): void {
  const data = e.dataPlane;
  if (data) {
    const sel = targetSelector(data);
    const connections = (outcome: string) => `sum(rate(nginx_http_connections_total{${sel},nginx_connections_outcome=${q(outcome)}}[5m]))`;
    l.add({ title: `NGINX replicas answering (of ${e.replicas})`, type: "stat", width: 6, height: 4, queries: [{ expr: `sum(up{${sel}})`, legend: "up" }] });
    l.add({
      title: "Requests /s (every route, every status)",
      width: 18,
      height: 4,
      min: 0,
      queries: [{ expr: `sum by (pod) (rate(nginx_http_requests_total{${sel}}[5m]))`, legend: "{{pod}}" }],
    });
    l.add({
      title: "Connections /s: accepted, handled, dropped",
      min: 0,
      description: "Dropped = accepted − handled: connections NGINX closed for lack of resources (worker_connections).",
      queries: [
        { expr: connections("ACCEPTED"), legend: "accepted" },
        { expr: connections("HANDLED"), legend: "handled" },
        { expr: `${connections("ACCEPTED")} - ${connections("HANDLED")}`, legend: "dropped" },
      ],
    });
  }
  const control = targetSelector(e.controller);
  l.add({
    title: "Control plane: configuration batches p95 (ms)",
    min: 0,
    queries: [
      { expr: `histogram_quantile(0.95, sum by (le) (rate(nginx_gateway_fabric_event_batch_processing_milliseconds_bucket{${control}}[5m])))`, legend: "p95" },
    ],
  });
}

function edgeDashboard(prefix: string, plan: MonitoringPlan): Dashboard | undefined {
  const e = plan.edge;
  if (!e) return undefined;
  const l = new Layout();
  if (e.implementation === "ingress-nginx") ingressNginxPanels(l, e);
  else {
    l.text(
      "Status codes",
      "NGINX Gateway Fabric's data plane runs NGINX OSS, whose counters have no status code and no route: the answers per adapter and status are LiteLLM's (the gateway dashboard). The edge's own refusals (429 from `edge.rateLimits`, 413 above `edge.maxBodySize`) are in the data plane's access log.",
      24,
      3,
    );
    gatewayApiPanels(l, e);
  }
  certificatePanel(l, plan);
  const kind = e.implementation === "ingress-nginx" ? "Ingress" : "HTTPRoute";
  for (const r of e.routes) l.text(`${kind} ${r.name}`, `\`${r.path}\` → ${r.backend}${r.adapter ? ` (adapter ${r.adapter})` : ""}`, 8, 2);
  return dashboard(prefix, "edge", "Edge", l.done());
}

/** One dashboard per layer the plan has: GPUs, vLLM servers, gateway, Qdrant, edge. */
export function dashboards(prefix: string, plan: MonitoringPlan): Dashboard[] {
  return [gpuDashboard, inferenceDashboard, gatewayDashboard, vectorStoreDashboard, edgeDashboard]
    .map((build) => build(prefix, plan))
    .filter((d): d is Dashboard => d !== undefined);
}

/** Every PromQL expression of a dashboard, with the panel it belongs to. */
export function dashboardExpressions(d: Dashboard): { panel: string; expr: string }[] {
  return d.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
}

export interface DashboardConfigMap {
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  data: Record<string, string>;
}

/** The ConfigMap Grafana's sidecar loads a dashboard from (one JSON file per ConfigMap). */
export function dashboardConfigMap(d: Dashboard, namespace: string, label: { key: string; value: string }): DashboardConfigMap {
  return {
    metadata: {
      name: `${d.uid}-dashboard`,
      namespace,
      labels: { [label.key]: label.value, "app.kubernetes.io/part-of": PART_OF, "app.kubernetes.io/managed-by": "pulumi" },
    },
    data: { [`${d.uid}.json`]: JSON.stringify(d, null, 1) },
  };
}
