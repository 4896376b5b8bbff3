import { strict as assert } from "node:assert";
import { estimateMemory, lookupGpu, lookupModel, planKernels } from "@llm-platform/capacity";
import { parse } from "yaml";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, parsePlatformConfig } from "../../config/load";
import { gatewayModels, modeFallbacks } from "../../platform/gateway";
import { plannedGpuResources } from "../../platform/inference";
import { memoryOverrideWarnings, planServers } from "../../platform/servers";
import { activeMinutes, parseCron, REFERENCE_WEEKS_UTC, CronError } from "../../policies/cron";
import { estimateInputOf, planGpus } from "../../policies/gpuPlan";
import { evaluatePolicies } from "../../policies/evaluate";
import { policyConfigFromPlatform } from "../../plan/policyConfig";
import { suggestLayouts } from "../../plan/suggest";
import { GPU_POLICIES } from "../../plan/suggest";
import { stackConfig } from "../fixtures/stacks";

const ROOT = join(__dirname, "..", "..");
/** An example stack file's config, as stackConfig reads the fixtures (prefix stripped, values as written). */
const example = (file: string): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(parse(readFileSync(join(ROOT, "examples", file), "utf8")).config as Record<string, unknown>).map(([k, v]) => [
      k.replace(/^llm-platform:/, ""),
      v,
    ]),
  );

