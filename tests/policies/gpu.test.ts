import { strict as assert } from "node:assert";
import { estimateMemory, lookupGpu } from "@llm-platform/capacity";
import { evaluate, exampleConfig, mutate, planStack, violationsOf, type StackPlan } from "../fixtures/plans";
import { stackConfig } from "../fixtures/stacks";
import { parsePlatformConfig } from "../../config/load";
import { plannedGpuResources } from "../../platform/inference";
import { planServers } from "../../platform/servers";
import { policyConfigFromPlatform } from "../../plan/policyConfig";
import { estimateInputOf, planGpus, type GpuPod } from "../../policies/gpuPlan";
import { vllmArgsOf, type ResourceLike } from "../../policies/workloads";
import { evaluatePolicies } from "../../policies/evaluate";
import { GPU_POLICIES } from "../../plan/suggest";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const RTX_3080 = "NVIDIA-GeForce-RTX-3080";
const RTX_3090 = "NVIDIA-GeForce-RTX-3090";

function only(violations: { policy: string; message: string }[], policy: string): string {
  const found = violationsOf(violations as any, policy);
  assert.equal(found.length, 1, `expected one ${policy} violation, got ${JSON.stringify(violations.map((v) => v.policy))}`);
  return found[0]!.message;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const gib = (x: number) => `${x.toFixed(2)} GiB`;

/** The vLLM args of a workload's first container. */
function argsOf(resources: ResourceLike[], name: string): string[] {
  const r = resources.find((x) => x.type === DEPLOYMENT && x.props.metadata?.name === name)!;
  return vllmArgsOf(r.props.spec.template.spec.containers[0])!;
}

/** Independently of the pack: the capacity model's pessimistic footprint of a command line on a card. */
function footprint(args: string[], product: string, memoryGiB = lookupGpu(product).usableMemoryGiB): number {
  return estimateMemory(estimateInputOf(args, memoryGiB, product)).deviceFootprintGiBPessimistic;
}

/** The GPU objects the program renders for a stack config (platform/inference.ts), with the stack's own policy config. */
function gpuPlanOf(raw: any): StackPlan {
  const config = parsePlatformConfig(raw);
  return { resources: plannedGpuResources(config, planServers(config)) as any, host: policyConfigFromPlatform(config), outputs: {} };
}

/** The pack's GPU policies over a plan's GPU objects (the other policies judge the full program: tests/program). */
const evaluateGpu = (plan: StackPlan) => evaluatePolicies(plan.resources, plan.host, GPU_POLICIES);

/** Prod's servers without placement, shared by the device plugin (time-slicing / MPS / none) on `product` cards. */
function sharedVariant(sharing: Record<string, unknown>, product: string, gpus = 2): any {
  const raw = stackConfig("prod") as any;
  raw.gpuSharing = sharing;
  raw.host.nodes["gpu-node"].gpuProduct = product;
  raw.host.nodes["gpu-node"].gpus = gpus;
  for (const server of Object.values(raw.servers) as any[]) delete server.placement;
  return raw;
}

const sumOf = (pods: GpuPod[]) => pods.reduce((s, p) => s + p.footprintGiB, 0);

describe("GPU policies", () => {
  let prod: StackPlan;
  // Per test: the synthesis is memoized (tests/fixtures/plans.ts); the host config is derived inside the test.
  beforeEach(async () => {
    prod = await planStack("prod");
  });

  describe("prod (DRA: one ResourceClaim per card)", () => {
    it("passes: the llm alone on gpu0, embeddings and the reranker together on gpu1, each card within its 9.78 GiB at the pessimistic end", async () => {
      const violations = await evaluate(prod, ...GPU_POLICIES.map((p) => p.name), "vllm-startup-probe");
      assert.deepEqual(
        violations.filter((v) => /gpu|vllm/.test(v.policy)),
        [],
      );
      const plan = planGpus(prod.resources, prod.host);
      assert.equal(plan.sharing.mode, "dra");
      // DRA counts cards: two claimed of two.
      assert.equal(plan.slicesRequested, 2);
      assert.equal(plan.slicesTotal, 2);
      const usable = lookupGpu(RTX_3080).usableMemoryGiB;
      assert.equal(usable, 9.78);
      assert.deepEqual(
        plan.cards.map((c) => [c.card, c.memoryGiB, c.worstCase.map((p) => p.server)]),
        [
          ["gpu-node/gpu0", usable, ["llm"]],
          ["gpu-node/gpu1", usable, ["embedding", "reranker"]],
        ],
      );
      for (const card of plan.cards) {
        const expected = card.worstCase.reduce((s, p) => s + footprint(argsOf(prod.resources, `vllm-${p.server}`), RTX_3080), 0);
        assert.equal(card.totalGiB, Math.round(expected * 100) / 100, card.card);
        assert.ok(expected <= usable && card.fits, card.card);
      }
    });

    it("refuses a second llm replica: both pods hold gpu0's claim", async () => {
      const v = await evaluate(
        mutate(prod, DEPLOYMENT, "vllm-llm", (p) => (p.spec.replicas = 2)),
        "gpu-memory-per-card",
      );
      const each = footprint(argsOf(prod.resources, "vllm-llm"), RTX_3080);
      assert.match(
        only(v, "gpu-memory-per-card"),
        new RegExp(
          `gpu card gpu-node/gpu0 \\(9\\.78 GiB usable\\): vllm-llm-0 ${esc(gib(each))} \\+ vllm-llm-1 ${esc(gib(each))} are placed on it \\(their ResourceClaim\\) = ${esc(gib(Math.round(each * 100) / 50))} at the pessimistic end`,
        ),
      );
    });

    it("holds a card exactly full: a whole-card pod alone on gpu0 fits (9.78 of 9.78 GiB), beside any other pod it does not", async () => {
      // A GPU pod that is not vLLM is taken to use the whole card: its footprint is exactly the card's usable memory.
      const alone = mutate(prod, DEPLOYMENT, "vllm-llm", (p) => (p.spec.template.spec.containers[0].image = "ghcr.io/acme/trainer:1.0"));
      const plan = planGpus(alone.resources, alone.host);
      assert.equal(plan.cards[0]!.totalGiB, 9.78);
      assert.equal(plan.cards[0]!.fits, true);
      assert.deepEqual(violationsOf(await evaluate(alone, "gpu-memory-per-card"), "gpu-memory-per-card"), []);
      // One change: the same pod on gpu1, beside embeddings and the reranker.
      const shared = mutate(prod, DEPLOYMENT, "vllm-embedding", (p) => (p.spec.template.spec.containers[0].image = "ghcr.io/acme/trainer:1.0"));
      const reranker = footprint(argsOf(prod.resources, "vllm-reranker"), RTX_3080);
      assert.match(
        only(await evaluate(shared, "gpu-memory-per-card"), "gpu-memory-per-card"),
        new RegExp(`gpu-node/gpu1 \\(9\\.78 GiB usable\\): vllm-embedding-0 9\\.78 GiB \\+ vllm-reranker-0 ${esc(gib(reranker))}`),
      );
    });

    it("refuses a RollingUpdate with surge on a DRA Deployment (the surge pod meets the old one on its card), accepts maxSurge 0", async () => {
      const surge = await evaluate(
        mutate(prod, DEPLOYMENT, "vllm-llm", (p) => (p.spec.strategy = { type: "RollingUpdate" })),
        "gpu-rollout-no-deadlock",
        "gpu-memory-per-card",
      );
      assert.match(
        only(surge, "gpu-rollout-no-deadlock"),
        /Deployment llm-inference\/vllm-llm: rolling update adds 1 GPU pod\(s\) while the old ones still hold their GPU \(slices or ResourceClaim\).*maxSurge: 0/,
      );
      // The surge pod also overflows gpu0 (9.70 + 9.70 GiB) and fails vLLM's start-up check.
      assert.match(only(surge, "gpu-memory-per-card"), /vllm-llm-0 .* \+ vllm-llm-surge-0/);
      const noSurge = await evaluate(
        mutate(prod, DEPLOYMENT, "vllm-llm", (p) => (p.spec.strategy = { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } })),
        "gpu-rollout-no-deadlock",
        "gpu-memory-per-card",
      );
      assert.deepEqual(violationsOf(noSurge, "gpu-rollout-no-deadlock"), []);
      assert.deepEqual(violationsOf(noSurge, "gpu-memory-per-card"), []);
    });

    it("refuses a GPU pod without a claim when the host shares GPUs with DRA", async () => {
      const v = await evaluate(
        mutate(prod, DEPLOYMENT, "vllm-reranker", (p) => {
          delete p.spec.template.spec.resourceClaims;
          p.spec.template.spec.containers[0].resources.limits["nvidia.com/gpu"] = "1";
        }),
        "gpu-slices-within-host",
      );
      assert.match(only(v, "gpu-slices-within-host"), /Deployment llm-inference\/vllm-reranker: asks for GPU slices \(1\) but the host shares GPUs with DRA/);
    });
  });

  describe("the KV cache at --max-model-len (vLLM refuses to start below one sequence)", () => {
    it("accepts --max-model-len exactly at the guaranteed KV tokens and refuses one token more", async () => {
      const args = argsOf(prod.resources, "vllm-llm");
      const guaranteed = estimateMemory(estimateInputOf(args, 9.78, RTX_3080)).kvCacheTokensGuaranteed;
      assert.ok(guaranteed >= 20000, String(guaranteed));
      const withLen = (n: number) =>
        mutate(prod, DEPLOYMENT, "vllm-llm", (p) => {
          const a: string[] = p.spec.template.spec.containers[0].args;
          a[a.indexOf("--max-model-len") + 1] = String(n);
        });
      assert.deepEqual(violationsOf(await evaluate(withLen(guaranteed), "vllm-kv-cache-fits-max-model-len"), "vllm-kv-cache-fits-max-model-len"), []);
      assert.match(
        only(await evaluate(withLen(guaranteed + 1), "vllm-kv-cache-fits-max-model-len"), "vllm-kv-cache-fits-max-model-len"),
        new RegExp(
          `Deployment llm-inference/vllm-llm: KV cache holds ${guaranteed} tokens at the pessimistic end \\(\\d+ expected\\) < --max-model-len ${guaranteed + 1}`,
        ),
      );
    });

    it("refuses a utilization that leaves no KV cache at all, naming the parts of the budget", async () => {
      const v = await evaluate(
        mutate(prod, DEPLOYMENT, "vllm-llm", (p) => {
          const args: string[] = p.spec.template.spec.containers[0].args;
          args[args.indexOf("--gpu-memory-utilization") + 1] = "0.6";
        }),
        "vllm-kv-cache-fits-max-model-len",
      );
      assert.match(
        only(v, "vllm-kv-cache-fits-max-model-len"),
        /Deployment llm-inference\/vllm-llm: util 0\.6 × 9\.78 GiB leaves no KV cache at the pessimistic end after weights 5\.\d\d GiB/,
      );
    });
  });

  describe("the seed's literal plan (time-slicing 4 on 2 RTX 3080, 9.78 GiB each)", () => {
    let seed: StackPlan;
    let violations: Awaited<ReturnType<typeof evaluate>>;
    beforeEach(async () => {
      seed = await planStack("seed-literal", exampleConfig("examples/Pulumi.seed-literal.yaml"));
      violations = await evaluate(seed, "gpu-slices-within-host", "gpu-memory-per-card", "vllm-kv-cache-fits-max-model-len", "gpu-rollout-no-deadlock");
    });

    it("needs more slices than the host has, counting rollout surge pods", () => {
      assert.match(only(violations, "gpu-slices-within-host"), /vllm-chatbot 3 \+ .* = 13 > 8 \(2 GPUs × 4 slices\)/);
    });

    it("overflows a card with four 8B bf16 servers", () => {
      const each = footprint(argsOf(seed.resources, "vllm-chatbot"), RTX_3080);
      assert.match(
        only(violations, "gpu-memory-per-card"),
        new RegExp(
          `gpu card gpu-node/gpu0 \\(9\\.78 GiB\\): vllm-\\w+-\\S+ ${esc(gib(each))} \\+ .* can share it under time-slicing = ${esc(gib(4 * each))}\\. Serve the adapters as LoRA modules.*or set time-slicing replicas to 1\\.`,
        ),
      );
    });

    it("cannot start any 8B bf16 server: 15 GiB of weights leave no KV cache on 9.78 GiB", () => {
      const kv = violationsOf(violations, "vllm-kv-cache-fits-max-model-len");
      assert.equal(kv.length, 4);
      assert.match(kv[0]!.message, /util 0\.9 × 9\.78 GiB leaves no KV cache at the pessimistic end after weights 14\.99 GiB/);
    });

    it("rolls out GPU pods with surge", () => {
      assert.equal(violationsOf(violations, "gpu-rollout-no-deadlock").length, 5);
    });
  });

  describe("time-slicing (the device plugin picks the card: any pods within the slices may meet)", () => {
    it("passes prod's servers on 2 RTX 3090 time-sliced 4 ways: all three fit one card", async () => {
      const plan = gpuPlanOf(sharedVariant({ mode: "time-slicing", replicas: 4 }, RTX_3090));
      assert.deepEqual(
        (await evaluateGpu(plan)).filter((v) => v.level === "mandatory"),
        [],
      );
      const gpu = planGpus(plan.resources, plan.host);
      assert.equal(gpu.cards[0]!.worstCase.length, 3);
      assert.ok(sumOf(gpu.cards[0]!.worstCase) <= lookupGpu(RTX_3090).usableMemoryGiB);
    });

    it("refuses the same on RTX 3080 (one change), suggesting the time-slicing replicas that fit", async () => {
      const plan = gpuPlanOf(sharedVariant({ mode: "time-slicing", replicas: 4 }, RTX_3080));
      const fp = ["llm", "embedding", "reranker"].map((s) => footprint(argsOf(plan.resources, `vllm-${s}`), RTX_3080));
      const total = fp.reduce((a, b) => a + b, 0);
      assert.ok(total > 9.78);
      // Largest first: the llm alone fits 9.78 GiB, the llm and one pooling server do not.
      assert.ok(fp[0]! <= 9.78 && fp[0]! + fp[1]! > 9.78);
      assert.match(
        only(await evaluateGpu(plan), "gpu-memory-per-card"),
        new RegExp(
          `gpu card gpu-node/gpu0 \\(9\\.78 GiB\\): vllm-llm-0 ${esc(gib(fp[0]!))} \\+ vllm-embedding-0 ${esc(gib(fp[1]!))} \\+ vllm-reranker-0 ${esc(gib(fp[2]!))} can share it under time-slicing = ${esc(gib(total))}\\..*or set time-slicing replicas to 1\\.`,
        ),
      );
    });

    it("counts only the slices of a card: with 2 slices per card the worst case is the two largest pods", () => {
      const plan = gpuPlanOf(sharedVariant({ mode: "time-slicing", replicas: 2 }, RTX_3090));
      const gpu = planGpus(plan.resources, plan.host);
      assert.deepEqual(
        gpu.cards[0]!.worstCase.map((p) => p.pod),
        ["vllm-llm-0", "vllm-embedding-0"],
      );
    });

    it("refuses more pods than slices, and accepts exactly as many", async () => {
      // Three GPU pods: 3 slices (one GPU × 3) are enough, 2 (one GPU × 2) are not.
      const exact = gpuPlanOf(sharedVariant({ mode: "time-slicing", replicas: 3 }, RTX_3090, 1));
      assert.deepEqual(violationsOf(await evaluateGpu(exact), "gpu-slices-within-host"), []);
      const short = gpuPlanOf(sharedVariant({ mode: "time-slicing", replicas: 2 }, RTX_3090, 1));
      assert.match(
        only(await evaluateGpu(short), "gpu-slices-within-host"),
        /vllm-llm 1 \+ Deployment llm-inference\/vllm-embedding 1 \+ Deployment llm-inference\/vllm-reranker 1 = 3 > 2 \(1 GPUs × 2 slices\)/,
      );
    });

    it("refuses more than one slice per pod", async () => {
      const plan = gpuPlanOf(sharedVariant({ mode: "time-slicing", replicas: 4 }, RTX_3090));
      const v = await evaluateGpu(mutate(plan, DEPLOYMENT, "vllm-llm", (p) => (p.spec.template.spec.containers[0].resources.limits["nvidia.com/gpu"] = "2")));
      assert.match(only(v, "gpu-limits-whole-slices"), /asks for 2 GPU slices; with time-slicing the device plugin refuses more than 1/);
    });

    it("refuses fractional GPU limits", async () => {
      const plan = gpuPlanOf(sharedVariant({ mode: "time-slicing", replicas: 4 }, RTX_3090));
      const v = await evaluateGpu(mutate(plan, DEPLOYMENT, "vllm-llm", (p) => (p.spec.template.spec.containers[0].resources.limits["nvidia.com/gpu"] = "0.5")));
      assert.match(only(v, "gpu-limits-whole-slices"), /vllm-llm container vllm: GPU limit .* is not a whole number; "0\.5 GPU" is not expressible/);
    });
  });

  describe("MPS (each client capped at card / replicas)", () => {
    it("passes with 2 clients per RTX 3090: every pod within half the card", async () => {
      const plan = gpuPlanOf(sharedVariant({ mode: "mps", replicas: 2 }, RTX_3090));
      assert.deepEqual(
        (await evaluateGpu(plan)).filter((v) => v.level === "mandatory"),
        [],
      );
    });

    it("refuses 4 clients (one change): the llm exceeds a quarter of the card", async () => {
      const plan = gpuPlanOf(sharedVariant({ mode: "mps", replicas: 4 }, RTX_3090));
      const usable = lookupGpu(RTX_3090).usableMemoryGiB;
      const llm = footprint(argsOf(plan.resources, "vllm-llm"), RTX_3090);
      assert.ok(llm > usable / 4 && llm <= usable / 2);
      assert.match(
        only(await evaluateGpu(plan), "gpu-memory-per-card"),
        new RegExp(`MPS caps each of 4 clients at ${esc(gib(usable / 4))}; vllm-llm-0 ${esc(gib(llm))} exceed it`),
      );
    });
  });

  describe("sharing none (one pod per GPU)", () => {
    it("passes prod's three servers on three RTX 3080: each alone on its card", async () => {
      const plan = gpuPlanOf(sharedVariant({ mode: "none" }, RTX_3080, 3));
      assert.deepEqual(
        (await evaluateGpu(plan)).filter((v) => v.level === "mandatory"),
        [],
      );
      assert.ok(planGpus(plan.resources, plan.host).cards.every((c) => c.worstCase.length === 1 && c.fits));
    });

    it("refuses them on two (one change): three pods, two GPUs", async () => {
      const plan = gpuPlanOf(sharedVariant({ mode: "none" }, RTX_3080, 2));
      assert.match(only(await evaluateGpu(plan), "gpu-slices-within-host"), /= 3 > 2 \(2 GPUs × 1 slices\)/);
    });

    it("refuses a pod larger than its GPU", async () => {
      const plan = gpuPlanOf(sharedVariant({ mode: "none" }, RTX_3080, 3));
      const v = await evaluateGpu(
        mutate(plan, DEPLOYMENT, "vllm-llm", (p) => {
          const args: string[] = p.spec.template.spec.containers[0].args;
          args[args.indexOf("--gpu-memory-utilization") + 1] = "1";
        }),
      );
      assert.match(only(v, "gpu-memory-per-card"), /vllm-llm-0 \d+\.\d\d GiB does not fit one GPU/);
    });
  });

  it("assumes the worst for a model outside the catalog and says so", async () => {
    const changed = mutate(prod, DEPLOYMENT, "vllm-llm", (p) => (p.spec.template.spec.containers[0].args[0] = "acme/secret-13b"));
    const plan = planGpus(changed.resources, changed.host);
    assert.match(plan.errors[0]!, /Deployment llm-inference\/vllm-llm: model "acme\/secret-13b" is not in the catalog/);
    const pod = plan.pods.find((p) => p.pod === "vllm-llm-0")!;
    assert.ok(pod.footprintGiB >= 0.55 + 0.92 * 9.78, String(pod.footprintGiB));
  });

  it("does not take the wait-for-gpu-memory init container (the vLLM image running python3) for a server", () => {
    const embedding = prod.resources.find((r) => r.type === DEPLOYMENT && r.props.metadata?.name === "vllm-embedding")!;
    const init = embedding.props.spec.template.spec.initContainers.find((c: any) => c.name === "wait-for-gpu-memory");
    assert.ok(init.image.includes("vllm"));
    assert.equal(vllmArgsOf(init), undefined);
    assert.ok(vllmArgsOf(embedding.props.spec.template.spec.containers[0])!.includes("--revision"));
    assert.deepEqual(vllmArgsOf({ image: "acme/runtime:1", command: ["python3", "-m", "vllm.entrypoints.openai.api_server"], args: ["--model", "x"] }), [
      "--model",
      "x",
    ]);
    assert.deepEqual(vllmArgsOf({ image: "acme/runtime:1", command: ["vllm"], args: ["serve", "m"] }), ["m"]);
  });
});
