import { strict as assert } from "node:assert";
import {
  CapacityInputError,
  estimateInputFromArgs,
  estimateMemory,
  fitsOneSequence,
  lookupModel,
  minGpuMemoryUtilization,
  MODEL_CATALOG,
  renderVllmArgs,
  serversPerCard,
  type EstimateInput,
} from "@llm-platform/capacity";

function llama(overrides: Partial<EstimateInput["vllm"]> = {}, totalMemoryGiB = 79.19): EstimateInput {
  const entry = lookupModel("meta-llama/Llama-3.1-8B-Instruct");
  return {
    model: entry.architecture,
    dtype: entry.dtype,
    quantization: entry.quantization,
    gpu: { totalMemoryGiB },
    vllm: { tensorParallelSize: 1, gpuMemoryUtilization: 0.9, maxModelLen: 8192, kvCacheDtype: "auto", enforceEager: false, ...overrides },
  };
}

describe("capacity model invariants", () => {
  it("grows the KV cache with utilization and never the weights", () => {
    const low = estimateMemory(llama({ gpuMemoryUtilization: 0.5 }));
    const high = estimateMemory(llama({ gpuMemoryUtilization: 0.9 }));
    assert.ok(high.kvCacheGiB > low.kvCacheGiB);
    assert.equal(high.weightsGiB, low.weightsGiB);
    assert.ok(high.deviceFootprintGiB - low.deviceFootprintGiB > 0.39 * 79);
  });

  it("halves the weights per GPU with tensor parallelism 2", () => {
    const one = estimateMemory(llama()).weightsGiB;
    const two = estimateMemory(llama({ tensorParallelSize: 2 })).weightsGiB;
    assert.ok(Math.abs(two - one / 2) < 0.05, `${two} vs ${one / 2}`);
  });

  it("doubles KV tokens per GiB with an fp8 KV cache", () => {
    const auto = estimateMemory(llama());
    const fp8 = estimateMemory(llama({ kvCacheDtype: "fp8" }));
    assert.equal(fp8.kvBytesPerToken * 2, auto.kvBytesPerToken);
    assert.ok(Math.abs(fp8.kvCacheTokens / auto.kvCacheTokens - 2) < 0.001);
  });

  it("keeps no CUDA graphs with enforce-eager", () => {
    assert.equal(estimateMemory(llama({ enforceEager: true })).cudaGraphGiB, 0);
    assert.ok(estimateMemory(llama()).cudaGraphGiB > 0.5);
  });

  it("counts footprint as context + utilization × card + graphs", () => {
    const e = estimateMemory(llama({ gpuMemoryUtilization: 0.8 }, 10));
    assert.ok(Math.abs(e.deviceFootprintGiB - (e.cudaContextGiB + 8 + e.cudaGraphGiB)) < 1e-9);
  });

  it("shows that Llama-3.1-8B bf16 cannot start on a 10 GiB card", () => {
    const e = estimateMemory(llama({}, 10));
    assert.ok(e.weightsGiB > 14.9);
    assert.equal(e.fitsMaxModelLen, false);
    assert.equal(e.kvCacheTokens, 0);
    assert.equal(minGpuMemoryUtilization(llama({}, 10), { maxModelLen: 8192, concurrency: 1 }), undefined);
  });

  it("keeps 16-bit embeddings and LM head in 4-bit builds", () => {
    const awq = lookupModel("hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4");
    const e = estimateMemory({ ...llama({}, 10), model: awq.architecture, dtype: awq.dtype, quantization: awq.quantization });
    // 2 × 128256 × 4096 × 2 bytes of embeddings + LM head alone are 1.96 GiB.
    assert.ok(e.weightsGiB > 5.2 && e.weightsGiB < 5.5, String(e.weightsGiB));
  });

  it("adds LoRA buffers of ~80 MiB per rank-16 slot for an 8B Llama", () => {
    const e = estimateMemory(llama({ maxLoras: 2, maxLoraRank: 16 }));
    assert.ok(e.loraGiB > 0.15 && e.loraGiB < 0.17, String(e.loraGiB));
    assert.ok(estimateMemory(llama()).kvCacheGiB - e.kvCacheGiB > 0.15);
  });

  it("gives encoders no KV cache", () => {
    const bge = lookupModel("BAAI/bge-m3");
    const e = estimateMemory({ ...llama({ gpuMemoryUtilization: 0.2 }, 10), model: bge.architecture, dtype: bge.dtype, quantization: bge.quantization });
    assert.equal(e.kvCacheTokens, 0);
    assert.equal(e.kvBytesPerToken, 0);
    assert.ok(e.weightsGiB > 1 && e.weightsGiB < 1.1);
    assert.equal(e.fitsMaxModelLen, true);
  });
});