describe("GPU hardware truth in the program (#14)", () => {
  it("prod plans the RTX 3080's usable 9.78 GiB, not 10, and the main model gets ≥ 20,000 guaranteed KV tokens", () => {
    const config = parsePlatformConfig(stackConfig("prod"));
    const servers = planServers(config);
    const llm = servers.find((s) => s.name === "llm")!;
    assert.equal(lookupGpu("NVIDIA-GeForce-RTX-3080").usableMemoryGiB, 9.78);
    assert.equal(llm.card.memoryGiB, 9.78);
    // Independently: the estimator at the resolved utilization on a 9.78 GiB card.
    const e = estimateMemory(estimateInputOf(llm.args, 9.78, "NVIDIA-GeForce-RTX-3080"));
    assert.equal(llm.estimate.kvCacheTokensGuaranteed, e.kvCacheTokensGuaranteed);
    assert.ok(e.kvCacheTokensGuaranteed >= 20000, `${e.kvCacheTokensGuaranteed}`);
    // "auto" grows to the largest utilization whose pessimistic footprint fits the card alone: one step more does not.
    assert.ok(e.deviceFootprintGiBPessimistic <= 9.78);
    const next = estimateMemory(
      estimateInputOf(
        llm.args.map((a, i, all) => (all[i - 1] === "--gpu-memory-utilization" ? String(Math.round((llm.gpuMemoryUtilization + 0.01) * 100) / 100) : a)),
        9.78,
        "NVIDIA-GeForce-RTX-3080",
      ),
    );
    assert.ok(next.deviceFootprintGiBPessimistic > 9.78, `${next.deviceFootprintGiBPessimistic}`);
    // Kernels from the plan: AWQ Marlin on 8.6, 16-bit KV, no pinned backend.
    assert.deepEqual(llm.args.slice(llm.args.indexOf("--quantization"), llm.args.indexOf("--quantization") + 2), ["--quantization", "awq_marlin"]);
    assert.ok(!llm.args.includes("--attention-backend"));
  });

  it("renders fp8 KV on an RTX 3080 (8.6) only with --attention-backend FLASHINFER, and the pack refuses it without", async () => {
    const input = stackConfig("prod") as any;
    input.servers.llm.kvCacheDtype = "fp8";
    const config = parsePlatformConfig(input);
    const llm = planServers(config).find((s) => s.name === "llm")!;
    assert.deepEqual(llm.args.slice(llm.args.indexOf("--attention-backend"), llm.args.indexOf("--attention-backend") + 2), [
      "--attention-backend",
      "FLASHINFER",
    ]);
    const resources = plannedGpuResources(config, planServers(config));
    const host = policyConfigFromPlatform(config);
    assert.deepEqual(
      (await evaluatePolicies(resources, host, GPU_POLICIES)).filter((v) => v.level === "mandatory"),
      [],
    );
    // The same command line without the pin: refused, naming the compute capability.
    for (const r of resources) {
      const c = r.props.spec?.template?.spec?.containers?.[0];
      if (c?.args?.includes("--attention-backend")) {
        const i = c.args.indexOf("--attention-backend");
        c.args = [...c.args.slice(0, i), ...c.args.slice(i + 2)];
      }
    }
    const refused = (await evaluatePolicies(resources, host, GPU_POLICIES)).filter((v) => v.policy === "vllm-kernels-run-on-card");
    assert.equal(refused.length, 1);
    assert.match(refused[0]!.message, /compute capability 8\.6.*FLASHINFER/);
  });

  it("refuses AWQ on a V100 (7.0) naming the capability, and accepts AWQ Marlin on a T4 (7.5, vllm-project/vllm#29901)", () => {
    const input = stackConfig("prod") as any;
    input.host.nodes["gpu-node"].gpuProduct = "Tesla-V100-SXM2-16GB";
    assert.throws(
      () => planServers(parsePlatformConfig(input)),
      (e: ConfigError) => /7\.0/.test(e.message) && /llm-platform:servers\.llm\.model/.test(e.message),
    );
    const t4 = planKernels(lookupModel("hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4"), { kvCacheDtype: "auto" }, lookupGpu("Tesla-T4"));
    assert.equal(t4.runnable, true);
    assert.equal(t4.flags.quantization, "awq_marlin");
    assert.equal(t4.flags.dtype, "float16");
  });

  it("warns about a gpuMemoryGiB override above what CUDA reports, and plans with it", () => {
    const input = stackConfig("prod") as any;
    input.host.nodes["gpu-node"].gpuMemoryGiB = 10;
    const config = parsePlatformConfig(input);
    assert.match(memoryOverrideWarnings(config.host).join(), /gpuMemoryGiB 10 exceeds the 9\.78 GiB/);
    input.host.nodes["gpu-node"].gpuMemoryGiB = 9.78;
    assert.deepEqual(memoryOverrideWarnings(parsePlatformConfig(input).host), []);
  });

  it("judges DRA cards by their exact pods: prod's gpu1 holds embedding + reranker, gpu0 the llm alone", () => {
    const config = parsePlatformConfig(stackConfig("prod"));
    const plan = planGpus(plannedGpuResources(config, planServers(config)), policyConfigFromPlatform(config));
    assert.deepEqual(
      plan.cards.map((c) => [c.card, c.worstCase.map((p) => p.server)]),
      [
        ["gpu-node/gpu0", ["llm"]],
        ["gpu-node/gpu1", ["embedding", "reranker"]],
      ],
    );
    const gpu1 = plan.cards[1]!;
    assert.equal(gpu1.totalGiB, Math.round((gpu1.worstCase[0]!.footprintGiB + gpu1.worstCase[1]!.footprintGiB) * 100) / 100);
    assert.ok(gpu1.startup!.every((s) => s.passes));
    const llmPod = plan.pods.find((p) => p.server === "llm")!;
    assert.equal(llmPod.maxModelLen, 8192);
    assert.ok(llmPod.kvCacheTokens! > llmPod.kvCacheTokensGuaranteed!);
  });

  it("refuses a placement whose floor does not fit beside its card's neighbours (one change: the llm moves onto gpu1)", () => {
    const input = stackConfig("prod") as any;
    input.servers.llm.placement = ["gpu-node/gpu1"];
    assert.throws(
      () => planServers(parsePlatformConfig(input)),
      (e: ConfigError) => /servers\.llm\.placement/.test(e.message) && /embedding .* \+ reranker/.test(e.message),
    );
  });

  it("requires placement under dra and refuses it under time-slicing", () => {
    const input = stackConfig("prod") as any;
    delete input.servers.embedding.placement;
    assert.throws(() => parsePlatformConfig(input), /servers\.embedding\.placement: is required with gpuSharing\.mode dra/);
    const ts = stackConfig("prod") as any;
    ts.gpuSharing = { mode: "time-slicing", replicas: 4 };
    assert.throws(() => parsePlatformConfig(ts), /pins cards, which time-slicing cannot do/);
  });
});

describe("npm run plan -- --suggest (#14)", function () {
  this.timeout(120_000);
  it("ranks at least three verified layouts for prod, best guaranteed KV first", async () => {
    const result = await suggestLayouts("prod", stackConfig("prod"));
    assert.ok(result.layouts.length >= 3);
    const tokens = result.layouts.map((l) => l.guaranteedKvTokens);
    assert.deepEqual(
      tokens,
      [...tokens].sort((a, b) => b - a),
    );
    assert.ok(
      result.layouts.every((l) => l.verified),
      JSON.stringify(result.layouts.map((l) => l.problems)),
    );
    assert.equal(result.layouts[0]!.sharing.mode, "dra");
    assert.deepEqual((result.layouts[0]!.config["llm-platform:servers"] as any).llm.placement, ["gpu-node/gpu0"]);
  });
});

