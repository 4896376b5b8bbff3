import { strict as assert } from "node:assert";
import { evaluate, exampleConfig, mutate, planStack, violationsOf, type StackPlan } from "../fixtures/plans";
import { planGpus } from "../../policies/gpuPlan";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";

function only(violations: { policy: string; message: string }[], policy: string): string {
  const found = violationsOf(violations as any, policy);
  assert.equal(found.length, 1, `expected one ${policy} violation, got ${JSON.stringify(violations.map((v) => v.policy))}`);
  return found[0]!.message;
}

describe("GPU policies", () => {
  let prod: StackPlan;
  before(async () => {
    prod = await planStack("prod");
  });

  it("pass the prod plan: both servers fit one 10 GiB card together", async () => {
    const violations = await evaluate(prod);
    const gpu = violations.filter((v) => /gpu|vllm/.test(v.policy));
    assert.deepEqual(gpu, []);
    const plan = planGpus(prod.resources, prod.host);
    assert.equal(plan.slicesRequested, 2);
    assert.equal(plan.slicesTotal, 8);
    assert.equal(plan.cards.length, 2);
    assert.ok(plan.cards[0]!.fits && plan.cards[0]!.totalGiB <= 10, JSON.stringify(plan.cards[0]));
    assert.deepEqual(plan.cards[0]!.worstCase.map((p) => p.pod).sort(), ["vllm-embedding-0", "vllm-llm-0"]);
  });

  describe("the seed's literal plan", () => {
    let violations: Awaited<ReturnType<typeof evaluate>>;
    before(async () => {
      violations = await evaluate(await planStack("seed-literal", exampleConfig("examples/Pulumi.seed-literal.yaml")));
    });

    it("needs more slices than the host has, counting rollout surge pods", () => {
      assert.match(only(violations, "gpu-slices-within-host"), /vllm-chatbot 3 \+ .* = 13 > 8 \(2 GPUs × 4 slices\)/);
    });

    it("overflows a card with four 8B bf16 servers", () => {
      assert.match(
        only(violations, "gpu-memory-per-card"),
        /gpu card gpu-node\/gpu0 \(10\.0 GiB\): vllm-\w+-\S+ 10\.6 GiB \+ .* can share it under time-slicing = 42\.3 GiB\. Serve the adapters as LoRA modules/,
      );
    });

    it("cannot start any 8B bf16 server: no KV cache is left", () => {
      const kv = violationsOf(violations, "vllm-kv-cache-fits-max-model-len");
      assert.equal(kv.length, 4);
      assert.match(kv[0]!.message, /util 0\.9 × 10 GiB leaves no KV cache after weights 14\.99 GiB/);
    });

    it("rolls out GPU pods with surge", () => {
      assert.equal(violationsOf(violations, "gpu-rollout-no-deadlock").length, 5);
    });
  });

  it("refuses a second replica of the 8B server under time-slicing", async () => {
    const v = await evaluate(mutate(prod, DEPLOYMENT, "vllm-llm", (p) => (p.spec.replicas = 2)));
    assert.match(only(v, "gpu-memory-per-card"), /vllm-llm-0 7\.\d GiB \+ vllm-llm-1 7\.\d GiB \+ vllm-embedding-0 2\.\d GiB .* = 1[67]\.\d GiB/);
  });

  it("refuses a utilization that leaves no room for one max-model-len sequence", async () => {
    const v = await evaluate(
      mutate(prod, DEPLOYMENT, "vllm-llm", (p) => {
        const args: string[] = p.spec.template.spec.containers[0].args;
        args[args.indexOf("--gpu-memory-utilization") + 1] = "0.6";
      }),
    );
    assert.match(only(v, "vllm-kv-cache-fits-max-model-len"), /Deployment llm-inference\/vllm-llm: KV cache holds \d+ tokens < --max-model-len 8192/);
  });

  it("refuses fractional GPU limits", async () => {
    const v = await evaluate(mutate(prod, DEPLOYMENT, "vllm-llm", (p) => (p.spec.template.spec.containers[0].resources.limits["nvidia.com/gpu"] = "0.5")));
    assert.match(only(v, "gpu-limits-whole-slices"), /vllm-llm container vllm: GPU limit .* is not a whole number; "0\.5 GPU" is not expressible/);
  });

  it("refuses more than one slice per pod under time-slicing", async () => {
    const v = await evaluate(mutate(prod, DEPLOYMENT, "vllm-llm", (p) => (p.spec.template.spec.containers[0].resources.limits["nvidia.com/gpu"] = "2")));
    assert.match(only(v, "gpu-limits-whole-slices"), /asks for 2 GPU slices; with time-slicing the device plugin refuses more than 1/);
  });

  it("refuses a RollingUpdate with surge on a GPU Deployment, accepts maxSurge 0", async () => {
    const surge = await evaluate(mutate(prod, DEPLOYMENT, "vllm-llm", (p) => (p.spec.strategy = { type: "RollingUpdate" })));
    assert.match(only(surge, "gpu-rollout-no-deadlock"), /rolling update adds 1 GPU pod\(s\).*maxSurge: 0/);
    const noSurge = await evaluate(mutate(prod, DEPLOYMENT, "vllm-llm", (p) => (p.spec.strategy = { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } })));
    assert.deepEqual(violationsOf(noSurge, "gpu-rollout-no-deadlock"), []);
  });

  it("counts replicas against the slices of a smaller host", async () => {
    const host = { ...prod.host, nodes: [{ ...prod.host.nodes[0]!, gpus: 1 }], sharing: { mode: "time-slicing" as const, replicas: 1 } };
    const v = await evaluate({ resources: prod.resources, host });
    assert.match(only(v, "gpu-slices-within-host"), /= 2 > 1 \(1 GPUs × 1 slices\)/);
  });

  it("caps each client at card / replicas under MPS", async () => {
    const v = await evaluate({ resources: prod.resources, host: { ...prod.host, sharing: { mode: "mps", replicas: 4 } } });
    assert.match(only(v, "gpu-memory-per-card"), /MPS caps each of 4 clients at 2\.5 GiB; vllm-llm-0 7\.\d GiB exceed it/);
  });

  it("fits one pod per GPU with sharing none", async () => {
    const v = await evaluate({ resources: prod.resources, host: { ...prod.host, sharing: { mode: "none", replicas: 1 } } });
    assert.deepEqual(violationsOf(v, "gpu-memory-per-card"), []);
    assert.deepEqual(violationsOf(v, "gpu-slices-within-host"), []);
  });

  it("assumes the worst for a model outside the catalog and says so", async () => {
    const changed = mutate(prod, DEPLOYMENT, "vllm-llm", (p) => (p.spec.template.spec.containers[0].args[0] = "acme/secret-13b"));
    const plan = planGpus(changed.resources, changed.host);
    assert.match(plan.errors[0]!, /Deployment llm-inference\/vllm-llm: model "acme\/secret-13b" is not in the catalog/);
    const pod = plan.pods.find((p) => p.pod === "vllm-llm-0")!;
    assert.ok(pod.footprintGiB >= 0.55 + 6.5, String(pod.footprintGiB));
  });

  it("treats a non-vLLM GPU pod as using the whole card", async () => {
    const changed = mutate(prod, DEPLOYMENT, "vllm-embedding", (p) => (p.spec.template.spec.containers[0].image = "ghcr.io/acme/trainer:1.0"));
    const v = await evaluate(changed);
    assert.match(only(v, "gpu-memory-per-card"), /vllm-embedding-0 10\.0 GiB/);
  });
});
