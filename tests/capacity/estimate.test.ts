import { strict as assert } from "node:assert";
import {
  CapacityInputError,
  MODEL_CATALOG,
  activationBytes,
  attentionBackendOf,
  cudaContextGiBPessimistic,
  estimateMemory,
  kvBytesPerToken,
  loraBytes,
  schedulerDefaults,
  validateInput,
  weightsBytes,
  type EstimateInput,
  type ModelArchitecture,
} from "@llm-platform/capacity";

/**
 * The estimator's terms, each checked against a value derived by hand from the model's config.json
 * shapes (the numbers in the comments), so a changed operator, a dropped term or a flipped branch shows
 * up as a different byte count. Catalog entries are read inside the tests (nothing of the capacity
 * package runs while mocha loads the file: StrykerJS would count that as static coverage).
 */
const GiB = 2 ** 30;
const LLAMA = "meta-llama/Llama-3.1-8B-Instruct";
const LLAMA_3B = "meta-llama/Llama-3.2-3B-Instruct";
const BGE = "BAAI/bge-m3";
const PROFILE_BASE = 0.18 * GiB;

function arch(id: string): ModelArchitecture {
  return MODEL_CATALOG[id]!.architecture;
}

function input(model: ModelArchitecture, over: Partial<EstimateInput> = {}, vllm: Partial<EstimateInput["vllm"]> = {}): EstimateInput {
  return {
    model,
    dtype: "bfloat16",
    quantization: { method: "none" },
    gpu: { totalMemoryGiB: 23.61, product: "NVIDIA-GeForce-RTX-4090" },
    ...over,
    vllm: {
      tensorParallelSize: 1,
      gpuMemoryUtilization: 0.9,
      maxModelLen: 8192,
      maxNumSeqs: 8,
      maxNumBatchedTokens: 2048,
      kvCacheDtype: "auto",
      enforceEager: true,
      ...vllm,
    },
  };
}

function throwsInput(i: unknown, message: string): void {
  assert.throws(
    () => estimateMemory(i as EstimateInput),
    (e: unknown) => e instanceof CapacityInputError && e.name === "CapacityInputError" && e.message === message,
    message,
  );
}

