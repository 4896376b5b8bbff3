import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { observabilityPlan } from "../../../components/observability";
import { ALERTS, alertRuleGroups, type RuleGroup } from "../../../components/specs/monitoring/rules";
import { parsePlatformConfig } from "../../../config/load";
import { planGpus } from "../../../policies/gpuPlan";
import { observabilityArgs } from "../../../platform/monitoring";
import { planServers } from "../../../platform/servers";
import { planStack } from "../../fixtures/plans";
import { PROJECT_ROOT, stackConfig, variant } from "../../fixtures/stacks";
import { checkRules, skipWithoutPromtool, testRules, type RuleTest } from "./promtool";

/** The prod plan's rules, one client-budget variant (two clients with budgets, one without), and prod on ingress-nginx. */
function groupsFor(raw: Record<string, unknown>): RuleGroup[] {
  const config = parsePlatformConfig(raw);
  return alertRuleGroups("monitoring", observabilityPlan(observabilityArgs(config, planServers(config))!));
}

const prodRaw = stackConfig("prod");
const budgetRaw = variant(prodRaw, (c) => {
  c.gateway.clients = { webui: { maxBudget: 50 }, n8n: { maxBudget: 100 }, batch: {} };
});
/** Prod's platform behind the ingress-nginx edge (dev's implementation): per-Ingress series exist there. */
const ingressRaw = variant(prodRaw, (c) => {
  c.edge.implementation = "ingress-nginx";
  delete c.edge.gatewayApi;
  c.edge.ingressNginx = { replicas: 2 };
  delete c.edge.rateLimits.perApiKey;
});

