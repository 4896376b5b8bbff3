import { MODEL_CATALOG } from "./catalog";
import { lookupGpu } from "./gpus";
import { AttentionBackend, selectAttentionBackend } from "./kernels";
import { CapacityInputError, type ErrorBand, type ErrorBandTerm, type EstimateInput, type MemoryEstimate, type ModelArchitecture } from "./types";

/**
 * vLLM V1 GPU memory for one server on one GPU, from architecture and settings alone.
 *
 *   KV cache   = util × total − weights − LoRA buffers − activation peak − non-torch memory
 *   footprint  = CUDA context + util × total + CUDA graphs
 *
 * The terms follow what vLLM's profiler measures at start-up ("Model loading took", "torch peak
 * memory increase", "non-torch forward increase", "Available KV cache memory"). Checked against
 * real vLLM runs in capacity/data (`npm run bench:capacity`).
 */
export const VLLM_CALIBRATED_VERSION = "0.19.0";

const GiB = 2 ** 30;
const DTYPE_BYTES = { bfloat16: 2, float16: 2, float32: 4 } as const;
const DEFAULT_BLOCK_SIZE = 16;

/**
 * Sampler warm-up per logit element (max-num-seqs × vocab): logits in the model dtype (2 B), their
 * float32 copy (4 B) and the int64 indices of the top-k/top-p sort (8 B).
 */
const SAMPLER_BYTES_PER_LOGIT = 2 + 4 + 8;
/** Allocations every profile run holds besides the big tensors (cuBLAS workspace, metadata, caching-allocator slack). */
const PROFILE_BASE_GiB = 0.18;
/** Non-torch allocations during the profile run: ~0.25 GiB alone, NCCL/custom all-reduce buffers add ~1.8 GiB per GPU at TP ≥ 2. */
const NON_TORCH_GiB = { single: 0.25, tensorParallel: 2.06 };
/** CUDA context + CUDA/NCCL libraries, measured before the model loads (rounded up from real runs). */
const CUDA_CONTEXT_GiB = { single: 0.55, tensorParallel: 1.6 };
/** CUDA graph pool per decoder layer at the default capture sizes (rounded up from real runs: 0.71–0.96 GiB for 28–32 layers). */
const CUDA_GRAPH_GiB_PER_LAYER = 0.032;
/** The constants fitted to the calibration runs (the bench re-fits them leave-one-out). */
export const CALIBRATED_CONSTANTS = {
  profileBaseGiB: PROFILE_BASE_GiB,
  nonTorchGiB: NON_TORCH_GiB,
  cudaContextGiB: CUDA_CONTEXT_GiB,
  cudaGraphGiBPerLayer: CUDA_GRAPH_GiB_PER_LAYER,
} as const;

/** FlashInfer's workspace buffer, allocated inside the budget (vLLM `envs.VLLM_FLASHINFER_WORKSPACE_BUFFER_SIZE`, 394 MiB). */
export const FLASHINFER_WORKSPACE_GiB = 394 / 1024;

/** The `nvidia.com/gpu.product` values of the cards the calibration runs (capacity/data) were measured on. */
export const CALIBRATED_GPU_PRODUCTS: readonly string[] = ["NVIDIA-H100-80GB-HBM3"];

/**
 * The margins of the error band, each with the reason it has the size it has. The calibration runs
 * (five H100 runs, vLLM 0.19.0) pin the terms down to well under 1 % of the KV cache; what they do not
 * cover gets a reasoned margin: other GPUs, tensor parallelism (NCCL buffers depend on the topology),
 * quantized layouts, MoE, unknown attention backends and the allocator's own slack, which matters
 * most where the KV pool is small.
 */
