import { strict as assert } from "node:assert";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parser } from "@prometheus-io/lezer-promql";
import { observabilityPlan } from "../../../components/observability";
import {
  dashboardConfigMap,
  dashboardExpressions,
  dashboardUid,
  dashboards,
  type Dashboard,
  type Panel,
} from "../../../components/specs/monitoring/dashboards";
import { dashboardLayoutSvg } from "../../../components/specs/monitoring/layoutSvg";
import { parsePlatformConfig } from "../../../config/load";
import { planGpus } from "../../../policies/gpuPlan";
import { observabilityArgs } from "../../../platform/monitoring";
import { planServers } from "../../../platform/servers";
import { planStack } from "../../fixtures/plans";
import { PROJECT_ROOT, stackConfig, variant } from "../../fixtures/stacks";
import { checkRules, promtoolVersion } from "./promtool";

function boardsFor(raw: Record<string, unknown>): Dashboard[] {
  const config = parsePlatformConfig(raw);
  return dashboards("monitoring", observabilityPlan(observabilityArgs(config, planServers(config))!));
}

/** Positions where Prometheus's own PromQL grammar (lezer-promql) finds an error. */
function promqlErrors(expr: string): number[] {
  const errors: number[] = [];
  parser.parse(expr).iterate({ enter: (node) => void (node.type.isError && errors.push(node.from)) });
  return errors;
}

const prodRaw = stackConfig("prod");
const board = (boards: Dashboard[], layer: string) => boards.find((b) => b.uid === `monitoring-${layer}`)!;
const thresholdOf = (p: Panel) => ((p.fieldConfig!.defaults as any).thresholds.steps as { value: number | null }[]).find((s) => s.value !== null)?.value;
const titled = (b: Dashboard, pattern: RegExp) => b.panels.filter((p) => pattern.test(p.title));

