import { strict as assert } from "node:assert";
import {
  estimateMemory,
  holdsGuaranteed,
  lookupModel,
  maxGpuMemoryUtilization,
  minGpuMemoryUtilization,
  startupFreeMemoryCheck,
  type EstimateInput,
} from "@llm-platform/capacity";

const GiB = 2 ** 30;
// Catalog entries are looked up inside the tests, never while mocha loads the file (StrykerJS would count that as static coverage).
function llm(util: number, totalMemoryGiB = 9.78, extra: Partial<EstimateInput["vllm"]> = {}): EstimateInput {
  const awq = lookupModel("hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4");
  return {
    model: awq.architecture,
    dtype: awq.dtype,
    quantization: awq.quantization,
    gpu: { totalMemoryGiB, product: "NVIDIA-GeForce-RTX-3080" },
    vllm: {
      tensorParallelSize: 1,
      gpuMemoryUtilization: util,
      maxModelLen: 8192,
      maxNumSeqs: 8,
      maxNumBatchedTokens: 2048,
      kvCacheDtype: "auto",
      enforceEager: true,
      ...extra,
    },
  };
}

function embed(util: number): EstimateInput {
  const bge = lookupModel("BAAI/bge-m3");
  return {
    ...llm(util),
    model: bge.architecture,
    dtype: bge.dtype,
    quantization: bge.quantization,
    vllm: { ...llm(util).vllm, maxNumSeqs: 16, maxNumBatchedTokens: 8192 },
  };
}

const at = (input: EstimateInput, u: number) => estimateMemory({ ...input, vllm: { ...input.vllm, gpuMemoryUtilization: u } });
const r2 = (x: number) => Math.round(x * 100) / 100;

describe("auto utilization at the pessimistic end", () => {
  it("finds the smallest utilization whose guaranteed KV holds N sequences, one step above failing", () => {
    for (const concurrency of [1, 2]) {
      const u = minGpuMemoryUtilization(llm(1), { maxModelLen: 8192, concurrency })!;
      assert.ok(at(llm(1), u).kvCacheTokensGuaranteed >= 8192 * concurrency);
      assert.ok(at(llm(1), r2(u - 0.01)).kvCacheTokensGuaranteed < 8192 * concurrency);
    }
    assert.equal(minGpuMemoryUtilization(llm(1), { maxModelLen: 8192, concurrency: 4 }), undefined, "four 8k sequences need more than one 9.78 GiB card");
  });

  it("holdsGuaranteed compares against exactly maxModelLen × concurrency", () => {
    const e = at(llm(1), 0.9);
    const tokens = e.kvCacheTokensGuaranteed;
    assert.equal(holdsGuaranteed(llm(0.9), e, { maxModelLen: tokens, concurrency: 1 }), true);
    assert.equal(holdsGuaranteed(llm(0.9), e, { maxModelLen: tokens + 1, concurrency: 1 }), false);
    assert.equal(holdsGuaranteed(llm(0.9), e, { maxModelLen: tokens / 2, concurrency: 2 }), true);
    const enc = at(embed(1), 0.3);
    assert.equal(holdsGuaranteed(embed(0.3), enc, { maxModelLen: 8192, concurrency: 1 }), true);
    assert.equal(holdsGuaranteed(embed(0.2), at(embed(1), 0.2), { maxModelLen: 8192, concurrency: 1 }), false);
  });

  it("uses the room a card would leave idle: a 24 GiB card alone gets far more than the minimum", () => {
    const big = llm(1, 23.69, {});
    const min = minGpuMemoryUtilization(big, { maxModelLen: 8192, concurrency: 1 })!;
    const max = maxGpuMemoryUtilization(big)!;
    assert.ok(min < 0.4, String(min));
    assert.ok(max > 0.95, String(max));
    assert.ok(23.69 - at(big, max).deviceFootprintGiBPessimistic < 0.237, "less than one 0.01 step left idle");
  });

  it("stops exactly where the card is full beside its neighbours", () => {
    for (const neighbours of [[], [1.2], [2.5, 1.1]]) {
      const u = maxGpuMemoryUtilization(llm(1), neighbours)!;
      const sum = neighbours.reduce((s, x) => s + x, 0);
      assert.ok(at(llm(1), u).deviceFootprintGiBPessimistic + sum <= 9.78);
      assert.ok(at(llm(1), r2(u + 0.01)).deviceFootprintGiBPessimistic + sum > 9.78);
    }
  });

  it("fits a card filled to the byte and refuses one byte more", () => {
    const full = 9.78 - at(llm(1), 0.5).deviceFootprintGiBPessimistic;
    assert.equal(maxGpuMemoryUtilization(llm(1), [full]), 0.5);
    assert.equal(maxGpuMemoryUtilization(llm(1), [full + 1 / GiB]), 0.49);
    assert.equal(maxGpuMemoryUtilization(llm(1), [9.78]), undefined);
    assert.equal(maxGpuMemoryUtilization(llm(1), [9.78 - at(llm(1), 0.01).deviceFootprintGiBPessimistic]), 0.01);
  });

  it("caps the utilization at 1.0", () => {
    assert.equal(maxGpuMemoryUtilization({ ...llm(1), vllm: { ...llm(1).vllm } }, [-5]), 1);
  });
});