export const ERROR_BAND_MARGINS = {
  /** vLLM's own allowance (v1/worker/gpu_worker.py: "memory profiling may slightly underestimate … leave a small buffer (=150MiB)"). */
  allocatorSlackGiB: 150 / 1024,
  /**
   * Weights: held-in error ≤ 0.40 % for 16-bit and 0.18 % for 4-bit GPTQ; AWQ packs the same way (zero
   * points instead of g_idx), so 16-bit and 4-bit get 1 %. FP8 and INT8 layouts (scale granularity,
   * padding) have no calibration run and get 3 %.
   */
  weightsFraction: { calibratedLayout: 0.01, uncalibratedLayout: 0.03 },
  /** Activation peak: held-in error ≤ 5 % (CodeLlama's 32k vocabulary); other batch shapes get 10 %. */
  activationFraction: 0.1,
  /**
   * Non-torch memory: 0.24–0.25 GiB at TP=1 and 2.06 GiB at TP=2, but only on NVLink H100s; NCCL/custom
   * all-reduce buffers vary with topology and version, and NCCL keeps buffers per peer, so the TP margin
   * is per doubling of the group (0.4 GiB at TP=2, 0.8 at TP=4, 1.2 at TP=8).
   */
  nonTorchGiB: { single: 0.1, tensorParallel: 0.4 },
  /** LoRA buffers: the formula counts the wrapped projections; punica metadata is not counted. */
  loraFraction: 0.05,
  /** MoE: fused-MoE workspaces are not modelled (a held-out MoE TP=2 run exceeded the footprint estimate by 0.3 GiB). */
  moeFraction: 0.05,
  /** Cards outside the calibration set: other cuBLAS/Marlin workspaces and kernel choices. */
  uncalibratedGpuGiB: 0.15,
  /** CUDA context: measured 0.51 GiB (TP=1) and 1.53 GiB (TP=2) on H100; drivers and NCCL set-ups differ elsewhere (TP margin per doubling, as above). */
  contextGiB: { single: 0.15, tensorParallel: 0.45 },
  /** CUDA graphs: measured 0.71–0.96 GiB against 0.032 GiB per layer; other capture sizes and MoE graphs run larger. */
  cudaGraphFraction: 0.5,
} as const;

function positive(value: number | undefined, field: string, integer = false): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new CapacityInputError(`${field} must be a positive ${integer ? "whole number" : "number"} (got ${String(value)})`);
  }
}

export function validateInput(input: EstimateInput): void {
  const m = input.model;
  if (!m) throw new CapacityInputError("model is required");
  for (const field of [
    "numHiddenLayers",
    "hiddenSize",
    "numAttentionHeads",
    "numKeyValueHeads",
    "headDim",
    "intermediateSize",
    "vocabSize",
    "numParameters",
  ] as const) {
    if (m[field] === undefined) throw new CapacityInputError(`model.${field} is required`);
    positive(m[field], `model.${field}`, true);
  }
  if (!(input.dtype in DTYPE_BYTES)) throw new CapacityInputError(`dtype must be bfloat16, float16 or float32 (got ${String(input.dtype)})`);
  const q = input.quantization?.method;
  if (!["none", "fp8", "w8a8", "gptq", "awq"].includes(q as string)) {
    throw new CapacityInputError(`quantization.method must be none, fp8, w8a8, gptq or awq (got ${String(q)})`);
  }
  positive(input.gpu?.totalMemoryGiB, "gpu.totalMemoryGiB");
  if (input.gpu?.totalMemoryGiB === undefined) throw new CapacityInputError("gpu.totalMemoryGiB is required");
  const v = input.vllm;
  if (!v) throw new CapacityInputError("vllm is required");
  if (!(v.gpuMemoryUtilization > 0 && v.gpuMemoryUtilization <= 1)) {
    throw new CapacityInputError(`vllm.gpuMemoryUtilization must be in (0, 1] (got ${String(v.gpuMemoryUtilization)})`);
  }
  positive(v.tensorParallelSize, "vllm.tensorParallelSize", true);
  positive(v.maxModelLen, "vllm.maxModelLen", true);
  positive(v.maxNumBatchedTokens, "vllm.maxNumBatchedTokens", true);
  positive(v.maxNumSeqs, "vllm.maxNumSeqs", true);
  positive(v.blockSize, "vllm.blockSize", true);
  if (v.maxLoras) positive(v.maxLoras, "vllm.maxLoras", true);
  positive(v.maxLoraRank, "vllm.maxLoraRank", true);
  if (v.kvCacheDtype !== undefined && v.kvCacheDtype !== "auto" && v.kvCacheDtype !== "fp8") {
    throw new CapacityInputError(`vllm.kvCacheDtype must be auto or fp8 (got ${String(v.kvCacheDtype)})`);
  }
  if (m.numAttentionHeads % v.tensorParallelSize !== 0) {
    throw new CapacityInputError(`vllm.tensorParallelSize ${v.tensorParallelSize} does not divide model.numAttentionHeads ${m.numAttentionHeads}`);
  }
}

function isEncoder(m: ModelArchitecture): boolean {
  return m.kind === "encoder";
}

/** vLLM's scheduler defaults for the OpenAI server: bigger on ≥ 70 GiB data-centre cards. */
export function schedulerDefaults(totalMemoryGiB: number): { maxNumBatchedTokens: number; maxNumSeqs: number } {
  return totalMemoryGiB >= 70 ? { maxNumBatchedTokens: 8192, maxNumSeqs: 1024 } : { maxNumBatchedTokens: 2048, maxNumSeqs: 256 };
}