describe("estimator input validation: every field, with the message naming it", () => {
  it("accepts a complete input and refuses a missing model or vllm block", () => {
    const ok = input(arch(LLAMA));
    assert.doesNotThrow(() => validateInput(ok));
    throwsInput({ ...ok, model: undefined }, "model is required");
    throwsInput({ ...ok, vllm: undefined }, "vllm is required");
  });

  it("requires each architecture field as a positive whole number", () => {
    const fields = [
      "numHiddenLayers",
      "hiddenSize",
      "numAttentionHeads",
      "numKeyValueHeads",
      "headDim",
      "intermediateSize",
      "vocabSize",
      "numParameters",
    ] as const;
    for (const field of fields) {
      const model = arch(LLAMA);
      throwsInput(input({ ...model, [field]: undefined }), `model.${field} is required`);
      throwsInput(input({ ...model, [field]: 0 }), `model.${field} must be a positive whole number (got 0)`);
      throwsInput(input({ ...model, [field]: -1 }), `model.${field} must be a positive whole number (got -1)`);
      throwsInput(input({ ...model, [field]: 2.5 }), `model.${field} must be a positive whole number (got 2.5)`);
      throwsInput(input({ ...model, [field]: Number.POSITIVE_INFINITY }), `model.${field} must be a positive whole number (got Infinity)`);
      throwsInput(input({ ...model, [field]: "32" as never }), `model.${field} must be a positive whole number (got 32)`);
    }
  });

  it("names a wrong dtype, quantization, card size or utilization", () => {
    const ok = input(arch(LLAMA));
    throwsInput({ ...ok, dtype: "int8" }, "dtype must be bfloat16, float16 or float32 (got int8)");
    throwsInput({ ...ok, quantization: undefined }, "quantization.method must be none, fp8, w8a8, gptq or awq (got undefined)");
    throwsInput({ ...ok, quantization: { method: "int4" } }, "quantization.method must be none, fp8, w8a8, gptq or awq (got int4)");
    throwsInput({ ...ok, gpu: undefined }, "gpu.totalMemoryGiB is required");
    throwsInput({ ...ok, gpu: {} }, "gpu.totalMemoryGiB is required");
    throwsInput({ ...ok, gpu: { totalMemoryGiB: 0 } }, "gpu.totalMemoryGiB must be a positive number (got 0)");
    throwsInput({ ...ok, gpu: { totalMemoryGiB: Number.NaN } }, "gpu.totalMemoryGiB must be a positive number (got NaN)");
    assert.doesNotThrow(() => validateInput({ ...ok, gpu: { totalMemoryGiB: 9.78 } }), "a fractional card size is fine");
    for (const util of [0, -0.1, 1.01, Number.NaN]) {
      throwsInput({ ...ok, vllm: { ...ok.vllm, gpuMemoryUtilization: util } }, `vllm.gpuMemoryUtilization must be in (0, 1] (got ${util})`);
    }
    assert.doesNotThrow(() => validateInput({ ...ok, vllm: { ...ok.vllm, gpuMemoryUtilization: 1 } }), "the whole card is allowed");
    assert.doesNotThrow(() => validateInput({ ...ok, vllm: { ...ok.vllm, gpuMemoryUtilization: 0.01 } }));
  });

  it("requires the vLLM counts as positive whole numbers", () => {
    const ok = input(arch(LLAMA));
    for (const field of ["tensorParallelSize", "maxModelLen", "maxNumBatchedTokens", "maxNumSeqs", "blockSize", "maxLoraRank"] as const) {
      throwsInput({ ...ok, vllm: { ...ok.vllm, [field]: 0 } }, `vllm.${field} must be a positive whole number (got 0)`);
      throwsInput({ ...ok, vllm: { ...ok.vllm, [field]: 1.5 } }, `vllm.${field} must be a positive whole number (got 1.5)`);
    }
    assert.doesNotThrow(
      () => validateInput({ ...ok, vllm: { ...ok.vllm, maxNumBatchedTokens: undefined, maxNumSeqs: undefined, blockSize: undefined } }),
      "optional counts may be absent",
    );
  });

  it("treats maxLoras 0 as LoRA off and refuses negative or fractional slots", () => {
    const ok = input(arch(LLAMA));
    assert.doesNotThrow(() => validateInput({ ...ok, vllm: { ...ok.vllm, maxLoras: 0 } }));
    throwsInput({ ...ok, vllm: { ...ok.vllm, maxLoras: -1 } }, "vllm.maxLoras must be a positive whole number (got -1)");
    throwsInput({ ...ok, vllm: { ...ok.vllm, maxLoras: 1.5 } }, "vllm.maxLoras must be a positive whole number (got 1.5)");
  });

  it("takes kvCacheDtype auto, fp8 or absent, nothing else", () => {
    const ok = input(arch(LLAMA));
    throwsInput({ ...ok, vllm: { ...ok.vllm, kvCacheDtype: "fp16" } }, "vllm.kvCacheDtype must be auto or fp8 (got fp16)");
    const absent = { ...ok, vllm: { ...ok.vllm, kvCacheDtype: undefined } } as unknown as EstimateInput;
    assert.doesNotThrow(() => validateInput(absent));
    // Absent means a 16-bit cache (vLLM's "auto"), and on a known card the 16-bit backend.
    assert.equal(kvBytesPerToken(absent), kvBytesPerToken(ok));
    assert.equal(attentionBackendOf(absent), "FLASH_ATTN");
  });
});

