import { strict as assert } from "node:assert";
import {
  ERROR_BAND_MARGINS,
  FLASHINFER_WORKSPACE_GiB,
  attentionBackendOf,
  estimateMemory,
  kvBytesPerToken,
  lookupModel,
  type EstimateInput,
} from "@llm-platform/capacity";

const GiB = 2 ** 30;
/** The prod `llm` server of issue #14 on the seed host's card (looked up per call: nothing runs while mocha loads the file). */
function prodLlm(
  vllm: Partial<EstimateInput["vllm"]> = {},
  gpu: EstimateInput["gpu"] = { totalMemoryGiB: 9.78, product: "NVIDIA-GeForce-RTX-3080" },
): EstimateInput {
  const awq = lookupModel("hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4");
  return {
    model: awq.architecture,
    dtype: awq.dtype,
    quantization: awq.quantization,
    gpu,
    vllm: {
      tensorParallelSize: 1,
      gpuMemoryUtilization: 0.65,
      maxModelLen: 8192,
      maxNumSeqs: 8,
      maxNumBatchedTokens: 2048,
      kvCacheDtype: "fp8",
      enforceEager: true,
      ...vllm,
    },
  };
}

describe("error band: the pessimistic ends", () => {
  it("reproduces issue #14's 5,984 expected KV tokens at 9.78 GiB and guarantees none of them", () => {
    const e = estimateMemory(prodLlm({}, { totalMemoryGiB: 9.78 }));
    assert.equal(e.kvCacheTokens, 5984);
    assert.equal(e.fitsMaxModelLen, false);
    assert.ok(e.kvCacheGiBGuaranteed < 0);
    assert.equal(e.kvCacheTokensGuaranteed, 0);
    assert.equal(e.fitsMaxModelLenGuaranteed, false);
  });

  it("adds the reasoned margins term by term on a known card (derived independently)", () => {
    const input = prodLlm({ kvCacheDtype: "auto", gpuMemoryUtilization: 0.9 });
    const e = estimateMemory(input);
    assert.equal(attentionBackendOf(input), "FLASH_ATTN");
    const m = ERROR_BAND_MARGINS;
    const expected = 150 / 1024 + 0.01 * e.weightsGiB + 0.1 * e.activationGiB + 0.1 + 0.15;
    assert.ok(Math.abs(e.errorBand.nonKvGiB - expected) < 1e-12, `${e.errorBand.nonKvGiB} vs ${expected}`);
    assert.equal(m.allocatorSlackGiB, 150 / 1024);
    assert.deepEqual(
      e.errorBand.terms.map((t) => t.name),
      ["allocator slack", "weights", "activation peak", "non-torch memory", "uncalibrated GPU", "CUDA context (footprint)"],
    );
    assert.ok(Math.abs(e.kvCacheGiBGuaranteed - (e.kvCacheGiB - expected)) < 1e-9);
    const perBlock = 2 * 32 * 8 * 128 * 2 * 16; // layers × KV heads × head dim × fp16 × 16-token blocks
    assert.equal(e.kvCacheTokensGuaranteed, Math.floor((e.kvCacheGiBGuaranteed * GiB) / perBlock) * 16);
    assert.ok(Math.abs(e.deviceFootprintGiBPessimistic - (e.deviceFootprintGiB + 0.15)) < 1e-12);
  });

  it("counts FlashInfer's 394 MiB workspace in the expected memory when the card needs FlashInfer for fp8 KV", () => {
    const auto = estimateMemory(prodLlm({ kvCacheDtype: "auto", gpuMemoryUtilization: 0.9 }));
    const fp8 = estimateMemory(prodLlm({ kvCacheDtype: "fp8", gpuMemoryUtilization: 0.9 }));
    assert.ok(Math.abs(fp8.activationGiB - auto.activationGiB - 394 / 1024) < 1e-12);
    assert.equal(FLASHINFER_WORKSPACE_GiB, 394 / 1024);
    assert.ok(!fp8.errorBand.terms.some((t) => t.name === "attention workspace"));
  });

  it("adds the workspace to the band when the backend is unknown, and drops the GPU term on the calibrated H100", () => {
    const unknown = estimateMemory(prodLlm({ kvCacheDtype: "auto" }, { totalMemoryGiB: 9.78 }));
    assert.equal(unknown.errorBand.terms.find((t) => t.name === "attention workspace")!.GiB, 394 / 1024);
    assert.ok(unknown.errorBand.terms.some((t) => t.name === "uncalibrated GPU"));
    const h100 = estimateMemory(prodLlm({ kvCacheDtype: "auto" }, { totalMemoryGiB: 79.11, product: "NVIDIA-H100-80GB-HBM3" }));
    assert.ok(!h100.errorBand.terms.some((t) => t.name === "uncalibrated GPU"));
    assert.ok(!h100.errorBand.terms.some((t) => t.name === "attention workspace"));
    const configured = estimateMemory(prodLlm({ kvCacheDtype: "auto", attentionBackend: "TRITON_ATTN" }, { totalMemoryGiB: 9.78 }));
    assert.ok(!configured.errorBand.terms.some((t) => t.name === "attention workspace"));
    // An unknown product label: no backend can be derived.
    assert.equal(attentionBackendOf(prodLlm({}, { totalMemoryGiB: 9.78, product: "NVIDIA-Unknown" })), undefined);
  });

  it("widens the band at TP ≥ 2 (NCCL buffers) and for the CUDA context", () => {
    const tp2 = estimateMemory(prodLlm({ tensorParallelSize: 2, kvCacheDtype: "auto", gpuMemoryUtilization: 0.9 }));
    assert.equal(tp2.errorBand.terms.find((t) => t.name === "non-torch memory")!.GiB, 0.4);
    assert.ok(Math.abs(tp2.deviceFootprintGiBPessimistic - tp2.deviceFootprintGiB - 0.45) < 1e-12);
    const tp4 = estimateMemory(prodLlm({ tensorParallelSize: 4, kvCacheDtype: "auto", gpuMemoryUtilization: 0.9 }));
    assert.equal(tp4.errorBand.terms.find((t) => t.name === "non-torch memory")!.GiB, 0.8);
    assert.ok(Math.abs(tp4.deviceFootprintGiBPessimistic - tp4.deviceFootprintGiB - 0.9) < 1e-12);
    const tp8 = estimateMemory(prodLlm({ tensorParallelSize: 8, kvCacheDtype: "auto", gpuMemoryUtilization: 0.9 }));
    assert.ok(Math.abs(tp8.errorBand.terms.find((t) => t.name === "non-torch memory")!.GiB - 1.2) < 1e-12);
    const tp1 = estimateMemory(prodLlm({ kvCacheDtype: "auto", gpuMemoryUtilization: 0.9 }));
    assert.equal(tp1.errorBand.terms.find((t) => t.name === "non-torch memory")!.GiB, 0.1);
  });

  it("gives 8-bit layouts 3 % on the weights, 16- and 4-bit 1 %", () => {
    const llama = lookupModel("meta-llama/Llama-3.1-8B-Instruct");
    const fp8: EstimateInput = { ...prodLlm({ kvCacheDtype: "auto" }), model: llama.architecture, quantization: { method: "fp8" } };
    const e = estimateMemory(fp8);
    assert.ok(Math.abs(e.errorBand.terms.find((t) => t.name === "weights")!.GiB - 0.03 * e.weightsGiB) < 1e-12);
    const w8 = estimateMemory({ ...fp8, quantization: { method: "w8a8", bits: 8 } });
    assert.ok(Math.abs(w8.errorBand.terms.find((t) => t.name === "weights")!.GiB - 0.03 * w8.weightsGiB) < 1e-12);
    const dense = estimateMemory({ ...fp8, quantization: { method: "none" } });
    assert.ok(Math.abs(dense.errorBand.terms.find((t) => t.name === "weights")!.GiB - 0.01 * dense.weightsGiB) < 1e-12);
  });

  it("adds MoE, LoRA and CUDA-graph terms only when they apply", () => {
    const base = prodLlm({ kvCacheDtype: "auto", gpuMemoryUtilization: 0.9 });
    const plain = estimateMemory(base);
    assert.ok(!plain.errorBand.terms.some((t) => ["MoE workspaces", "LoRA buffers", "CUDA graphs (footprint)"].includes(t.name)));
    const moe = estimateMemory({ ...base, model: { ...base.model, numLocalExperts: 8, numExpertsPerToken: 2 } });
    const moeTerm = moe.errorBand.terms.find((t) => t.name === "MoE workspaces")!;
    assert.ok(Math.abs(moeTerm.GiB - 0.05 * (moe.weightsGiB + moe.activationGiB)) < 1e-12);
    assert.equal(
      estimateMemory({ ...base, model: { ...base.model, numLocalExperts: 1 } }).errorBand.terms.some((t) => t.name === "MoE workspaces"),
      false,
    );
    const lora = estimateMemory({ ...base, vllm: { ...base.vllm, maxLoras: 2, maxLoraRank: 16 } });
    assert.ok(Math.abs(lora.errorBand.terms.find((t) => t.name === "LoRA buffers")!.GiB - 0.05 * lora.loraGiB) < 1e-12);
    const graphs = estimateMemory({ ...base, vllm: { ...base.vllm, enforceEager: false } });
    assert.ok(Math.abs(graphs.deviceFootprintGiBPessimistic - graphs.deviceFootprintGiB - 0.15 - 0.5 * graphs.cudaGraphGiB) < 1e-12);
  });

  it("decides 'one sequence fits' exactly at the guaranteed token count (and the expected one)", () => {
    const e = estimateMemory(prodLlm({ kvCacheDtype: "auto", gpuMemoryUtilization: 0.9 }));
    const at = (maxModelLen: number) => estimateMemory(prodLlm({ kvCacheDtype: "auto", gpuMemoryUtilization: 0.9, maxModelLen }));
    assert.equal(at(e.kvCacheTokensGuaranteed).fitsMaxModelLenGuaranteed, true);
    assert.equal(at(e.kvCacheTokensGuaranteed + 1).fitsMaxModelLenGuaranteed, false);
    assert.equal(at(e.kvCacheTokens).fitsMaxModelLen, true);
    assert.equal(at(e.kvCacheTokens + 1).fitsMaxModelLen, false);
    assert.ok(Math.abs(at(8192).maxConcurrencyGuaranteed - e.kvCacheTokensGuaranteed / 8192) < 1e-12);
  });

  it("rounds guaranteed tokens down to whole blocks of the configured size", () => {
    const input = prodLlm({ kvCacheDtype: "auto", gpuMemoryUtilization: 0.9, blockSize: 32 });
    const e = estimateMemory(input);
    assert.equal(e.kvCacheTokensGuaranteed % 32, 0);
    const perToken = kvBytesPerToken(input);
    assert.equal(e.kvCacheTokensGuaranteed, Math.floor((e.kvCacheGiBGuaranteed * GiB) / (perToken * 32)) * 32);
  });

  it("guarantees an encoder nothing but a budget that holds its pessimistic non-KV memory", () => {
    const bge = lookupModel("BAAI/bge-m3");
    const enc = (u: number) =>
      estimateMemory({
        ...prodLlm({ gpuMemoryUtilization: u, maxNumSeqs: 16, maxNumBatchedTokens: 8192 }),
        model: bge.architecture,
        dtype: bge.dtype,
        quantization: bge.quantization,
      });
    const roomy = enc(0.3);
    assert.equal(roomy.kvCacheGiBGuaranteed, 0);
    assert.equal(roomy.kvCacheTokensGuaranteed, 0);
    assert.equal(roomy.maxConcurrencyGuaranteed, 0);
    assert.equal(roomy.fitsMaxModelLenGuaranteed, true);
    const tight = enc(0.2);
    assert.ok(tight.kvCacheGiBGuaranteed < 0);
    assert.equal(tight.fitsMaxModelLenGuaranteed, false);
    // The expected end still fits at 0.2: the band decides.
    assert.equal(tight.fitsMaxModelLen, true);
  });

  it("never guarantees more KV than it expects, nor a smaller footprint", () => {
    for (const kv of ["auto", "fp8"] as const) {
      for (const u of [0.5, 0.7, 0.9]) {
        const e = estimateMemory(prodLlm({ kvCacheDtype: kv, gpuMemoryUtilization: u }));
        assert.ok(e.kvCacheGiBGuaranteed < e.kvCacheGiB);
        assert.ok(e.kvCacheTokensGuaranteed <= e.kvCacheTokens);
        assert.ok(e.deviceFootprintGiBPessimistic > e.deviceFootprintGiB);
      }
    }
  });
});

describe("error band against the real runs", () => {
  const cases = require("../../capacity/data/vllm-memory-calibration.json") as (EstimateInput & {
    id: string;
    actual: { kvCacheGiB: number; kvCacheTokens: number; initContextGiB: number; cudaGraphGiB: number };
  })[];
  for (const c of cases) {
    it(`${c.id}: guaranteed ends hold`, () => {
      const e = estimateMemory(c);
      assert.ok(e.kvCacheGiBGuaranteed <= c.actual.kvCacheGiB);
      assert.ok(e.kvCacheTokensGuaranteed <= c.actual.kvCacheTokens);
      // The band costs at most 2.5 % of a large pool: it is a margin, not a shrug.
      assert.ok(e.kvCacheGiBGuaranteed > c.actual.kvCacheGiB * 0.975, `${e.kvCacheGiBGuaranteed} vs ${c.actual.kvCacheGiB}`);
      const footprint = c.actual.initContextGiB + c.vllm.gpuMemoryUtilization * c.gpu.totalMemoryGiB + c.actual.cudaGraphGiB;
      assert.ok(e.deviceFootprintGiBPessimistic >= footprint);
    });
  }
});