/** Token-embedding and LM-head parameters (vocab × hidden; once when tied). */
function vocabParameters(m: ModelArchitecture): number {
  return m.vocabSize * m.hiddenSize * (m.tieWordEmbeddings || isEncoder(m) ? 1 : 2);
}

function normParameters(m: ModelArchitecture): number {
  return (2 * m.numHiddenLayers + 1) * m.hiddenSize;
}

/** Input features of every linear layer of one decoder layer (q, k, v, o, gate, up, down), per expert for MoE. */
function linearInputsPerLayer(m: ModelArchitecture): number {
  const experts = m.numLocalExperts ?? 1;
  const attention = 3 * m.hiddenSize + m.numAttentionHeads * m.headDim;
  const mlp = (m.mlp === "plain" ? 1 : 2) * m.hiddenSize + m.intermediateSize;
  return attention + experts * mlp;
}

function rotaryCacheBytes(input: EstimateInput): number {
  if (isEncoder(input.model)) return 0;
  const positions = input.model.maxPositionEmbeddings ?? MODEL_CATALOG[input.model.name]?.maxPositionEmbeddings ?? input.vllm.maxModelLen;
  return positions * input.model.headDim * DTYPE_BYTES[input.dtype];
}

/** Weights per GPU: 16-bit embeddings, LM head and norms; linear layers by quantization; split by TP. */
export function weightsBytes(input: EstimateInput): number {
  const m = input.model;
  const dtypeBytes = DTYPE_BYTES[input.dtype];
  const q = input.quantization;
  const unquantized = vocabParameters(m) + normParameters(m);
  const linear = Math.max(0, m.numParameters - unquantized);
  let linearBytes: number;
  switch (q.method) {
    case "none":
      linearBytes = linear * dtypeBytes;
      break;
    case "fp8":
    case "w8a8":
      // One byte per weight plus a float32 scale per output channel (at most).
      linearBytes = linear + (linear / m.hiddenSize) * 4;
      break;
    case "gptq":
    case "awq": {
      const groups = linear / q.groupSize;
      // Packed 4-bit weights, a 16-bit scale and a packed 4-bit zero point per group; GPTQ adds an int32 g_idx per input channel.
      const gIdx = q.method === "gptq" ? linearInputsPerLayer(m) * m.numHiddenLayers * 4 : 0;
      linearBytes = (linear * q.bits) / 8 + groups * 2 + (groups * q.bits) / 8 + gIdx;
      break;
    }
  }
  const tp = input.vllm.tensorParallelSize;
  return (unquantized * dtypeBytes + linearBytes) / tp + rotaryCacheBytes(input);
}

/** LoRA buffers: max-loras × rank × (in + out) of every wrapped projection × dtype bytes, split by TP. */
export function loraBytes(input: EstimateInput): number {
  const loras = input.vllm.maxLoras ?? 0;
  if (loras <= 0) return 0;
  const m = input.model;
  const rank = input.vllm.maxLoraRank ?? 16;
  const q = m.numAttentionHeads * m.headDim;
  const kv = m.numKeyValueHeads * m.headDim;
  const h = m.hiddenSize;
  const i = m.intermediateSize;
  const perLayer = h + q + (h + kv) * 2 + q + h + (h + i) * 2 + i + h;
  return (loras * rank * perLayer * m.numHiddenLayers * DTYPE_BYTES[input.dtype]) / input.vllm.tensorParallelSize;
}

/**
 * Peak of the profile run: a forward pass over max-num-batched-tokens (hidden-sized residual and
 * normed input plus the MLP's up/gate output and activation) or, for generative models, the sampler
 * warm-up over max-num-seqs full-vocabulary logits, whichever is larger.
 */
export function activationBytes(input: EstimateInput): number {
  const m = input.model;
  const defaults = schedulerDefaults(input.gpu.totalMemoryGiB);
  const tokens = input.vllm.maxNumBatchedTokens ?? defaults.maxNumBatchedTokens;
  const seqs = Math.min(input.vllm.maxNumSeqs ?? defaults.maxNumSeqs, tokens);
  const tp = input.vllm.tensorParallelSize;
  const actBytes = DTYPE_BYTES[input.dtype];
  const experts = m.numExpertsPerToken ?? 1;
  const mlpWidth = ((m.mlp === "plain" ? 2 : 3) * m.intermediateSize * experts) / tp;
  const forward = tokens * (mlpWidth + 2 * m.hiddenSize) * actBytes;
  const sampler = isEncoder(m) ? 0 : seqs * m.vocabSize * SAMPLER_BYTES_PER_LOGIT;
  return PROFILE_BASE_GiB * GiB + Math.max(forward, sampler);
}