describe("weights per GPU, by quantization path (derived from config.json shapes)", () => {
  // Llama-3.1-8B: vocab 128256, hidden 4096, 32 layers, untied embeddings, 8,030,261,248 parameters.
  // 16-bit part: embeddings + LM head 2 × 128256 × 4096 = 1,050,673,152, norms (2 × 32 + 1) × 4096 = 266,240.
  // Linear part: 8,030,261,248 − 1,050,939,392 = 6,979,321,856. Rotary cache: 131072 positions × 128 × 2 B = 33,554,432.
  const ROTARY = 131072 * 128 * 2;

  it("16-bit: every parameter at 2 bytes, split by TP, the rotary cache on every GPU", () => {
    assert.equal(weightsBytes(input(arch(LLAMA))), 8030261248 * 2 + ROTARY);
    assert.equal(weightsBytes(input(arch(LLAMA))), 16094076928);
    assert.equal(weightsBytes(input(arch(LLAMA), {}, { tensorParallelSize: 2 })), (8030261248 * 2) / 2 + ROTARY);
    assert.equal(weightsBytes(input(arch(LLAMA), { dtype: "float32" })), 8030261248 * 4 + 131072 * 128 * 4);
  });

  it("fp8 and w8a8: one byte per linear weight plus a float32 scale per output row", () => {
    // 1,050,939,392 × 2 + 6,979,321,856 + (6,979,321,856 / 4096) × 4 + 33,554,432 = 9,121,570,816.
    assert.equal(weightsBytes(input(arch(LLAMA), { quantization: { method: "fp8" } })), 9121570816);
    assert.equal(weightsBytes(input(arch(LLAMA), { quantization: { method: "w8a8", bits: 8 } })), 9121570816);
  });

  it("fp8 of a model with tied embeddings keeps ONE 16-bit vocabulary matrix", () => {
    // Llama-3.2-3B: 128256 × 3072 once + (2 × 28 + 1) × 3072 norms = 394,177,536; linear 2,818,572,288 = 917,504 rows × 3072.
    // 394,177,536 × 2 + 2,818,572,288 + 917,504 × 4 + 33,554,432 = 3,644,151,808.
    assert.equal(weightsBytes(input(arch(LLAMA_3B), { quantization: { method: "fp8" } })), 3644151808);
  });

  it("GPTQ 4-bit g128: packed weights, fp16 scale and 4-bit zero per group, int32 g_idx per input channel", () => {
    // groups = 6,979,321,856 / 128 = 54,525,952: weights 3,489,660,928 + scales 109,051,904 + zeros 27,262,976.
    // g_idx: inputs per layer q,k,v (3 × 4096) + o (32 × 128) + gate,up (2 × 4096) + down (14336) = 38,912; × 32 layers × 4 B = 4,980,736.
    const gptq = input(arch(LLAMA), { dtype: "float16", quantization: { method: "gptq", bits: 4, groupSize: 128 } });
    assert.equal(weightsBytes(gptq), 1050939392 * 2 + 3489660928 + 109051904 + 27262976 + 4980736 + ROTARY);
    assert.equal(weightsBytes(gptq), 5766389760);
  });

  it("AWQ 4-bit g128: the same packing without g_idx", () => {
    const awq = input(arch(LLAMA), { dtype: "float16", quantization: { method: "awq", bits: 4, groupSize: 128 } });
    assert.equal(weightsBytes(awq), 5766389760 - 4980736);
    // A smaller group size means more scales and zeros: 64-wide groups add 54,525,952 × (2 + 0.5) bytes.
    const g64 = input(arch(LLAMA), { dtype: "float16", quantization: { method: "awq", bits: 4, groupSize: 64 } });
    assert.equal(weightsBytes(g64) - weightsBytes(awq), 54525952 * 2.5);
  });

  it("GPTQ of an MoE model counts g_idx for every expert's MLP", () => {
    // 8 experts: inputs per layer 3 × 4096 + 32 × 128 + 8 × (2 × 4096 + 14336) = 196,608; × 32 × 4 B = 25,165,824.
    const moe = { ...arch(LLAMA), name: "acme/moe", numLocalExperts: 8, numExpertsPerToken: 2 };
    const gptq = input(moe, { dtype: "float16", quantization: { method: "gptq", bits: 4, groupSize: 128 } });
    assert.equal(weightsBytes(gptq), 5766389760 - 4980736 + 25165824);
  });

  it("GPTQ of a plain-MLP (BERT) layout counts one up projection per layer", () => {
    // bge-m3 shapes: 16-bit part 250002 × 1024 (tied) + 49 × 1024 = 256,052,224; linear 311,702,528 in 2,435,176 groups.
    // g_idx: 3 × 1024 + 16 × 64 + 1024 + 4096 = 9,216 inputs per layer × 24 layers × 4 B = 884,736. No rotary cache (encoder).
    const bert = input(arch(BGE), { dtype: "float16", quantization: { method: "gptq", bits: 4, groupSize: 128 } });
    assert.equal(weightsBytes(bert), 256052224 * 2 + 311702528 / 2 + 2435176 * 2.5 + 884736);
  });

  it("encoders: embeddings once, every parameter at 2 bytes, no rotary cache", () => {
    assert.equal(weightsBytes(input(arch(BGE), { dtype: "float16" })), 567754752 * 2);
    // fp8 separates the 16-bit part: 256,052,224 × 2 + 311,702,528 + 304,397 rows × 4 = 824,806,976 + 1,217,588.
    assert.equal(weightsBytes(input(arch(BGE), { dtype: "float16", quantization: { method: "fp8" } })), 256052224 * 2 + 311702528 + 304397 * 4);
  });

  it("sizes the rotary cache from the model, else the catalog, else max-model-len", () => {
    const { maxPositionEmbeddings: _drop, ...noPositions } = arch(LLAMA);
    // Same name as the catalog entry: the catalog's 131072 positions.
    assert.equal(weightsBytes(input(noPositions as ModelArchitecture)), 16094076928);
    // Unknown to the catalog: max-model-len positions (8192 × 128 × 2 B).
    const unknown = { ...noPositions, name: "acme/llama-like" } as ModelArchitecture;
    assert.equal(weightsBytes(input(unknown)), 8030261248 * 2 + 8192 * 128 * 2);
    assert.equal(weightsBytes(input(unknown, {}, { maxModelLen: 4096 })), 8030261248 * 2 + 4096 * 128 * 2);
  });
});

