import { lookupModel } from "./catalog";
import type { EstimateInput, Quantization } from "./types";
import { flagNumber, flagPresent, parseVllmArgs, type ParsedVllmArgs } from "./vllmArgs";

/** vLLM's own defaults for flags a command line leaves out (v0.19 OpenAI server). */
export const VLLM_FLAG_DEFAULTS = { gpuMemoryUtilization: 0.9, maxLoras: 1, maxLoraRank: 16 } as const;

function quantizationFor(flag: string | undefined, checkpoint: Quantization): Quantization {
  if (flag === "fp8") return { method: "fp8" };
  return checkpoint;
}

/**
 * The capacity model's input for the server a `vllm serve` command line starts, on a card of
 * `cardGiB` (CUDA-reported total). The model must be in the catalog (its architecture is not on the
 * command line). `gpuProduct` (the `nvidia.com/gpu.product` label) lets the estimate know the
 * attention backend and whether the card is calibrated, which narrows the error band.
 */
export function estimateInputFromArgs(args: readonly string[] | ParsedVllmArgs, cardGiB: number, gpuProduct?: string): EstimateInput {
  const parsed = Array.isArray(args) ? parseVllmArgs(args) : (args as ParsedVllmArgs);
  if (!parsed.model) throw new Error("the vLLM command line names no model");
  const entry = lookupModel(parsed.model);
  const dtypeFlag = parsed.flags.get("dtype")?.[0];
  const dtype = dtypeFlag === "bfloat16" || dtypeFlag === "float16" || dtypeFlag === "float32" ? dtypeFlag : entry.dtype;
  const loraEnabled = flagPresent(parsed, "enable-lora");
  const maxModelLen = flagNumber(parsed, "max-model-len") ?? entry.maxPositionEmbeddings;
  return {
    id: parsed.model,
    model: entry.architecture,
    dtype,
    quantization: quantizationFor(parsed.flags.get("quantization")?.[0], entry.quantization),
    gpu: gpuProduct === undefined ? { totalMemoryGiB: cardGiB } : { totalMemoryGiB: cardGiB, product: gpuProduct },
    vllm: {
      tensorParallelSize: flagNumber(parsed, "tensor-parallel-size") ?? 1,
      gpuMemoryUtilization: flagNumber(parsed, "gpu-memory-utilization") ?? VLLM_FLAG_DEFAULTS.gpuMemoryUtilization,
      maxModelLen,
      maxNumBatchedTokens: flagNumber(parsed, "max-num-batched-tokens"),
      maxNumSeqs: flagNumber(parsed, "max-num-seqs"),
      kvCacheDtype: parsed.flags.get("kv-cache-dtype")?.[0] === "fp8" ? "fp8" : "auto",
      enforceEager: flagPresent(parsed, "enforce-eager"),
      maxLoras: loraEnabled ? (flagNumber(parsed, "max-loras") ?? VLLM_FLAG_DEFAULTS.maxLoras) : 0,
      maxLoraRank: loraEnabled ? (flagNumber(parsed, "max-lora-rank") ?? VLLM_FLAG_DEFAULTS.maxLoraRank) : undefined,
    },
  };
}