describe("Observability dashboards", function () {
  this.timeout(120_000);
  const prod = boardsFor(prodRaw);

  it("renders one dashboard per layer of the prod plan: GPUs, vLLM servers, gateway, Qdrant, edge", () => {
    assert.deepEqual(
      prod.map((d) => d.uid),
      ["monitoring-gpus", "monitoring-vllm", "monitoring-gateway", "monitoring-qdrant", "monitoring-edge"],
    );
  });

  it("is valid dashboard JSON: schema version, unique ids, panels on the 24-column grid without overlap, Prometheus datasource and targets", () => {
    for (const d of prod) {
      const json = JSON.parse(dashboardConfigMap(d, "monitoring", { key: "grafana_dashboard", value: "1" }).data[`${d.uid}.json`]!) as Dashboard;
      assert.ok(Number.isInteger(json.schemaVersion) && json.schemaVersion >= 36, `${d.uid} schemaVersion`);
      assert.ok(json.uid.length <= 40 && json.title.length > 0);
      assert.deepEqual(
        json.templating.list.find((v: any) => v.name === "datasource"),
        { name: "datasource", label: "Prometheus", type: "datasource", query: "prometheus", current: {}, hide: 0, refresh: 1, options: [] },
      );
      assert.equal(new Set(json.panels.map((p) => p.id)).size, json.panels.length, `${d.uid}: panel ids unique`);
      const cells = new Set<string>();
      for (const p of json.panels) {
        assert.ok(p.gridPos.x >= 0 && p.gridPos.w > 0 && p.gridPos.x + p.gridPos.w <= 24, `${d.uid}/${p.title} fits 24 columns`);
        for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
          for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
            assert.ok(!cells.has(`${x},${y}`), `${d.uid}/${p.title} overlaps another panel at ${x},${y}`);
            cells.add(`${x},${y}`);
          }
        }
        if (p.type === "row" || p.type === "text") continue;
        assert.deepEqual(p.datasource, { type: "prometheus", uid: "${datasource}" }, `${d.uid}/${p.title}`);
        assert.ok(p.targets && p.targets.length > 0, `${d.uid}/${p.title} has targets`);
        for (const t of p.targets!) {
          assert.match(t.refId, /^[A-Z]$/);
          assert.deepEqual(t.datasource, p.datasource);
          assert.ok(t.expr.length > 0);
        }
      }
    }
  });

  it("every PromQL expression parses with Prometheus's grammar (@prometheus-io/lezer-promql), which does flag bad PromQL", () => {
    const exprs = prod.flatMap((d) => dashboardExpressions(d).map((e) => ({ ...e, uid: d.uid })));
    assert.ok(exprs.length > 30, `${exprs.length} expressions`);
    for (const e of exprs) assert.deepEqual(promqlErrors(e.expr), [], `${e.uid}/${e.panel}: ${e.expr}`);
    assert.notDeepEqual(promqlErrors("sum by (pod (rate(x[5m]))"), [], "the parser reports errors");
    assert.notDeepEqual(promqlErrors("rate(x[$__rate_interval])"), [], "Grafana variables are not PromQL: the dashboards use none in expressions");
  });

  it("every PromQL expression passes promtool's parser and type checks too (as recording rules)", function () {
    if (!promtoolVersion()) {
      console.warn("\n  !!! promtool is not installed: dashboard expressions are checked with lezer-promql only. !!!\n");
      this.skip();
    }
    const rules = prod.flatMap((d) => dashboardExpressions(d)).map((e, i) => ({ record: `dashboard:expr_${i}`, expr: e.expr }));
    const result = checkRules([{ name: "dashboards", rules }] as any);
    assert.ok(result.ok, result.output);
  });

  it("draws each card's planned worst case (the policy pack's plan of the rendered prod Deployments) as a threshold line", async () => {
    const plan = await planStack("prod");
    const cards = planGpus(plan.resources, plan.host).cards;
    const memory = titled(board(prod, "gpus"), /^Memory used vs plan/);
    assert.equal(memory.length, cards.length, "one memory panel per card");
    // Prod shares with DRA: a claim's physical card is the scheduler's choice, so each card's line is the node's fullest planned card.
    assert.equal(plan.host.sharing.mode, "dra");
    const fullest = Math.max(...cards.map((c) => c.totalGiB));
    for (const [i, card] of cards.entries()) {
      assert.equal(thresholdOf(memory[i]!), fullest * 1024, card.card);
      assert.equal((memory[i]!.fieldConfig!.defaults as any).max, card.memoryGiB * 1024);
      assert.match(memory[i]!.targets![0]!.expr, new RegExp(`gpu="${card.card.split("/gpu")[1]}"`));
    }
  });

  it("draws each server's maxNumSeqs, the TTFT SLO and the KV threshold from config", () => {
    const vllm = board(prod, "vllm");
    const servers = prodRaw.servers as Record<string, { maxNumSeqs: number }>;
    const queues = titled(vllm, /^Requests running \/ waiting/);
    assert.deepEqual(queues.map(thresholdOf), [servers.llm!.maxNumSeqs, servers.embedding!.maxNumSeqs, servers.reranker!.maxNumSeqs]);
    assert.deepEqual(titled(vllm, /^Time to first token/).map(thresholdOf), [2], "only the generating server; the SLO of the prod fixture");
    assert.deepEqual(titled(vllm, /^KV-cache usage/).map(thresholdOf), [0.9]);
    // The llm's KV cache as the capacity model expects it at the utilization "auto" resolved (the guaranteed figure is lower).
    const llm = planServers(parsePlatformConfig(prodRaw)).find((x) => x.name === "llm")!;
    assert.ok(llm.estimate.kvCacheTokens > llm.estimate.kvCacheTokensGuaranteed);
    assert.equal(titled(vllm, /^KV-cache usage/)[0]!.title, `KV-cache usage (of ${llm.estimate.kvCacheTokens} tokens)`);
  });

  it("a new server, adapter or client budget shows up without editing JSON", () => {
    const grown = boardsFor(
      variant(prodRaw, (c) => {
        // On a third card: gpu0 is the llm's, gpu1 the pooling servers'.
        c.host.nodes["gpu-node"].gpus = 3;
        c.servers.coder = { ...c.servers.llm, replicas: 0, placement: ["gpu-node/gpu2"] };
        c.adapters.sql = { server: "coder", description: "SQL" };
        c.monitoring.gateway = { litellmMetrics: true };
      }),
    );
    const rows = (b: Dashboard) => b.panels.filter((p) => p.type === "row").map((p) => p.title);
    assert.ok(
      rows(board(grown, "vllm")).some((t) => t.startsWith("coder — coder, sql")),
      rows(board(grown, "vllm")).join("; "),
    );
    assert.ok(rows(board(grown, "gateway")).includes("Adapter sql — /sql/v1"));
    assert.ok(!rows(board(prod, "gateway")).includes("Adapter sql — /sql/v1"));
    // The adapter's row reads LiteLLM's series for the model the client asks for.
    const sqlRow = board(grown, "gateway").panels.findIndex((p) => p.title === "Adapter sql — /sql/v1");
    assert.match(
      board(grown, "gateway").panels[sqlRow + 1]!.targets![0]!.expr,
      /litellm_proxy_total_requests_metric_total\{namespace="llm-gateway",service="gateway-litellm",requested_model="sql"\}/,
    );
    const perClient = ["Requests /s per client", "Tokens /s per client", "Spend per client (USD, 24 h)", "Budget left per client (USD)"];
    assert.deepEqual(
      titled(board(prod, "gateway"), /per client/).map((p) => p.title),
      perClient,
    );
    const unscraped = boardsFor(variant(prodRaw, (c) => void (c.monitoring.gateway = { litellmMetrics: false })));
    assert.equal(titled(board(unscraped, "gateway"), /per client/).length, 0);
    assert.match((board(unscraped, "gateway").panels.find((p) => p.title === "Per client and per model")!.options as any).content, /litellmMetrics: false/);
  });

  it("shows the edge its implementation has: NGINX Gateway Fabric's data and control planes, or ingress-nginx's per-route series", () => {
    const gatewayApi = board(prod, "edge");
    const exprs = dashboardExpressions(gatewayApi)
      .map((e) => e.expr)
      .join("\n");
    assert.match(exprs, /nginx_http_requests_total\{namespace="ingress-nginx",job="edge-nginx"\}/);
    assert.match(exprs, /nginx_http_connections_total\{namespace="ingress-nginx",job="edge-nginx",nginx_connections_outcome="ACCEPTED"\}/);
    assert.match(exprs, /nginx_gateway_fabric_event_batch_processing_milliseconds_bucket\{namespace="ingress-nginx",job="nginx-gateway-fabric"\}/);
    assert.doesNotMatch(exprs, /nginx_ingress_controller/, "no ingress-nginx series behind the Gateway API");
    assert.ok(gatewayApi.panels.some((p) => p.title === "HTTPRoute edge-adapter-chatbot"));
    const ingress = board(
      boardsFor(
        variant(prodRaw, (c) => {
          c.edge.implementation = "ingress-nginx";
          delete c.edge.gatewayApi;
          delete c.edge.rateLimits.perApiKey;
        }),
      ),
      "edge",
    );
    assert.match(
      dashboardExpressions(ingress)
        .map((e) => e.expr)
        .join("\n"),
      /nginx_ingress_controller_requests/,
    );
    assert.ok(ingress.panels.some((p) => p.title === "Ingress edge-adapter-chatbot"));
  });

  it("keeps uids within Grafana's 40 characters and distinct for long component names", () => {
    const long = "a-very-long-component-name-for-the-platform-monitoring";
    const uids = ["gpus", "gateway", "vllm", "qdrant", "edge"].map((layer) => dashboardUid(long, layer));
    for (const uid of uids) assert.ok(uid.length <= 40, uid);
    assert.equal(new Set(uids).size, uids.length);
    assert.notEqual(dashboardUid(`${long}-1`, "gpus"), dashboardUid(`${long}-2`, "gpus"), "two long names that share a prefix differ");
    assert.equal(dashboardUid("monitoring", "gpus"), "monitoring-gpus");
  });

  it("loads through Grafana's sidecar: one JSON file per ConfigMap with the configured label", () => {
    const cm = dashboardConfigMap(prod[0]!, "monitoring", { key: "team/dashboards", value: "llm" });
    assert.deepEqual(Object.keys(cm.data), ["monitoring-gpus.json"]);
    assert.equal(cm.metadata.labels["team/dashboards"], "llm");
    assert.equal(cm.metadata.name, "monitoring-gpus-dashboard");
  });

  it("docs/observability-dashboards.svg is the prod plan's layout (UPDATE_DOCS=1 rewrites it)", () => {
    const file = join(PROJECT_ROOT, "docs", "observability-dashboards.svg");
    const svg = dashboardLayoutSvg(prod);
    if (process.env.UPDATE_DOCS === "1") writeFileSync(file, svg);
    assert.equal(readFileSync(file, "utf8"), svg);
    for (const d of prod) assert.ok(svg.includes(d.title.replace(/&/g, "&amp;")), d.title);
    assert.equal(
      (svg.match(/stroke="#d44a3a"/g) ?? []).length,
      prod.flatMap((d) => d.panels).filter((p) => p.fieldConfig && thresholdOf(p) !== undefined).length,
      "one red line per threshold",
    );
  });
});