describe("LoRA buffers (max-loras × rank × in+out of every wrapped projection)", () => {
  // Llama-3.1-8B per layer: qkv in 4096 + out (4096 + 2 × 1024), o 4096 + 4096, gate/up in 4096 + out 2 × 14336,
  // down 14336 + 4096: 81,920 per rank; × 32 layers × 2 B = 5,242,880 bytes per slot and rank.
  it("is 80 MiB per rank-16 slot in bf16, split by TP, and zero without slots", () => {
    assert.equal(loraBytes(input(arch(LLAMA), {}, { maxLoras: 2, maxLoraRank: 16 })), 2 * 16 * 5242880);
    assert.equal(loraBytes(input(arch(LLAMA), {}, { maxLoras: 2, maxLoraRank: 16, tensorParallelSize: 2 })), 16 * 5242880);
    assert.equal(loraBytes(input(arch(LLAMA), {}, { maxLoras: 3, maxLoraRank: 64 })), 3 * 64 * 5242880);
    assert.equal(loraBytes(input(arch(LLAMA), {}, { maxLoras: 1 })), 16 * 5242880, "rank 16 when absent (vLLM's default)");
    assert.equal(loraBytes(input(arch(LLAMA), {}, { maxLoras: 0, maxLoraRank: 64 })), 0);
    assert.equal(loraBytes(input(arch(LLAMA))), 0, "no maxLoras: LoRA off");
  });

  it("shrinks the KV cache by the LoRA buffers and reports them", () => {
    const plain = estimateMemory(input(arch(LLAMA)));
    const lora = estimateMemory(input(arch(LLAMA), {}, { maxLoras: 2, maxLoraRank: 16 }));
    assert.equal(lora.loraGiB, (2 * 16 * 5242880) / GiB);
    assert.ok(Math.abs(plain.kvCacheGiB - lora.kvCacheGiB - lora.loraGiB) < 1e-12);
  });

  it("with tensor parallelism: half the buffers per GPU, and the TP error band", () => {
    const e = estimateMemory(input(arch(LLAMA), {}, { maxLoras: 2, maxLoraRank: 16, tensorParallelSize: 2 }));
    assert.equal(e.loraGiB, (16 * 5242880) / GiB);
    const term = e.errorBand.terms.find((t) => t.name === "LoRA buffers")!;
    assert.ok(Math.abs(term.GiB - 0.05 * e.loraGiB) < 1e-15);
    assert.match(term.reason, /5 % of the LoRA slots/);
  });
});