/** KV cache bytes per token per GPU: K and V for every layer's KV heads on this GPU. */
export function kvBytesPerToken(input: EstimateInput): number {
  const m = input.model;
  if (isEncoder(m)) return 0;
  const kvHeads = Math.max(1, m.numKeyValueHeads / input.vllm.tensorParallelSize);
  const elementBytes = input.vllm.kvCacheDtype === "fp8" ? 1 : DTYPE_BYTES[input.dtype];
  return 2 * m.numHiddenLayers * kvHeads * m.headDim * elementBytes;
}

function cudaGraphGiB(input: EstimateInput): number {
  if (input.vllm.enforceEager) return 0;
  return CUDA_GRAPH_GiB_PER_LAYER * input.model.numHiddenLayers;
}

/**
 * The attention backend of a generative server: the configured one, else the one vLLM selects on the
 * named card (capacity/kernels.ts), else undefined (unknown card). Pooling models: undefined.
 */
export function attentionBackendOf(input: EstimateInput): AttentionBackend | undefined {
  if (isEncoder(input.model)) return undefined;
  if (input.vllm.attentionBackend) return input.vllm.attentionBackend;
  if (!input.gpu.product) return undefined;
  try {
    const spec = lookupGpu(input.gpu.product);
    return selectAttentionBackend(spec.computeCapability, input.model.headDim, input.dtype, input.vllm.kvCacheDtype ?? "auto").backend;
  } catch {
    return undefined;
  }
}

/** CUDA context (and NCCL at TP ≥ 2) at the pessimistic end: what a vLLM process holds before it requests its budget. */
export function cudaContextGiBPessimistic(input: EstimateInput): number {
  const parallel = input.vllm.tensorParallelSize > 1;
  return parallel
    ? CUDA_CONTEXT_GiB.tensorParallel + ERROR_BAND_MARGINS.contextGiB.tensorParallel * doublings(input)
    : CUDA_CONTEXT_GiB.single + ERROR_BAND_MARGINS.contextGiB.single;
}

/** log2 of the tensor-parallel size, at least 1: how many times the NCCL group doubled. */
function doublings(input: EstimateInput): number {
  return Math.max(1, Math.ceil(Math.log2(input.vllm.tensorParallelSize)));
}

function isCalibratedGpu(input: EstimateInput): boolean {
  if (input.gpu.product) {
    try {
      return CALIBRATED_GPU_PRODUCTS.includes(lookupGpu(input.gpu.product).product);
    } catch {
      return false;
    }
  }
  return false;
}

interface BandInputs {
  weights: number;
  activation: number;
  lora: number;
  graphs: number;
  backend: AttentionBackend | undefined;
}

/** The error band of one estimate: what to add to non-KV memory and to the footprint at the pessimistic end. */
export function errorBand(input: EstimateInput, parts: BandInputs): ErrorBand {
  const m = ERROR_BAND_MARGINS;
  const parallel = input.vllm.tensorParallelSize > 1;
  const eightBit = input.quantization.method === "fp8" || input.quantization.method === "w8a8";
  const moe = (input.model.numLocalExperts ?? 1) > 1;
  const terms: ErrorBandTerm[] = [
    { name: "allocator slack", GiB: m.allocatorSlackGiB, reason: "vLLM's own 150 MiB allowance for profiling underestimates" },
    {
      name: "weights",
      GiB: parts.weights * (eightBit ? m.weightsFraction.uncalibratedLayout : m.weightsFraction.calibratedLayout),
      reason: eightBit ? "3 % of FP8/INT8 weights (no calibration run for their scale layout)" : "1 % of the weights (16-bit and 4-bit layouts are calibrated)",
    },
    { name: "activation peak", GiB: parts.activation * m.activationFraction, reason: "10 % of the profiled peak" },
    {
      name: "non-torch memory",
      GiB: parallel ? m.nonTorchGiB.tensorParallel * doublings(input) : m.nonTorchGiB.single,
      reason: parallel ? "NCCL/custom all-reduce buffers vary with topology at TP ≥ 2" : "cuBLAS and driver allocations",
    },
  ];
  if (parts.lora > 0) terms.push({ name: "LoRA buffers", GiB: parts.lora * m.loraFraction, reason: "5 % of the LoRA slots" });
  if (moe)
    terms.push({
      name: "MoE workspaces",
      GiB: (parts.weights + parts.activation) * m.moeFraction,
      reason: "5 % of weights + activations: fused-MoE buffers are not modelled",
    });
  if (!isCalibratedGpu(input)) terms.push({ name: "uncalibrated GPU", GiB: m.uncalibratedGpuGiB, reason: "no calibration run on this card" });
  if (!isEncoder(input.model) && parts.backend === undefined) {
    terms.push({ name: "attention workspace", GiB: FLASHINFER_WORKSPACE_GiB, reason: "unknown attention backend: FlashInfer would allocate 394 MiB" });
  }
  const nonKvGiB = terms.reduce((sum, t) => sum + t.GiB, 0);
  const context = parallel ? m.contextGiB.tensorParallel * doublings(input) : m.contextGiB.single;
  const graphs = parts.graphs * m.cudaGraphFraction;
  terms.push({ name: "CUDA context (footprint)", GiB: context, reason: parallel ? "NCCL communicators at TP ≥ 2 vary" : "driver and CUDA versions vary" });
  if (graphs > 0) terms.push({ name: "CUDA graphs (footprint)", GiB: graphs, reason: "50 % of the graph pool: capture sizes and MoE graphs vary" });
  return { nonKvGiB, footprintGiB: context + graphs, terms };
}

