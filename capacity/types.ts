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

export type Quantization =
  | { method: "none" }
  | { method: "fp8" }
  | { method: "w8a8"; bits: 8 }
  | { method: "gptq" | "awq"; bits: 4; groupSize: number };

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
}

/** One vLLM server on one GPU: the same shape as a case of the calibration file. */
export interface EstimateInput {
  id?: string;
  model: ModelArchitecture;
  dtype: Dtype;
  quantization: Quantization;
  gpu: { totalMemoryGiB: number };
  vllm: VllmSettings;
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
}

/** Input the estimator cannot work with; the message names the field. */
export class CapacityInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CapacityInputError";
  }
}
