import { estimateMemory } from "./estimate";
import type { EstimateInput } from "./types";

export interface CapacityWant {
  /** Tokens of one sequence (the server's --max-model-len). */
  maxModelLen: number;
  /** Sequences of that length the KV cache must hold at once. */
  concurrency: number;
}

function withSettings(input: EstimateInput, gpuMemoryUtilization: number, maxModelLen: number): EstimateInput {
  return { ...input, vllm: { ...input.vllm, gpuMemoryUtilization, maxModelLen } };
}

function holds(input: EstimateInput, want: CapacityWant): boolean {
  const estimate = estimateMemory(input);
  if (input.model.kind === "encoder") return estimate.fitsMaxModelLen;
  return estimate.kvCacheTokens >= want.maxModelLen * want.concurrency;
}

/**
 * The smallest --gpu-memory-utilization (a multiple of 0.01) whose KV cache holds `concurrency`
 * sequences of `maxModelLen` tokens (encoders: whose budget holds weights and activations), or
 * undefined when even the whole card is not enough.
 */
export function minGpuMemoryUtilization(input: EstimateInput, want: CapacityWant): number | undefined {
  for (let percent = 1; percent <= 100; percent++) {
    const candidate = withSettings(input, percent / 100, want.maxModelLen);
    if (holds(candidate, want)) return percent / 100;
  }
  return undefined;
}

/** Whether vLLM can start at all: one max-model-len sequence fits the KV cache. */
export function fitsOneSequence(input: EstimateInput): boolean {
  return estimateMemory(input).fitsMaxModelLen;
}

/** How many identical servers fit one card side by side (time-slicing isolates nothing: footprints add up). */
export function serversPerCard(input: EstimateInput): number {
  const { deviceFootprintGiB, fitsMaxModelLen } = estimateMemory(input);
  if (!fitsMaxModelLen) return 0;
  return Math.floor(input.gpu.totalMemoryGiB / deviceFootprintGiB);
}