describe("profile-run activation peak", () => {
  // Llama-3.1-8B fp16, TP=1: forward over 2048 tokens = 2048 × (3 × 14336 + 2 × 4096) × 2 B = 209,715,200;
  // sampler over 8 sequences = 8 × 128256 × 14 B = 14,364,672: the forward pass is the peak.
  const fp16 = (vllm: Partial<EstimateInput["vllm"]> = {}, gpu: EstimateInput["gpu"] = { totalMemoryGiB: 23.61 }) =>
    input(arch(LLAMA), { dtype: "float16", gpu }, vllm);

  it("takes the forward pass when it is larger than the sampler", () => {
    assert.equal(activationBytes(fp16()), PROFILE_BASE + 209715200);
  });

  it("divides the MLP width by TP, not the residual stream", () => {
    // 2048 × (43008 / 2 + 8192) × 2 B = 121,634,816.
    assert.equal(activationBytes(fp16({ tensorParallelSize: 2 })), PROFILE_BASE + 121634816);
  });

  it("takes the sampler when it is larger: 256 sequences × 128256 logits × 14 B", () => {
    assert.equal(activationBytes(fp16({ maxNumSeqs: 256 })), PROFILE_BASE + 256 * 128256 * 14);
  });

  it("never warms up more sequences than batched tokens", () => {
    assert.equal(activationBytes(fp16({ maxNumSeqs: 4096 })), PROFILE_BASE + 2048 * 128256 * 14);
  });

  it("uses vLLM's scheduler defaults: 8192 tokens and 1024 sequences from exactly 70 GiB, 2048 and 256 below", () => {
    assert.deepEqual(schedulerDefaults(70), { maxNumBatchedTokens: 8192, maxNumSeqs: 1024 });
    assert.deepEqual(schedulerDefaults(69.99), { maxNumBatchedTokens: 2048, maxNumSeqs: 256 });
    assert.deepEqual(schedulerDefaults(79.11), { maxNumBatchedTokens: 8192, maxNumSeqs: 1024 });
    assert.deepEqual(schedulerDefaults(9.78), { maxNumBatchedTokens: 2048, maxNumSeqs: 256 });
    const defaults = { maxNumSeqs: undefined, maxNumBatchedTokens: undefined };
    // ≥ 70 GiB: sampler 1024 × 128256 × 14 = 1,838,661,632 beats the forward pass over 8192 tokens (838,860,800).
    assert.equal(activationBytes(fp16(defaults, { totalMemoryGiB: 70 })), PROFILE_BASE + 1024 * 128256 * 14);
    // Below: sampler 256 × 128256 × 14 = 459,665,408.
    assert.equal(activationBytes(fp16(defaults, { totalMemoryGiB: 69.99 })), PROFILE_BASE + 256 * 128256 * 14);
    // Only the tokens given: the sequences still default by card size.
    assert.equal(activationBytes(fp16({ maxNumSeqs: undefined, maxNumBatchedTokens: 512 }, { totalMemoryGiB: 79.11 })), PROFILE_BASE + 512 * 128256 * 14);
  });

  it("widens the MLP by the experts each token visits (MoE)", () => {
    // 2 experts per token: 2048 × (2 × 43008 + 8192) × 2 B = 385,875,968.
    const moe = { ...arch(LLAMA), name: "acme/moe", numLocalExperts: 8, numExpertsPerToken: 2 };
    assert.equal(activationBytes(input(moe, { dtype: "float16" })), PROFILE_BASE + 385875968);
  });

  it("gives encoders a plain MLP and no sampler", () => {
    // bge-m3: 8192 tokens × (2 × 4096 + 2 × 1024) × 2 B = 167,772,160; 64 sequences of a 250002 vocabulary would be 224 MB.
    assert.equal(activationBytes(input(arch(BGE), { dtype: "float16" }, { maxNumBatchedTokens: 8192, maxNumSeqs: 64 })), PROFILE_BASE + 167772160);
    // At 512 tokens the forward pass is small (10,485,760), and still no sampler.
    assert.equal(activationBytes(input(arch(BGE), { dtype: "float16" }, { maxNumBatchedTokens: 512, maxNumSeqs: 64 })), PROFILE_BASE + 10485760);
  });
});

