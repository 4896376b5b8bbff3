import { CapacityInputError, type Dtype, type ModelArchitecture, type Quantization } from "./types";

/**
 * What a vLLM instance serves (one per instance): `generate` (chat/completions, KV cache),
 * `embed` (`--runner pooling`, /v1/embeddings) or `score` (a cross-encoder behind `--runner pooling`,
 * /v1/score and /rerank). Pooling runners keep no KV cache.
 */
export const ServingTask = { Generate: "generate", Embed: "embed", Score: "score" } as const;
export type ServingTask = (typeof ServingTask)[keyof typeof ServingTask];

/** A model the platform can plan: architecture from its config.json, and how its checkpoint is stored. */
export interface CatalogEntry {
  architecture: ModelArchitecture;
  dtype: Dtype;
  quantization: Quantization;
  kind: "decoder" | "encoder";
  /** The runner/task vLLM serves this checkpoint with. */
  task: ServingTask;
  /**
   * The 16-bit model this checkpoint is a build of (itself for 16-bit checkpoints): builds of one base
   * are interchangeable for the layout search and for fixes ("use a 4-bit build").
   */
  baseModel: string;
  /** Output size of embedding models (the vector size of a Qdrant collection). */
  embeddingDimension?: number;
  maxPositionEmbeddings: number;
  license?: string;
}

const AWQ4: Quantization = { method: "awq", bits: 4, groupSize: 128 };
const GPTQ4: Quantization = { method: "gptq", bits: 4, groupSize: 128 };

function llama31_8b(name: string): ModelArchitecture {
  return {
    name,
    numHiddenLayers: 32,
    hiddenSize: 4096,
    numAttentionHeads: 32,
    numKeyValueHeads: 8,
    headDim: 128,
    intermediateSize: 14336,
    vocabSize: 128256,
    numParameters: 8030261248,
    tieWordEmbeddings: false,
    maxPositionEmbeddings: 131072,
  };
}

function qwen25_7b(name: string): ModelArchitecture {
  return {
    name,
    numHiddenLayers: 28,
    hiddenSize: 3584,
    numAttentionHeads: 28,
    numKeyValueHeads: 4,
    headDim: 128,
    intermediateSize: 18944,
    vocabSize: 152064,
    numParameters: 7615616512,
    tieWordEmbeddings: false,
    maxPositionEmbeddings: 32768,
  };
}

function decoder(architecture: ModelArchitecture, dtype: Dtype, quantization: Quantization, license: string, baseModel = architecture.name): CatalogEntry {
  return {
    architecture,
    dtype,
    quantization,
    kind: "decoder",
    task: ServingTask.Generate,
    baseModel,
    maxPositionEmbeddings: architecture.maxPositionEmbeddings!,
    license,
  };
}

/**
 * Qwen2.5 dense decoders (config.json of Qwen/Qwen2.5-{7,14,32}B-Instruct: head_dim 128, GQA, untied
 * embeddings, 32768 positions). Parameters: q/k/v carry biases, so per layer
 * h·(heads+2·kv)·128 + (heads+2·kv)·128 + heads·128·h + 3·h·inter + 2·h, plus 2·vocab·h + h; this gives
 * the published 7,615,616,512 for the 7B.
 */
function qwen25(name: string, layers: number, hidden: number, heads: number, kvHeads: number, intermediate: number, numParameters: number): ModelArchitecture {
  return {
    name,
    numHiddenLayers: layers,
    hiddenSize: hidden,
    numAttentionHeads: heads,
    numKeyValueHeads: kvHeads,
    headDim: 128,
    intermediateSize: intermediate,
    vocabSize: 152064,
    numParameters,
    tieWordEmbeddings: false,
    maxPositionEmbeddings: 32768,
  };
}

/** XLM-RoBERTa-large (config.json of BAAI/bge-m3 and BAAI/bge-reranker-v2-m3): 24 layers, 1024 hidden, 16 heads. */
function xlmRobertaLarge(name: string, numParameters: number): ModelArchitecture {
  return {
    name,
    numHiddenLayers: 24,
    hiddenSize: 1024,
    numAttentionHeads: 16,
    numKeyValueHeads: 16,
    headDim: 64,
    intermediateSize: 4096,
    vocabSize: 250002,
    numParameters,
    tieWordEmbeddings: true,
    maxPositionEmbeddings: 8194,
    kind: "encoder",
    mlp: "plain",
  };
}