describe("vLLM's start-up free-memory check (v1/worker/utils.py request_memory)", () => {
  it("passes when free memory after the process's own context equals the request, fails one byte short", () => {
    const server = llm(0.5);
    const requested = Math.ceil(0.5 * 9.78 * GiB) / GiB;
    const context = 0.55 + 0.15; // pessimistic CUDA context at TP=1
    const resident = 9.78 - context - requested;
    const [ok] = startupFreeMemoryCheck([{ name: "llm", input: server }], [{ name: "other", footprintGiB: resident }]);
    assert.ok(Math.abs(ok!.requestedGiB - requested) < 1e-12);
    assert.ok(Math.abs(ok!.freeAtStartGiB - requested) < 1e-9);
    assert.equal(ok!.passes, true);
    assert.equal(ok!.message, undefined);
    const [short] = startupFreeMemoryCheck([{ name: "llm", input: server }], [{ name: "other", footprintGiB: resident + 1 / GiB }]);
    assert.equal(short!.passes, false);
    assert.match(short!.message!, /^Free memory on device \(.* GiB\) on startup is less than desired GPU memory utilization \(0\.5, 4\.89 GiB\)$/);
  });

  it("counts each started server's pessimistic footprint for those after it, in start order", () => {
    const servers = [
      { name: "embedding", input: embed(0.22) },
      { name: "llm", input: llm(0.6) },
    ];
    const steps = startupFreeMemoryCheck(servers);
    assert.equal(steps[0]!.passes, true);
    const embedFootprint = at(embed(1), 0.22).deviceFootprintGiBPessimistic;
    assert.ok(Math.abs(steps[1]!.freeAtStartGiB - (9.78 - embedFootprint - 0.7)) < 1e-9);
    assert.equal(steps[1]!.passes, true);
    // The llm asking for 0.8 of the card no longer passes beside the embedder.
    const greedy = startupFreeMemoryCheck([servers[0]!, { name: "llm", input: llm(0.8) }]);
    assert.equal(greedy[1]!.passes, false);
    // Alone, it does.
    assert.equal(startupFreeMemoryCheck([{ name: "llm", input: llm(0.8) }])[0]!.passes, true);
  });

  it("charges the larger CUDA context (NCCL) at TP ≥ 2", () => {
    const [step] = startupFreeMemoryCheck([{ name: "tp", input: llm(0.5, 9.78, { tensorParallelSize: 2 }) }]);
    assert.ok(Math.abs(step!.freeAtStartGiB - (9.78 - 1.6 - 0.45)) < 1e-9);
    const [four] = startupFreeMemoryCheck([{ name: "tp4", input: llm(0.5, 9.78, { tensorParallelSize: 4 }) }]);
    assert.ok(Math.abs(four!.freeAtStartGiB - (9.78 - 1.6 - 0.9)) < 1e-9);
  });
});

describe("planning at the ends of the utilization grid", () => {
  it("answers 1.0 when only the whole card holds the wanted tokens", () => {
    const whole = at(llm(1), 1).kvCacheTokensGuaranteed;
    assert.ok(at(llm(1), 0.99).kvCacheTokensGuaranteed < whole, "0.99 guarantees fewer tokens");
    assert.equal(minGpuMemoryUtilization(llm(1), { maxModelLen: whole, concurrency: 1 }), 1);
    assert.equal(minGpuMemoryUtilization(llm(1), { maxModelLen: whole + 16, concurrency: 1 }), undefined);
  });

  it("checks the card on the grid, not only the solved guess: a sub-byte overfill costs a step", () => {
    // 1e-11 GiB (0.01 bytes) over a full card is below the guess's rounding slack; the check on the grid catches it.
    const full = 9.78 - at(llm(1), 0.5).deviceFootprintGiBPessimistic;
    assert.equal(maxGpuMemoryUtilization(llm(1), [full]), 0.5);
    assert.equal(maxGpuMemoryUtilization(llm(1), [full + 1e-11]), 0.49);
  });

  it("adds up every neighbour's footprint", () => {
    const full = 9.78 - at(llm(1), 0.5).deviceFootprintGiBPessimistic;
    assert.equal(maxGpuMemoryUtilization(llm(1), [full / 4, full / 4, full / 2]), 0.5);
    assert.equal(maxGpuMemoryUtilization(llm(1), [full / 2, full / 2 + 0.1]), 0.48);
  });
});