describe("KV cache bytes per token", () => {
  it("is K and V for every layer's KV heads on this GPU", () => {
    // 2 × 32 layers × 8 KV heads × 128 × 2 B.
    assert.equal(kvBytesPerToken(input(arch(LLAMA))), 131072);
    assert.equal(kvBytesPerToken(input(arch(LLAMA), {}, { tensorParallelSize: 2 })), 65536);
    assert.equal(kvBytesPerToken(input(arch(LLAMA), {}, { kvCacheDtype: "fp8" })), 65536);
    assert.equal(kvBytesPerToken(input(arch(LLAMA), { dtype: "float32" })), 262144);
    // TP 16 > 8 KV heads: each GPU keeps one replicated head, not half of one.
    assert.equal(kvBytesPerToken(input(arch(LLAMA), {}, { tensorParallelSize: 16 })), 2 * 32 * 1 * 128 * 2);
    assert.equal(kvBytesPerToken(input(arch(BGE), { dtype: "float16" })), 0);
  });
});

describe("what estimateMemory reports", () => {
  it("reports the non-torch memory of one GPU and of a TP group", () => {
    assert.equal(estimateMemory(input(arch(LLAMA))).nonTorchGiB, 0.25);
    assert.equal(estimateMemory(input(arch(LLAMA), {}, { tensorParallelSize: 2 })).nonTorchGiB, 2.06);
    assert.equal(estimateMemory(input(arch(LLAMA))).cudaContextGiB, 0.55);
    assert.equal(estimateMemory(input(arch(LLAMA), {}, { tensorParallelSize: 2 })).cudaContextGiB, 1.6);
  });

  it("counts the CUDA graph pool per layer unless eager", () => {
    assert.equal(estimateMemory(input(arch(LLAMA), {}, { enforceEager: false })).cudaGraphGiB, 0.032 * 32);
    assert.equal(estimateMemory(input(arch(LLAMA))).cudaGraphGiB, 0);
  });

  it("adds the KV cache budget term by term: util × card − weights − LoRA − activation − non-torch", () => {
    const i = input(arch(LLAMA), { dtype: "float16", gpu: { totalMemoryGiB: 23.61, product: "NVIDIA-GeForce-RTX-4090" } });
    const e = estimateMemory(i);
    const expected = 0.9 * 23.61 * GiB - 16094076928 - 0 - (PROFILE_BASE + 209715200) - 0.25 * GiB;
    assert.ok(Math.abs(e.kvCacheGiB * GiB - expected) < 1e-3, `${e.kvCacheGiB * GiB} vs ${expected}`);
    assert.equal(e.kvCacheTokens, Math.floor(expected / (131072 * 16)) * 16);
    assert.equal(e.maxConcurrency, e.kvCacheTokens / 8192);
    assert.equal(e.deviceFootprintGiB, 0.55 + 0.9 * 23.61);
  });

  it("gives a starved encoder a negative KV figure (the shortfall), a roomy one zero", () => {
    const enc = (util: number) =>
      input(
        arch(BGE),
        { dtype: "float16", gpu: { totalMemoryGiB: 9.78, product: "NVIDIA-GeForce-RTX-3080" } },
        { gpuMemoryUtilization: util, maxNumSeqs: 16, maxNumBatchedTokens: 8192 },
      );
    const nonKv = 567754752 * 2 + PROFILE_BASE + 167772160 + 0.25 * GiB;
    const starved = estimateMemory(enc(0.1));
    assert.ok(Math.abs(starved.kvCacheGiB * GiB - (0.1 * 9.78 * GiB - nonKv)) < 1e-3);
    assert.ok(starved.kvCacheGiB < -0.6);
    assert.equal(starved.fitsMaxModelLen, false);
    assert.ok(Math.abs(starved.kvCacheGiBGuaranteed * GiB - (0.1 * 9.78 * GiB - nonKv - starved.errorBand.nonKvGiB * GiB)) < 1e-3);
    const roomy = estimateMemory(enc(0.5));
    assert.equal(roomy.kvCacheGiB, 0);
    assert.equal(roomy.kvCacheGiBGuaranteed, 0);
    assert.equal(roomy.maxConcurrency, 0);
    assert.equal(roomy.kvCacheTokens, 0);
  });

  it("lets an encoder start exactly when its budget holds its non-KV memory, and not one byte short", () => {
    // 20480 batched tokens: a profile peak (0.18 GiB + 419,430,400 B) whose float sum has an exact zero nearby;
    // with 8192 tokens no representable card size leaves exactly 0 bytes, so the boundary could not be reached.
    const inputAt = (totalGiB: number) =>
      input(
        arch(BGE),
        { dtype: "float16", gpu: { totalMemoryGiB: totalGiB, product: "NVIDIA-GeForce-RTX-3080" } },
        { gpuMemoryUtilization: 1, maxNumSeqs: 16, maxNumBatchedTokens: 20480 },
      );
    const at = (totalGiB: number) => estimateMemory(inputAt(totalGiB));
    // What is left for a KV cache, in the estimator's order of operations: util × card − weights − LoRA − activation − non-torch.
    const left = (totalGiB: number) => {
      const i = inputAt(totalGiB);
      return 1 * totalGiB * GiB - weightsBytes(i) - loraBytes(i) - activationBytes(i) - 0.25 * GiB;
    };
    const nonKvBytes = 567754752 * 2 + PROFILE_BASE + 20480 * 10240 * 2 + 0.25 * GiB;
    const band = at(2).errorBand.nonKvGiB * GiB;
    // The card sizes at which nothing is left, exactly (float sums: try the nearest representable sizes).
    const exact = nearestExactFit(nonKvBytes, (total) => left(total));
    assert.equal(at(exact).kvCacheGiB, 0);
    assert.equal(at(exact).fitsMaxModelLen, true, "exactly full starts");
    assert.equal(at((nonKvBytes - 1) / GiB).fitsMaxModelLen, false, "one byte short does not");
    const guaranteed = nearestExactFit(nonKvBytes + band, (total) => left(total) - at(total).errorBand.nonKvGiB * GiB);
    assert.equal(at(guaranteed).kvCacheGiBGuaranteed, 0);
    assert.equal(at(guaranteed).fitsMaxModelLenGuaranteed, true);
    assert.equal(at((nonKvBytes + band - 1) / GiB).fitsMaxModelLenGuaranteed, false);
  });
});