describe("planning questions", () => {
  // The catalog entry is read from MODEL_CATALOG, not through lookupModel: nothing of the capacity package
  // runs while mocha loads the file (StrykerJS would count that as static coverage).
  const awq = MODEL_CATALOG["hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4"]!;
  const small: EstimateInput = {
    model: awq.architecture,
    dtype: awq.dtype,
    quantization: awq.quantization,
    gpu: { totalMemoryGiB: 10 },
    vllm: {
      tensorParallelSize: 1,
      gpuMemoryUtilization: 0.9,
      maxModelLen: 8192,
      maxNumSeqs: 8,
      maxNumBatchedTokens: 2048,
      kvCacheDtype: "fp8",
      enforceEager: true,
    },
  };

  it("finds the smallest utilization that holds the wanted sequences at the pessimistic end", () => {
    const util = minGpuMemoryUtilization(small, { maxModelLen: 8192, concurrency: 1 })!;
    assert.ok(util > 0.5 && util < 0.85, String(util));
    const at = (u: number) => estimateMemory({ ...small, vllm: { ...small.vllm, gpuMemoryUtilization: u } });
    assert.ok(at(util).kvCacheTokensGuaranteed >= 8192);
    assert.ok(at(Math.round((util - 0.01) * 100) / 100).kvCacheTokensGuaranteed < 8192);
    // The expected end would have been satisfied earlier: the band costs utilization.
    assert.ok(at(Math.round((util - 0.01) * 100) / 100).kvCacheTokens >= 8192);
    const four = minGpuMemoryUtilization(small, { maxModelLen: 8192, concurrency: 4 })!;
    assert.ok(four > util);
  });

  it("answers whether one sequence fits and how many servers share a card", () => {
    assert.equal(fitsOneSequence(small), true);
    assert.equal(fitsOneSequence({ ...small, vllm: { ...small.vllm, gpuMemoryUtilization: 0.5 } }), false);
    const util = minGpuMemoryUtilization(small, { maxModelLen: 8192, concurrency: 1 })!;
    assert.equal(serversPerCard({ ...small, vllm: { ...small.vllm, gpuMemoryUtilization: util } }), 1);
    assert.equal(serversPerCard({ ...small, vllm: { ...small.vllm, gpuMemoryUtilization: Math.round((util - 0.01) * 100) / 100 } }), 0);
    const bge = lookupModel("BAAI/bge-m3");
    assert.ok(
      serversPerCard({
        ...small,
        model: bge.architecture,
        dtype: bge.dtype,
        quantization: bge.quantization,
        vllm: { ...small.vllm, gpuMemoryUtilization: 0.2 },
      }) >= 3,
    );
  });

  it("reads the same numbers back from a vLLM command line", () => {
    const args = renderVllmArgs({
      model: "hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4",
      servedModelNames: ["llm"],
      task: "generate",
      dtype: "float16",
      quantization: "awq_marlin",
      maxModelLen: 8192,
      maxNumSeqs: 8,
      maxNumBatchedTokens: 2048,
      gpuMemoryUtilization: 0.9,
      kvCacheDtype: "fp8",
      enforceEager: true,
      tensorParallelSize: 1,
      port: 8000,
      extraArgs: [],
    });
    assert.deepEqual(estimateInputFromArgs(args, 10), {
      ...small,
      id: "hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4",
      vllm: { ...small.vllm, maxLoras: 0, maxLoraRank: undefined },
    });
  });
});

describe("command line with the card's product label", () => {
  it("carries the product into the estimate input, narrowing the band on a known card", () => {
    const args = ["hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4", "--max-model-len", "8192", "--kv-cache-dtype", "fp8", "--enforce-eager"];
    const known = estimateInputFromArgs(args, 9.78, "NVIDIA-GeForce-RTX-3080");
    assert.deepEqual(known.gpu, { totalMemoryGiB: 9.78, product: "NVIDIA-GeForce-RTX-3080" });
    assert.deepEqual(estimateInputFromArgs(args, 9.78).gpu, { totalMemoryGiB: 9.78 });
    const band = (i: EstimateInput) => estimateMemory(i).errorBand.terms.map((t) => t.name);
    assert.ok(band(estimateInputFromArgs(args, 9.78)).includes("attention workspace"));
    assert.ok(!band(known).includes("attention workspace"));
  });
});

describe("capacity input errors", () => {
  it("names the field", () => {
    assert.throws(
      () => estimateMemory(llama({ gpuMemoryUtilization: 1.5 })),
      (e: unknown) => e instanceof CapacityInputError && /vllm\.gpuMemoryUtilization must be in \(0, 1\]/.test(e.message),
    );
    assert.throws(() => estimateMemory(llama({ tensorParallelSize: 3 })), /tensorParallelSize 3 does not divide model.numAttentionHeads 32/);
    assert.throws(() => estimateMemory({ ...llama(), quantization: { method: "int3" } as never }), /quantization.method must be/);
    assert.throws(() => lookupModel("acme/none"), /not in the catalog; known: .*BAAI\/bge-m3/);
  });
});

describe("model catalog", () => {
  for (const [id, entry] of Object.entries(MODEL_CATALOG)) {
    it(`${id} is consistent`, () => {
      const a = entry.architecture;
      assert.equal(a.name, id);
      assert.equal(a.numAttentionHeads % a.numKeyValueHeads, 0, "GQA groups divide the heads");
      assert.ok(a.numParameters > a.vocabSize * a.hiddenSize, "parameters exceed the embeddings");
      if (entry.kind === "decoder")
        assert.equal(
          a.headDim * a.numAttentionHeads,
          a.hiddenSize === 3584 || a.hiddenSize === 3072 || a.hiddenSize === 8192 || a.hiddenSize === 4096 ? a.numAttentionHeads * 128 : a.hiddenSize,
        );
      if (entry.task === "embed") assert.ok(entry.embeddingDimension);
      if (entry.kind === "encoder") assert.notEqual(entry.task, "generate");
      assert.ok(
        MODEL_CATALOG[entry.baseModel] === undefined || MODEL_CATALOG[entry.baseModel]!.quantization.method === "none",
        `${id}: the base is a 16-bit build`,
      );
    });
  }

  it("matches the architectures of the calibration runs", () => {
    const cases = require("../../capacity/data/vllm-memory-calibration.json") as { model: Record<string, unknown> }[];
    for (const c of cases) {
      const entry = MODEL_CATALOG[c.model.name as string]!;
      assert.ok(entry, `${String(c.model.name)} is in the catalog`);
      for (const [key, value] of Object.entries(c.model)) assert.equal((entry.architecture as any)[key], value, `${String(c.model.name)}.${key}`);
    }
  });
});