const NONE: Quantization = { method: "none" };

/** Models the stacks use or offer. Values are data from each model's published config; tests check them. */
export const MODEL_CATALOG: Record<string, CatalogEntry> = {
  "meta-llama/Llama-3.1-8B-Instruct": decoder(llama31_8b("meta-llama/Llama-3.1-8B-Instruct"), "bfloat16", NONE, "llama3.1"),
  "hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4": decoder(
    llama31_8b("hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4"),
    "float16",
    AWQ4,
    "llama3.1",
    "meta-llama/Llama-3.1-8B-Instruct",
  ),
  "RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w4a16": decoder(
    llama31_8b("RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w4a16"),
    "float16",
    GPTQ4,
    "llama3.1",
    "meta-llama/Llama-3.1-8B-Instruct",
  ),
  "deepseek-ai/DeepSeek-R1-Distill-Llama-8B": decoder(llama31_8b("deepseek-ai/DeepSeek-R1-Distill-Llama-8B"), "bfloat16", NONE, "mit"),
  "meta-llama/Llama-3.2-3B-Instruct": decoder(
    {
      name: "meta-llama/Llama-3.2-3B-Instruct",
      numHiddenLayers: 28,
      hiddenSize: 3072,
      numAttentionHeads: 24,
      numKeyValueHeads: 8,
      headDim: 128,
      intermediateSize: 8192,
      vocabSize: 128256,
      numParameters: 3212749824,
      tieWordEmbeddings: true,
      maxPositionEmbeddings: 131072,
    },
    "bfloat16",
    NONE,
    "llama3.2",
  ),
  "Qwen/Qwen2.5-7B-Instruct": decoder(qwen25_7b("Qwen/Qwen2.5-7B-Instruct"), "bfloat16", NONE, "apache-2.0"),
  "Qwen/Qwen2.5-Coder-7B-Instruct": decoder(qwen25_7b("Qwen/Qwen2.5-Coder-7B-Instruct"), "bfloat16", NONE, "apache-2.0"),
  // Qwen/Qwen2.5-Coder-7B-Instruct-AWQ config.json: same shapes as the 16-bit model (intermediate 18944 =
  // 148 × 128 divides into AWQ groups, unpadded), torch_dtype float16, quantization_config awq w4 g128 zero_point.
  "Qwen/Qwen2.5-Coder-7B-Instruct-AWQ": decoder(
    qwen25_7b("Qwen/Qwen2.5-Coder-7B-Instruct-AWQ"),
    "float16",
    AWQ4,
    "apache-2.0",
    "Qwen/Qwen2.5-Coder-7B-Instruct",
  ),
  "Qwen/Qwen2.5-14B-Instruct": decoder(qwen25("Qwen/Qwen2.5-14B-Instruct", 48, 5120, 40, 8, 13824, 14770033664), "bfloat16", NONE, "apache-2.0"),
  // Qwen/Qwen2.5-14B-Instruct-AWQ: 13824 = 108 × 128, so the AWQ build keeps the 16-bit shapes (and at TP=2
  // each shard's 6912 rows are still whole 128-wide groups). A night-mode candidate (issue #18) for two
  // ~9.78 GiB cards at TP=2, but it does not fit them: with the TP=2 overheads measured on H100 (2.06 GiB
  // non-torch + 1.6 GiB context per GPU) its KV cache is below one 8k sequence even at the expected end
  // (tests/capacity/catalog.test.ts). Kept so the plan says why; on 24 GiB cards it fits easily.
  "Qwen/Qwen2.5-14B-Instruct-AWQ": decoder(
    qwen25("Qwen/Qwen2.5-14B-Instruct-AWQ", 48, 5120, 40, 8, 13824, 14770033664),
    "float16",
    AWQ4,
    "apache-2.0",
    "Qwen/Qwen2.5-14B-Instruct",
  ),
  // Qwen/Qwen2.5-32B-Instruct-AWQ: 27648 = 216 × 128, unpadded. Listed so the plan can say why it does not fit small cards.
  "Qwen/Qwen2.5-32B-Instruct-AWQ": decoder(
    qwen25("Qwen/Qwen2.5-32B-Instruct-AWQ", 64, 5120, 40, 8, 27648, 32763876352),
    "float16",
    AWQ4,
    "apache-2.0",
    "Qwen/Qwen2.5-32B-Instruct",
  ),
  "mistralai/Mistral-7B-Instruct-v0.3": decoder(
    {
      name: "mistralai/Mistral-7B-Instruct-v0.3",
      numHiddenLayers: 32,
      hiddenSize: 4096,
      numAttentionHeads: 32,
      numKeyValueHeads: 8,
      headDim: 128,
      intermediateSize: 14336,
      vocabSize: 32768,
      numParameters: 7248023552,
      tieWordEmbeddings: false,
      maxPositionEmbeddings: 32768,
    },
    "bfloat16",
    NONE,
    "apache-2.0",
  ),
  // The AWQ build pads intermediate_size to 29696 so it divides into 128-wide groups.
  "Qwen/Qwen2.5-72B-Instruct-AWQ": decoder(
    {
      name: "Qwen/Qwen2.5-72B-Instruct-AWQ",
      numHiddenLayers: 80,
      hiddenSize: 8192,
      numAttentionHeads: 64,
      numKeyValueHeads: 8,
      headDim: 128,
      intermediateSize: 29696,
      vocabSize: 152064,
      numParameters: 72957861888,
      tieWordEmbeddings: false,
      maxPositionEmbeddings: 32768,
    },
    "float16",
    AWQ4,
    "qwen",
    "Qwen/Qwen2.5-72B-Instruct",
  ),
  "codellama/CodeLlama-7b-hf": decoder(
    {
      name: "codellama/CodeLlama-7b-hf",
      numHiddenLayers: 32,
      hiddenSize: 4096,
      numAttentionHeads: 32,
      numKeyValueHeads: 32,
      headDim: 128,
      intermediateSize: 11008,
      vocabSize: 32016,
      numParameters: 6738546688,
      tieWordEmbeddings: false,
      maxPositionEmbeddings: 16384,
    },
    "bfloat16",
    NONE,
    "llama2",
  ),
  // XLM-RoBERTa-large encoder; config.json says float32, served in float16 (vLLM is told --dtype).
  "BAAI/bge-m3": {
    architecture: xlmRobertaLarge("BAAI/bge-m3", 567754752),
    dtype: "float16",
    quantization: NONE,
    kind: "encoder",
    task: ServingTask.Embed,
    baseModel: "BAAI/bge-m3",
    embeddingDimension: 1024,
    // Two positions are reserved by RoBERTa's padding offset.
    maxPositionEmbeddings: 8192,
    license: "mit",
  },
  // Cross-encoder reranker: XLMRobertaForSequenceClassification (config.json: the bge-m3 shapes, num_labels 1,
  // torch_dtype float32). vLLM serves it with `--runner pooling` (task classify → /v1/score, /rerank), no KV cache.
  // Parameters: bge-m3's 567,754,752 less its pooler (1024² + 1024) plus the classification head's dense
  // (1024² + 1024) and out_proj (1024 + 1) = 567,755,777.
  "BAAI/bge-reranker-v2-m3": {
    architecture: xlmRobertaLarge("BAAI/bge-reranker-v2-m3", 567755777),
    dtype: "float16",
    quantization: NONE,
    kind: "encoder",
    task: ServingTask.Score,
    baseModel: "BAAI/bge-reranker-v2-m3",
    maxPositionEmbeddings: 8192,
    license: "apache-2.0",
  },
};

/** Catalog ids of every build of `baseModel` (the 16-bit checkpoint and its quantized builds), catalog order. */
export function buildsOf(baseModel: string): string[] {
  return Object.entries(MODEL_CATALOG)
    .filter(([, entry]) => entry.baseModel === baseModel)
    .map(([id]) => id);
}

export function lookupModel(id: string): CatalogEntry {
  const entry = MODEL_CATALOG[id];
  if (!entry) {
    throw new CapacityInputError(`model "${id}" is not in the catalog; known: ${Object.keys(MODEL_CATALOG).join(", ")}`);
  }
  return entry;
}