/** The card size (GiB) nearest `bytes / GiB` at which `left(total)` is exactly 0, trying neighbouring representable sizes. */
function nearestExactFit(bytes: number, left: (totalGiB: number) => number): number {
  const step = bytes * Number.EPSILON;
  for (let k = 0; k <= 64; k++) {
    for (const candidate of [bytes + k * step, bytes - k * step]) {
      if (left(candidate / GiB) === 0) return candidate / GiB;
    }
  }
  throw new Error(`no card size near ${bytes / GiB} GiB leaves exactly 0 bytes`);
}

describe("the error band, term by term", () => {
  const names = (i: EstimateInput) => estimateMemory(i).errorBand.terms.map((t) => t.name);

  it("explains every term (a reason for each margin)", () => {
    const cases: EstimateInput[] = [
      input(arch(LLAMA), { gpu: { totalMemoryGiB: 23.61 } }, { enforceEager: false, maxLoras: 1 }),
      input({ ...arch(LLAMA), numLocalExperts: 8, numExpertsPerToken: 2 }, { quantization: { method: "fp8" } }, { tensorParallelSize: 2 }),
      input(arch(LLAMA), { gpu: { totalMemoryGiB: 79.11, product: "NVIDIA-H100-80GB-HBM3" } }),
    ];
    for (const c of cases) {
      for (const t of estimateMemory(c).errorBand.terms) {
        assert.ok(t.name.length > 0 && t.reason.length > 10, JSON.stringify(t));
        assert.ok(t.GiB > 0, `${t.name} is a positive margin`);
      }
    }
  });

  it("says why each term has its size, per branch", () => {
    const reasons = (i: EstimateInput) => Object.fromEntries(estimateMemory(i).errorBand.terms.map((t) => [t.name, t.reason]));
    const one = reasons(input(arch(LLAMA), { gpu: { totalMemoryGiB: 23.61 } }, { enforceEager: false, maxLoras: 1 }));
    assert.match(one["allocator slack"]!, /150 MiB/);
    assert.match(one.weights!, /^1 % of the weights/);
    assert.match(one["activation peak"]!, /^10 % of the profiled peak/);
    assert.match(one["non-torch memory"]!, /cuBLAS/);
    assert.match(one["LoRA buffers"]!, /^5 % of the LoRA slots/);
    assert.match(one["uncalibrated GPU"]!, /no calibration run/);
    assert.match(one["attention workspace"]!, /unknown attention backend: FlashInfer would allocate 394 MiB/);
    assert.match(one["CUDA context (footprint)"]!, /driver and CUDA versions vary/);
    assert.match(one["CUDA graphs (footprint)"]!, /^50 % of the graph pool/);
    const tp = reasons(input({ ...arch(LLAMA), numLocalExperts: 8, numExpertsPerToken: 2 }, { quantization: { method: "fp8" } }, { tensorParallelSize: 2 }));
    assert.match(tp.weights!, /^3 % of FP8\/INT8 weights/);
    assert.match(tp["non-torch memory"]!, /NCCL.*TP ≥ 2/);
    assert.match(tp["CUDA context (footprint)"]!, /NCCL communicators at TP ≥ 2/);
    assert.match(tp["MoE workspaces"]!, /^5 % of weights \+ activations/);
  });

  it("lists the CUDA graph term in the band when graphs are captured, with half the pool", () => {
    const e = estimateMemory(input(arch(LLAMA), {}, { enforceEager: false }));
    const graphs = e.errorBand.terms.find((t) => t.name === "CUDA graphs (footprint)")!;
    assert.ok(Math.abs(graphs.GiB - 0.5 * 0.032 * 32) < 1e-15);
    assert.ok(Math.abs(e.errorBand.footprintGiB - (0.15 + 0.5 * 0.032 * 32)) < 1e-15);
    assert.ok(!names(input(arch(LLAMA))).includes("CUDA graphs (footprint)"));
  });

  it("charges an unknown card (not in the GPU catalog) the uncalibrated-GPU term", () => {
    const unknown = input(arch(LLAMA), { gpu: { totalMemoryGiB: 23.61, product: "Acme-Accelerator-24GB" } });
    assert.ok(names(unknown).includes("uncalibrated GPU"));
    assert.ok(names(unknown).includes("attention workspace"), "and the unknown backend's workspace");
    assert.ok(
      !names(input(arch(LLAMA), { gpu: { totalMemoryGiB: 79.11, product: "NVIDIA-H100-80GB-HBM3-SHARED" } })).includes("uncalibrated GPU"),
      "a shared H100 is the calibrated card",
    );
  });

  it("gives encoders no attention-workspace term and no backend", () => {
    const enc = input(arch(BGE), { dtype: "float16", gpu: { totalMemoryGiB: 9.78 } }, { maxNumBatchedTokens: 8192 });
    assert.ok(!names(enc).includes("attention workspace"));
    assert.equal(attentionBackendOf({ ...enc, vllm: { ...enc.vllm, attentionBackend: "FLASHINFER" } }), undefined);
  });

  it("charges the pessimistic CUDA context per doubling of the TP group", () => {
    const tp = (n: number) => cudaContextGiBPessimistic(input(arch(LLAMA), {}, { tensorParallelSize: n }));
    assert.equal(tp(1), 0.55 + 0.15);
    assert.equal(tp(2), 1.6 + 0.45);
    assert.equal(tp(4), 1.6 + 0.45 * 2);
    assert.ok(Math.abs(tp(8) - (1.6 + 0.45 * 3)) < 1e-12);
  });
});
