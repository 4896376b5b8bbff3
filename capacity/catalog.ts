import { CapacityInputError, type Dtype, type ModelArchitecture, type Quantization } from "./types";

/** A model the platform can plan: architecture from its config.json, and how its checkpoint is stored. */
export interface CatalogEntry {
  architecture: ModelArchitecture;
  dtype: Dtype;
  quantization: Quantization;
  kind: "decoder" | "encoder";
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

function decoder(architecture: ModelArchitecture, dtype: Dtype, quantization: Quantization, license: string): CatalogEntry {
  return { architecture, dtype, quantization, kind: "decoder", maxPositionEmbeddings: architecture.maxPositionEmbeddings!, license };
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
  ),
  "RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w4a16": decoder(
    llama31_8b("RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w4a16"),
    "float16",
    GPTQ4,
    "llama3.1",
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
  "Qwen/Qwen2.5-Coder-7B-Instruct-AWQ": decoder(qwen25_7b("Qwen/Qwen2.5-Coder-7B-Instruct-AWQ"), "float16", AWQ4, "apache-2.0"),
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
    architecture: {
      name: "BAAI/bge-m3",
      numHiddenLayers: 24,
      hiddenSize: 1024,
      numAttentionHeads: 16,
      numKeyValueHeads: 16,
      headDim: 64,
      intermediateSize: 4096,
      vocabSize: 250002,
      numParameters: 567754752,
      tieWordEmbeddings: true,
      maxPositionEmbeddings: 8194,
      kind: "encoder",
      mlp: "plain",
    },
    dtype: "float16",
    quantization: NONE,
    kind: "encoder",
    embeddingDimension: 1024,
    // Two positions are reserved by RoBERTa's padding offset.
    maxPositionEmbeddings: 8192,
    license: "mit",
  },
};

export function lookupModel(id: string): CatalogEntry {
  const entry = MODEL_CATALOG[id];
  if (!entry) {
    throw new CapacityInputError(`model "${id}" is not in the catalog; known: ${Object.keys(MODEL_CATALOG).join(", ")}`);
  }
  return entry;
}