function wholeBlocksOfTokens(kvBytes: number, perToken: number, blockSize: number): number {
  return perToken > 0 && kvBytes > 0 ? Math.floor(kvBytes / (perToken * blockSize)) * blockSize : 0;
}

export function estimateMemory(input: EstimateInput): MemoryEstimate {
  validateInput(input);
  const v = input.vllm;
  const parallel = v.tensorParallelSize > 1;
  const budget = v.gpuMemoryUtilization * input.gpu.totalMemoryGiB * GiB;
  const weights = weightsBytes(input);
  const lora = loraBytes(input);
  const backend = attentionBackendOf(input);
  const workspace = backend === AttentionBackend.FlashInfer ? FLASHINFER_WORKSPACE_GiB * GiB : 0;
  const activation = activationBytes(input) + workspace;
  const nonTorch = (parallel ? NON_TORCH_GiB.tensorParallel : NON_TORCH_GiB.single) * GiB;
  const kvAvailable = budget - weights - lora - activation - nonTorch;
  const perToken = kvBytesPerToken(input);
  const blockSize = v.blockSize ?? DEFAULT_BLOCK_SIZE;
  const kvTokens = wholeBlocksOfTokens(kvAvailable, perToken, blockSize);
  const cudaContext = parallel ? CUDA_CONTEXT_GiB.tensorParallel : CUDA_CONTEXT_GiB.single;
  const graphs = cudaGraphGiB(input);
  const encoder = isEncoder(input.model);
  const band = errorBand(input, { weights: weights / GiB, activation: activation / GiB, lora: lora / GiB, graphs, backend });
  const kvGuaranteed = kvAvailable - band.nonKvGiB * GiB;
  const kvTokensGuaranteed = wholeBlocksOfTokens(kvGuaranteed, perToken, blockSize);
  const footprint = cudaContext + budget / GiB + graphs;
  return {
    weightsGiB: weights / GiB,
    activationGiB: activation / GiB,
    nonTorchGiB: nonTorch / GiB,
    kvCacheGiB: encoder ? Math.min(0, kvAvailable / GiB) : kvAvailable / GiB,
    kvCacheTokens: kvTokens,
    maxConcurrency: encoder ? 0 : kvTokens / v.maxModelLen,
    cudaGraphGiB: graphs,
    loraGiB: lora / GiB,
    cudaContextGiB: cudaContext,
    kvBytesPerToken: perToken,
    deviceFootprintGiB: footprint,
    fitsMaxModelLen: encoder ? kvAvailable >= 0 : kvTokens >= v.maxModelLen,
    kvCacheGiBGuaranteed: encoder ? Math.min(0, kvGuaranteed / GiB) : kvGuaranteed / GiB,
    kvCacheTokensGuaranteed: kvTokensGuaranteed,
    maxConcurrencyGuaranteed: encoder ? 0 : kvTokensGuaranteed / v.maxModelLen,
    fitsMaxModelLenGuaranteed: encoder ? kvGuaranteed >= 0 : kvTokensGuaranteed >= v.maxModelLen,
    deviceFootprintGiBPessimistic: footprint + band.footprintGiB,
    errorBand: band,
  };
}
