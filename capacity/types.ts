/** Architecture facts from a model's published config.json (and its parameter count). */
export interface ModelArchitecture {
  name: string;
  numHiddenLayers: number;
  hiddenSize: number;
  numAttentionHeads: number;
  numKeyValueHeads: number;
  headDim: number;
  intermediateSize: number;
  vocabSize: number;
  /** Parameters of the 16-bit checkpoint (quantized builds count the same architecture). */
  numParameters: number;
  tieWordEmbeddings: boolean;
  numLocalExperts?: number;
  numExpertsPerToken?: number;
  /** Size of the rotary cos/sin cache vLLM keeps on the GPU; absent: the catalog's value, else max-model-len. */
  maxPositionEmbeddings?: number;
  /** "encoder" models (BERT/XLM-R embedders) have no KV cache and no sampler. */
  kind?: "decoder" | "encoder";
  /** "plain" MLPs (BERT family) have one up projection instead of gate+up. */
  mlp?: "gated" | "plain";
}

export type Dtype = "bfloat16" | "float16" | "float32";

export type Quantization = { method: "none" } | { method: "fp8" } | { method: "w8a8"; bits: 8 } | { method: "gptq" | "awq"; bits: 4; groupSize: number };

export interface VllmSettings {
  version?: string;
  tensorParallelSize: number;
  /** Fraction of the WHOLE card the process may use, in (0, 1]. */
  gpuMemoryUtilization: number;
  maxModelLen: number;
  /** Absent: vLLM's default for the OpenAI server on this card. */
  maxNumBatchedTokens?: number;
  maxNumSeqs?: number;
  kvCacheDtype: "auto" | "fp8";
  enforceEager: boolean;
  blockSize?: number;
  /** LoRA slots on the GPU (0 or absent: LoRA disabled). */
  maxLoras?: number;
  maxLoraRank?: number;
  /**
   * The attention backend vLLM selects (see capacity/kernels.ts). FLASHINFER allocates a 394 MiB workspace
   * inside the budget. Absent: derived from `gpu.product` when given, else unknown (the pessimistic end
   * then counts the workspace).
   */
  attentionBackend?: "FLASH_ATTN" | "FLASHINFER" | "TRITON_ATTN" | "FLEX_ATTENTION";
}

/** One vLLM server on one GPU: the same shape as a case of the calibration file. */
export interface EstimateInput {
  id?: string;
  model: ModelArchitecture;
  dtype: Dtype;
  quantization: Quantization;
  /** `totalMemoryGiB`: the CUDA-reported total; `product`: the `nvidia.com/gpu.product` label (capacity/gpus.ts), when known. */
  gpu: { totalMemoryGiB: number; product?: string };
  vllm: VllmSettings;
}

/** One reasoned term of the error band, in GiB on one GPU. */
export interface ErrorBandTerm {
  name: string;
  GiB: number;
  reason: string;
}

/**
 * How far the estimate may be off, and towards which side it is guarded. `nonKvGiB` is added to what
 * the estimator expects outside the KV cache (so the KV cache shrinks by it at the pessimistic end);
 * `footprintGiB` is added to the device footprint (CUDA context, graphs) at the pessimistic end.
 */
export interface ErrorBand {
  nonKvGiB: number;
  footprintGiB: number;
  terms: ErrorBandTerm[];
}

/** Sizes in GiB (2^30 bytes), per GPU. */
export interface MemoryEstimate {
  weightsGiB: number;
  activationGiB: number;
  nonTorchGiB: number;
  kvCacheGiB: number;
  kvCacheTokens: number;
  maxConcurrency: number;
  cudaGraphGiB: number;
  loraGiB: number;
  cudaContextGiB: number;
  kvBytesPerToken: number;
  /** What the process holds on the card once serving: CUDA context + util × total + CUDA graphs. */
  deviceFootprintGiB: number;
  /** vLLM refuses to start when one max-model-len sequence does not fit the KV cache. */
  fitsMaxModelLen: boolean;
  /** KV cache at the pessimistic end of the error band: a real run holds at least this much (GiB, may be negative). */
  kvCacheGiBGuaranteed: number;
  /** Tokens (whole KV blocks) the KV cache holds at the pessimistic end. */
  kvCacheTokensGuaranteed: number;
  /** `kvCacheTokensGuaranteed / maxModelLen`. */
  maxConcurrencyGuaranteed: number;
  /** One max-model-len sequence fits even at the pessimistic end (encoders: the budget holds the pessimistic non-KV memory). */
  fitsMaxModelLenGuaranteed: boolean;
  /** The most the process may hold on the card: pessimistic CUDA context + util × total + pessimistic CUDA graphs. */
  deviceFootprintGiBPessimistic: number;
  /** The band used for the pessimistic ends. */
  errorBand: ErrorBand;
}

/** Input the estimator cannot work with; the message names the field. */
export class CapacityInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CapacityInputError";
  }
}