describe("serving modes (#18)", function () {
  this.timeout(60_000);
  it("parses KEDA's cron fields and refuses what its parser refuses", () => {
    assert.deepEqual([...parseCron("5 6 * * mon-fri").daysOfWeek].sort(), [1, 2, 3, 4, 5]);
    assert.throws(() => parseCron("0 22 * *"), CronError);
    assert.throws(() => parseCron("0 24 * * *"), /hour 24 is outside 0–23/);
  });

  it("derives a window over the week: 22:00 → 06:00 Berlin is 8 h a day, off at 06:00 local", () => {
    const a = activeMinutes({ start: "0 22 * * *", end: "0 6 * * *", timezone: "Europe/Berlin" }, REFERENCE_WEEKS_UTC[0]!);
    assert.equal(a.filter(Boolean).length, 7 * 8 * 60);
    // January: Berlin is UTC+1, so 06:00 local is 05:00 UTC (minute 300 of Monday) — the end minute is off.
    assert.equal(a[299], true);
    assert.equal(a[300], false);
  });

  it("the day-night example: each mode fits, ≥ 2 cron ScaledObjects, KEDA installed, both modes in the gateway's model list", () => {
    const config = parsePlatformConfig(example("Pulumi.day-night.yaml"));
    const servers = planServers(config);
    const resources = plannedGpuResources(config, servers);
    const scaled = resources.filter((r) => r.type === "kubernetes:keda.sh/v1alpha1:ScaledObject");
    assert.ok(scaled.length >= 2);
    assert.ok(scaled.every((r) => r.props.spec.triggers.every((t: any) => t.type === "cron" && typeof t.metadata.desiredReplicas === "string")));
    const plan = planGpus(resources, policyConfigFromPlatform(config));
    assert.deepEqual(
      plan.modes.map((m) => [m.name, m.fits]),
      [
        ["day", true],
        ["night", true],
      ],
    );
    assert.deepEqual(plan.overlaps, []);
    assert.deepEqual(plan.gaps, []);
    const names = gatewayModels(config, servers).map((m) => m.name);
    for (const n of ["chatbot", "batch", "embedding", "reranker"]) assert.ok(names.includes(n), n);
    assert.deepEqual(modeFallbacks(config).batch, ["chatbot"]);
    assert.deepEqual(modeFallbacks(config).chatbot, ["batch"]);
    assert.equal(gatewayModels(config, servers).find((m) => m.name === "reranker")!.mode, "rerank");
  });

  it("refuses overlapping modes on the same cards, naming both", async () => {
    const config = parsePlatformConfig(example("Pulumi.day-night-overlap.yaml"));
    const resources = plannedGpuResources(config, planServers(config));
    const violations = await evaluatePolicies(resources, policyConfigFromPlatform(config), GPU_POLICIES);
    const overlap = violations.filter((v) => v.policy === "serving-modes-no-overlap");
    assert.equal(overlap.length, 1);
    assert.match(overlap[0]!.message, /modes "day" and "night" both hold gpu-node\/gpu0, gpu-node\/gpu1/);
  });

  it("refuses a switch sooner than KEDA polling + cooldown + grace + margin, and accepts one exactly at it", async () => {
    const input = example("Pulumi.day-night.yaml") as any;
    // 30 s polling + 60 s cooldown + 60 s grace + 30 s margin = 180 s = 3 minutes.
    input.modes.day.schedule.end = "58 21 * * *"; // 2 minutes before night starts
    let config = parsePlatformConfig(input);
    let plan = planGpus(plannedGpuResources(config, planServers(config)), policyConfigFromPlatform(config));
    assert.deepEqual(
      plan.gaps.map((g) => [g.from, g.to, g.gapSeconds, g.requiredSeconds]),
      [["day", "night", 120, 180]],
    );
    input.modes.day.schedule.end = "57 21 * * *"; // exactly 3 minutes
    config = parsePlatformConfig(input);
    plan = planGpus(plannedGpuResources(config, planServers(config)), policyConfigFromPlatform(config));
    assert.deepEqual(plan.gaps, []);
  });

  it("a night-only model needs a fallback outside its window", () => {
    const input = example("Pulumi.day-night.yaml") as any;
    delete input.modes.night.fallback;
    assert.throws(() => parsePlatformConfig(input), /modes\.night\.fallback: is required: batch run only in mode "night"/);
  });
});