describe("Observability runbook", () => {
  it("has a section for every alert, which its runbook_url anchor points at", () => {
    const doc = readFileSync(join(PROJECT_ROOT, "docs", "observability.md"), "utf8");
    const headings = [...doc.matchAll(/^### (\w+)$/gm)].map((m) => m[1]);
    for (const alert of ALERTS) assert.ok(headings.includes(alert), `docs/observability.md has no "### ${alert}"`);
  });
});

describe("Observability alert rules under Prometheus's own tools", function () {
  this.timeout(120_000);
  let prod: RuleGroup[];
  let withBudgets: RuleGroup[];
  let behindIngressNginx: RuleGroup[];
  /** The policy pack's worst case per card, from the program's rendered prod Deployments (not from the monitoring code). */
  let plannedMiB: number;

  before(async function () {
    skipWithoutPromtool(this);
    prod = groupsFor(prodRaw);
    withBudgets = groupsFor(budgetRaw);
    behindIngressNginx = groupsFor(ingressRaw);
    const plan = await planStack("prod");
    const cards = planGpus(plan.resources, plan.host).cards;
    // DRA: the claims' cards are not known by NVML index, so every card of the node is held to its fullest planned card.
    assert.equal(plan.host.sharing.mode, "dra");
    plannedMiB = Math.max(...cards.map((c) => c.totalGiB)) * 1024;
    assert.ok(
      cards.some((c) => c.totalGiB * 1024 < plannedMiB),
      "the cards' own plans differ",
    );
  });

  it("defines at least 10 distinct alerts, each with a severity, a summary, a description and a runbook anchor in docs/observability.md", () => {
    const rules = withBudgets.flatMap((g) => g.rules);
    const names = new Set(rules.map((r) => r.alert));
    assert.ok(names.size >= 10, `${names.size} alerts`);
    assert.deepEqual([...names].sort(), [...ALERTS].sort(), "every alert the module knows is generated for the prod plan with client budgets");
    for (const r of rules) {
      assert.match(r.labels.severity!, /^(critical|warning)$/, r.alert);
      assert.ok(r.annotations.summary.length > 10 && r.annotations.description.length > 20, r.alert);
      assert.equal(r.annotations.runbook_url, `docs/observability.md#${r.alert.toLowerCase()}`);
    }
  });

  it("passes promtool check rules", () => {
    for (const groups of [prod, withBudgets, behindIngressNginx]) {
      const result = checkRules(groups);
      assert.ok(result.ok, result.output);
      assert.match(result.output, /SUCCESS: \d+ rules found/);
    }
  });

  it("promtool check rules refuses a broken expression (the check is real)", () => {
    const broken = structuredClone(prod);
    broken[0]!.rules[0]!.expr = "max by (node) (DCGM_FI_DEV_FB_USED > ";
    assert.equal(checkRules(broken).ok, false);
  });

  /** Runs the promtool unit tests of one alert and asserts they pass. */
  function passes(groups: RuleGroup[], tests: RuleTest[]): void {
    const result = testRules(groups, tests);
    assert.ok(result.ok, result.output);
    assert.match(result.output, /SUCCESS/);
  }

  it("GpuMemoryBeyondPlan: fires for a card above the node's fullest planned card (from the policy pack's plan), not at it", () => {
    const above = plannedMiB + 1;
    passes(prod, [
      {
        name: "card 0 above plan, card 1 exactly at plan",
        series: [
          { series: `DCGM_FI_DEV_FB_USED{node="gpu-node",gpu="0",UUID="GPU-0",modelName="NVIDIA GeForce RTX 3080"}`, values: `${above}+0x20` },
          { series: `DCGM_FI_DEV_FB_USED{node="gpu-node",gpu="1",UUID="GPU-1",modelName="NVIDIA GeForce RTX 3080"}`, values: `${plannedMiB}+0x20` },
        ],
        checks: [
          { evalTime: "3m", alertname: "GpuMemoryBeyondPlan", expect: [] },
          {
            evalTime: "10m",
            alertname: "GpuMemoryBeyondPlan",
            expect: [{ labels: { node: "gpu-node", gpu: "0", severity: "warning", card: "gpu-node/gpu0" } }],
          },
        ],
      },
      {
        // The llm's claim may get physical GPU 1: its full footprint there is within plan, one MiB more is not.
        name: "card 1 holding the fullest plan, then above it",
        series: [
          { series: `DCGM_FI_DEV_FB_USED{node="gpu-node",gpu="0",UUID="GPU-0",modelName="NVIDIA GeForce RTX 3080"}`, values: `0+0x20` },
          {
            series: `DCGM_FI_DEV_FB_USED{node="gpu-node",gpu="1",UUID="GPU-1",modelName="NVIDIA GeForce RTX 3080"}`,
            values: `${plannedMiB}+0x5 ${above}+0x15`,
          },
        ],
        checks: [
          { evalTime: "4m", alertname: "GpuMemoryBeyondPlan", expect: [] },
          {
            evalTime: "15m",
            alertname: "GpuMemoryBeyondPlan",
            expect: [{ labels: { node: "gpu-node", gpu: "1", severity: "warning", card: "gpu-node/gpu1" } }],
          },
        ],
      },
    ]);
  });

  it("GpuMetricsMissing: fires when no DCGM exporter answers on the GPU node", () => {
    passes(prod, [
      {
        name: "exporter down",
        series: [{ series: `up{namespace="nvidia-device-plugin",service="addons-dcgm-exporter",pod="dcgm-1"}`, values: "0+0x20" }],
        checks: [{ evalTime: "15m", alertname: "GpuMetricsMissing", expect: [{ labels: { severity: "warning" } }] }],
      },
      {
        name: "exporter up",
        series: [{ series: `up{namespace="nvidia-device-plugin",service="addons-dcgm-exporter",pod="dcgm-1"}`, values: "1+0x20" }],
        checks: [{ evalTime: "15m", alertname: "GpuMetricsMissing", expect: [] }],
      },
    ]);
  });

  it("VllmServerDown: waits the server's startup window from the plan (startupTimeoutSeconds), then fires", () => {
    const startupMinutes = 1800 / 60; // servers.llm.startupTimeoutSeconds' default in the prod fixture
    passes(prod, [
      {
        name: "llm never answers",
        series: [
          { series: `up{namespace="llm-inference",service="vllm-llm",pod="vllm-llm-7c9d8-abcde"}`, values: "0+0x60" },
          { series: `up{namespace="llm-inference",service="vllm-embedding",pod="vllm-embedding-5f6b7-fghij"}`, values: "1+0x60" },
          { series: `up{namespace="llm-inference",service="vllm-reranker",pod="vllm-reranker-8a9b0-pqrst"}`, values: "1+0x60" },
        ],
        checks: [
          { evalTime: `${startupMinutes - 1}m`, alertname: "VllmServerDown", expect: [] },
          { evalTime: `${startupMinutes + 1}m`, alertname: "VllmServerDown", expect: [{ labels: { severity: "critical", server: "llm" } }] },
        ],
      },
    ]);
  });

  it("VllmServerRestarting: fires per server for a restart of its vLLM container (kube-state-metrics)", () => {
    passes(prod, [
      {
        name: "one restart each",
        series: [
          {
            series: `kube_pod_container_status_restarts_total{namespace="llm-inference",container="vllm",pod="vllm-llm-7c9d8-abcde"}`,
            values: "0 0 0 1 1 1 1",
          },
          {
            series: `kube_pod_container_status_restarts_total{namespace="llm-inference",container="vllm",pod="vllm-embedding-5f6b7-fghij"}`,
            values: "2 2 2 3 3 3 3",
          },
          {
            series: `kube_pod_container_status_restarts_total{namespace="llm-gateway",container="litellm",pod="litellm-6d5c4-klmno"}`,
            values: "0 0 0 5 5 5 5",
          },
        ],
        checks: [
          {
            evalTime: "5m",
            alertname: "VllmServerRestarting",
            expect: [
              { labels: { namespace: "llm-inference", pod: "vllm-llm-7c9d8-abcde", severity: "warning", server: "llm" } },
              { labels: { namespace: "llm-inference", pod: "vllm-embedding-5f6b7-fghij", severity: "warning", server: "embedding" } },
            ],
          },
        ],
      },
    ]);
  });

  it("VllmRequestsQueued: fires when waiting requests exceed the server's maxNumSeqs for queueFor, not at maxNumSeqs", () => {
    const maxNumSeqs = (prodRaw.servers as any).llm.maxNumSeqs as number;
    passes(prod, [
      {
        name: "one pod over, one at the limit",
        series: [
          { series: `vllm:num_requests_waiting{namespace="llm-inference",model_name="llm",engine="0",pod="vllm-llm-a-1"}`, values: `${maxNumSeqs + 1}+0x20` },
          { series: `vllm:num_requests_waiting{namespace="llm-inference",model_name="llm",engine="0",pod="vllm-llm-a-2"}`, values: `${maxNumSeqs}+0x20` },
        ],
        checks: [
          { evalTime: "3m", alertname: "VllmRequestsQueued", expect: [] },
          {
            evalTime: "6m",
            alertname: "VllmRequestsQueued",
            expect: [{ labels: { namespace: "llm-inference", pod: "vllm-llm-a-1", severity: "warning", server: "llm" } }],
          },
        ],
      },
    ]);
  });

  it("VllmKvCachePressure: fires when the KV cache is beyond kvCacheUsage while requests wait", () => {
    const usage = 0.9; // monitoring.alerts.kvCacheUsage default
    const s = (pod: string, kv: number, waiting: number) => [
      { series: `vllm:kv_cache_usage_perc{namespace="llm-inference",model_name="llm",engine="0",pod="${pod}"}`, values: `${kv}+0x20` },
      { series: `vllm:num_requests_waiting{namespace="llm-inference",model_name="llm",engine="0",pod="${pod}"}`, values: `${waiting}+0x20` },
    ];
    passes(prod, [
      {
        name: "full and queueing, full but idle queue, at the threshold",
        series: [...s("p-full", 0.95, 2), ...s("p-idle", 0.95, 0), ...s("p-edge", usage, 3)],
        checks: [
          {
            evalTime: "12m",
            alertname: "VllmKvCachePressure",
            expect: [{ labels: { namespace: "llm-inference", pod: "p-full", severity: "warning", server: "llm" } }],
          },
        ],
      },
    ]);
  });

  it("VllmTimeToFirstTokenSlo: fires when the p95 TTFT from vLLM's histogram exceeds the SLO from config", () => {
    // Every request in one bucket: p95 interpolates inside it. (2.5, 5] is beyond the 2 s SLO, (0.75, 1] within it.
    const buckets = (inBucket: string) =>
      ["0.5", "0.75", "1", "2.5", "5", "+Inf"].map((le) => ({
        series: `vllm:time_to_first_token_seconds_bucket{namespace="llm-inference",model_name="llm",engine="0",le="${le}"}`,
        values: Number(le) >= Number(inBucket) || le === "+Inf" ? "0+10x30" : "0+0x30",
      }));
    passes(prod, [
      {
        name: "slow",
        series: buckets("5"),
        checks: [{ evalTime: "20m", alertname: "VllmTimeToFirstTokenSlo", expect: [{ labels: { severity: "warning", server: "llm" } }] }],
      },
      { name: "fast", series: buckets("1"), checks: [{ evalTime: "20m", alertname: "VllmTimeToFirstTokenSlo", expect: [] }] },
    ]);
  });

  it("VllmPreempting: fires while the scheduler keeps preempting", () => {
    passes(prod, [
      {
        name: "preempting",
        series: [{ series: `vllm:num_preemptions_total{namespace="llm-inference",model_name="llm",engine="0"}`, values: "0+3x30" }],
        checks: [{ evalTime: "20m", alertname: "VllmPreempting", expect: [{ labels: { severity: "warning", server: "llm" } }] }],
      },
      {
        name: "no preemption",
        series: [{ series: `vllm:num_preemptions_total{namespace="llm-inference",model_name="llm",engine="0"}`, values: "7+0x30" }],
        checks: [{ evalTime: "20m", alertname: "VllmPreempting", expect: [] }],
      },
    ]);
  });

  /** LiteLLM's request counter as its Prometheus callback labels it, scraped from the gateway's Service. */
  const litellm = (model: string, status: string, perMinute: number, client = "webui") => ({
    series: `litellm_proxy_total_requests_metric_total{namespace="llm-gateway",service="gateway-litellm",requested_model="${model}",status_code="${status}",api_key_alias="${client}",hashed_api_key="h",team="None",team_alias="None",user="None",end_user="None"}`,
    values: `0+${perMinute}x30`,
  });

  it("GatewayDown: fires when no LiteLLM replica answers its scrape", () => {
    passes(prod, [
      {
        name: "both replicas down, then one up",
        series: [
          { series: `up{namespace="llm-gateway",service="gateway-litellm",pod="gateway-litellm-6d5c4-a"}`, values: "0+0x20" },
          { series: `up{namespace="llm-gateway",service="gateway-litellm",pod="gateway-litellm-6d5c4-b"}`, values: "0+0x20" },
        ],
        checks: [
          { evalTime: "4m", alertname: "GatewayDown", expect: [] },
          { evalTime: "6m", alertname: "GatewayDown", expect: [{ labels: { severity: "critical" } }] },
        ],
      },
      {
        name: "one replica answers",
        series: [
          { series: `up{namespace="llm-gateway",service="gateway-litellm",pod="gateway-litellm-6d5c4-a"}`, values: "1+0x20" },
          { series: `up{namespace="llm-gateway",service="gateway-litellm",pod="gateway-litellm-6d5c4-b"}`, values: "0+0x20" },
        ],
        checks: [{ evalTime: "10m", alertname: "GatewayDown", expect: [] }],
      },
    ]);
  });

  it("GatewayHigh5xxRate: fires per model whose share of 5xx in LiteLLM's answers exceeds gateway5xxRatio (prod: NGINX OSS counts no status)", () => {
    passes(prod, [
      {
        name: "chatbot 6% 5xx, code 4%, a model the gateway does not serve 50%",
        series: [
          litellm("chatbot", "200", 94),
          litellm("chatbot", "500", 6),
          litellm("code", "200", 96),
          litellm("code", "503", 4),
          litellm("not-served", "200", 1),
          litellm("not-served", "500", 1),
        ],
        checks: [
          { evalTime: "20m", alertname: "GatewayHigh5xxRate", expect: [{ labels: { requested_model: "chatbot", severity: "critical", source: "litellm" } }] },
        ],
      },
    ]);
  });

  it("GatewayHigh429Rate: fires per model whose share of 429 (the keys' and models' limits) exceeds gateway429Ratio", () => {
    passes(prod, [
      {
        name: "embedding 20% 429 over two clients, rag 5%",
        series: [
          litellm("embedding", "200", 80, "n8n"),
          litellm("embedding", "429", 10, "n8n"),
          litellm("embedding", "429", 10, "webui"),
          litellm("rag", "200", 95),
          litellm("rag", "429", 5),
        ],
        checks: [
          { evalTime: "20m", alertname: "GatewayHigh429Rate", expect: [{ labels: { requested_model: "embedding", severity: "warning", source: "litellm" } }] },
        ],
      },
    ]);
  });

  const requests = (ingress: string, status: string, perMinute: number) => ({
    series: `nginx_ingress_controller_requests{namespace="llm-gateway",ingress="${ingress}",service="gateway-litellm",status="${status}",method="POST",path="/",controller_namespace="ingress-nginx"}`,
    values: `0+${perMinute}x30`,
  });

  it("GatewayHigh5xxRate behind ingress-nginx: also per route, from the controller's per-Ingress counts", () => {
    passes(behindIngressNginx, [
      {
        name: "chatbot 6% 5xx, code 4%",
        series: [
          requests("edge-adapter-chatbot", "200", 94),
          requests("edge-adapter-chatbot", "502", 6),
          requests("edge-adapter-code", "200", 96),
          requests("edge-adapter-code", "503", 4),
        ],
        checks: [
          {
            evalTime: "20m",
            alertname: "GatewayHigh5xxRate",
            expect: [{ labels: { namespace: "llm-gateway", ingress: "edge-adapter-chatbot", severity: "critical", source: "ingress-nginx" } }],
          },
        ],
      },
    ]);
  });

  it("GatewayHigh429Rate behind ingress-nginx: per route, the edge's own 429s included; the vector-search route is not the gateway", () => {
    passes(behindIngressNginx, [
      {
        name: "v1 20% 429, rag 5%",
        series: [
          requests("edge-v1", "200", 80),
          requests("edge-v1", "429", 20),
          requests("edge-adapter-rag", "200", 95),
          requests("edge-adapter-rag", "429", 5),
          {
            series: `nginx_ingress_controller_requests{namespace="llm-data",ingress="edge-vector-search",service="qdrant",status="429",method="POST",path="/",controller_namespace="ingress-nginx"}`,
            values: "0+50x30",
          },
        ],
        checks: [
          {
            evalTime: "20m",
            alertname: "GatewayHigh429Rate",
            expect: [{ labels: { namespace: "llm-gateway", ingress: "edge-v1", severity: "warning", source: "ingress-nginx" } }],
          },
        ],
      },
    ]);
    const perIngress = prod.flatMap((g) => g.rules).filter((r) => r.expr.includes("nginx_ingress_controller_requests"));
    assert.deepEqual(perIngress, [], "NGINX Gateway Fabric has no per-route series: prod's route alerts are LiteLLM's");
  });

  it("ClientBudgetNearlySpent: fires below budgetRemainingRatio × the client's maxBudget from config, not at it", () => {
    // webui: 10% of 50 USD = 5; n8n: 10% of 100 USD = 10.
    passes(withBudgets, [
      {
        name: "webui below, n8n at the floor",
        series: [
          {
            series: `litellm_remaining_api_key_budget_metric{namespace="llm-gateway",service="gateway-litellm",api_key_alias="webui",hashed_api_key="h1"}`,
            values: "4.9+0x30",
          },
          {
            series: `litellm_remaining_api_key_budget_metric{namespace="llm-gateway",service="gateway-litellm",api_key_alias="n8n",hashed_api_key="h2"}`,
            values: "10+0x30",
          },
        ],
        checks: [
          { evalTime: "20m", alertname: "ClientBudgetNearlySpent", expect: [{ labels: { api_key_alias: "webui", severity: "warning", client: "webui" } }] },
        ],
      },
    ]);
    const unscraped = groupsFor(variant(budgetRaw, (c) => void (c.monitoring.gateway = { litellmMetrics: false })));
    assert.equal(
      unscraped.flatMap((g) => g.rules).filter((r) => r.alert === "ClientBudgetNearlySpent").length,
      0,
      "without LiteLLM's metrics there is nothing to alert on",
    );
  });

  it("EdgeReplicasDown: fires when fewer NGINX data-plane pods (gateway-api) or controllers (ingress-nginx) answer than the edge runs", () => {
    const dataPlane = (pod: string, up: number) => ({ series: `up{namespace="ingress-nginx",job="edge-nginx",pod="${pod}"}`, values: `${up}+0x20` });
    passes(prod, [
      {
        name: "one of two",
        series: [dataPlane("edge-nginx-7f-a", 1), dataPlane("edge-nginx-7f-b", 0)],
        checks: [{ evalTime: "12m", alertname: "EdgeReplicasDown", expect: [{ labels: { severity: "critical" } }] }],
      },
      {
        name: "both",
        series: [dataPlane("edge-nginx-7f-a", 1), dataPlane("edge-nginx-7f-b", 1)],
        checks: [{ evalTime: "12m", alertname: "EdgeReplicasDown", expect: [] }],
      },
    ]);
    const controller = (pod: string, up: number) => ({
      series: `up{namespace="ingress-nginx",service="addons-ingress-nginx-controller-metrics",pod="${pod}"}`,
      values: `${up}+0x20`,
    });
    passes(behindIngressNginx, [
      {
        name: "one of two",
        series: [controller("c-a", 1), controller("c-b", 0)],
        checks: [{ evalTime: "12m", alertname: "EdgeReplicasDown", expect: [{ labels: { severity: "critical" } }] }],
      },
      { name: "both", series: [controller("c-a", 1), controller("c-b", 1)], checks: [{ evalTime: "12m", alertname: "EdgeReplicasDown", expect: [] }] },
    ]);
  });

  it("EdgeControllerDown: fires when NGINX Gateway Fabric's control plane does not answer (gateway-api only)", () => {
    passes(prod, [
      {
        name: "down",
        series: [{ series: `up{namespace="ingress-nginx",job="nginx-gateway-fabric",pod="addons-nginx-gateway-fabric-6b-x"}`, values: "0+0x20" }],
        checks: [
          { evalTime: "9m", alertname: "EdgeControllerDown", expect: [] },
          { evalTime: "11m", alertname: "EdgeControllerDown", expect: [{ labels: { severity: "warning" } }] },
        ],
      },
    ]);
    assert.equal(
      behindIngressNginx.flatMap((g) => g.rules).filter((r) => r.alert === "EdgeControllerDown").length,
      0,
      "ingress-nginx's controller is its data plane: EdgeReplicasDown",
    );
  });

  it("QdrantDown: fires when Qdrant does not answer", () => {
    passes(prod, [
      {
        name: "down",
        series: [{ series: `up{namespace="llm-data",service="qdrant",pod="qdrant-0"}`, values: "0+0x20" }],
        checks: [
          { evalTime: "4m", alertname: "QdrantDown", expect: [] },
          { evalTime: "6m", alertname: "QdrantDown", expect: [{ labels: { severity: "critical" } }] },
        ],
      },
    ]);
  });

  it("CertificateExpiringSoon: fires for a platform certificate closer to expiry than certificateExpiryDays", () => {
    const day = 86400;
    passes(prod, [
      {
        name: "20 days left vs 22",
        series: [
          {
            series: `certmanager_certificate_expiration_timestamp_seconds{namespace="ingress-nginx",name="edge-tls",issuer_name="edge-acme",issuer_kind="ClusterIssuer",issuer_group="cert-manager.io"}`,
            values: `${20 * day}+0x90`,
          },
          {
            series: `certmanager_certificate_expiration_timestamp_seconds{namespace="external-secrets",name="bitwarden-sdk-server",issuer_name="x",issuer_kind="Issuer",issuer_group="cert-manager.io"}`,
            values: `${22 * day}+0x90`,
          },
          {
            series: `certmanager_certificate_expiration_timestamp_seconds{namespace="other",name="someone-elses",issuer_name="x",issuer_kind="Issuer",issuer_group="cert-manager.io"}`,
            values: `${1 * day}+0x90`,
          },
        ],
        checks: [
          {
            evalTime: "70m",
            alertname: "CertificateExpiringSoon",
            expect: [{ labels: { namespace: "ingress-nginx", name: "edge-tls", severity: "warning" } }],
          },
        ],
      },
    ]);
  });

  it("CertificateNotReady: fires for a platform certificate cert-manager reports not ready", () => {
    passes(prod, [
      {
        name: "not ready",
        series: [
          {
            series: `certmanager_certificate_ready_status{namespace="ingress-nginx",name="edge-tls",condition="False",issuer_name="i",issuer_kind="ClusterIssuer",issuer_group="cert-manager.io"}`,
            values: "1+0x30",
          },
          {
            series: `certmanager_certificate_ready_status{namespace="external-secrets",name="bitwarden-sdk-server",condition="True",issuer_name="i",issuer_kind="ClusterIssuer",issuer_group="cert-manager.io"}`,
            values: "1+0x30",
          },
        ],
        checks: [
          { evalTime: "20m", alertname: "CertificateNotReady", expect: [{ labels: { namespace: "ingress-nginx", name: "edge-tls", severity: "warning" } }] },
        ],
      },
    ]);
  });

  it("PersistentVolumeFillingUp: fires for a platform volume with less than volumeFreeRatio free", () => {
    const pvc = (namespace: string, claim: string, available: number) => [
      { series: `kubelet_volume_stats_available_bytes{namespace="${namespace}",persistentvolumeclaim="${claim}"}`, values: `${available}+0x30` },
      { series: `kubelet_volume_stats_capacity_bytes{namespace="${namespace}",persistentvolumeclaim="${claim}"}`, values: "100+0x30" },
    ];
    passes(prod, [
      {
        name: "9% free, 11% free, and someone else's volume",
        series: [...pvc("llm-data", "storage-qdrant-0", 9), ...pvc("llm-inference", "base-models", 11), ...pvc("kube-system", "etcd", 1)],
        checks: [
          {
            evalTime: "20m",
            alertname: "PersistentVolumeFillingUp",
            expect: [{ labels: { namespace: "llm-data", persistentvolumeclaim: "storage-qdrant-0", severity: "warning" } }],
          },
        ],
      },
    ]);
  });

  it("promtool test rules fails when an alert that should fire does not (the harness is not vacuous)", () => {
    const result = testRules(prod, [
      {
        name: "at the plan",
        series: [{ series: `DCGM_FI_DEV_FB_USED{node="gpu-node",gpu="0"}`, values: `${plannedMiB}+0x20` }],
        checks: [
          {
            evalTime: "10m",
            alertname: "GpuMemoryBeyondPlan",
            expect: [{ labels: { node: "gpu-node", gpu: "0", severity: "warning", card: "gpu-node/gpu0" } }],
          },
        ],
      },
    ]);
    assert.equal(result.ok, false, result.output);
  });
});
