import { cudaContextGiBPessimistic, estimateMemory } from "./estimate";
import type { EstimateInput, MemoryEstimate } from "./types";

/**
 * Planning questions, all answered at the pessimistic end of the estimator's error band: the KV
 * cache a real run is guaranteed to get (`kvCacheTokensGuaranteed`) and the most memory it may hold
 * (`deviceFootprintGiBPessimistic`).
 */
export interface CapacityWant {
  /** Tokens of one sequence (the server's --max-model-len). */
  maxModelLen: number;
  /** Sequences of that length the KV cache must hold at once. */
  concurrency: number;
}

const GiB = 2 ** 30;
/** Utilizations are planned in steps of 0.01 (what people write in a config). */
const STEPS = 100;

function withSettings(input: EstimateInput, gpuMemoryUtilization: number, maxModelLen: number): EstimateInput {
  return { ...input, vllm: { ...input.vllm, gpuMemoryUtilization, maxModelLen } };
}

/** Whether the estimate guarantees `want` (encoders: the budget holds the pessimistic non-KV memory). */
export function holdsGuaranteed(input: EstimateInput, estimate: MemoryEstimate, want: CapacityWant): boolean {
  if (input.model.kind === "encoder") return estimate.fitsMaxModelLenGuaranteed;
  return estimate.kvCacheTokensGuaranteed >= want.maxModelLen * want.concurrency;
}

/**
 * The smallest --gpu-memory-utilization (a multiple of 0.01) whose KV cache is guaranteed to hold
 * `concurrency` sequences of `maxModelLen` tokens at the pessimistic end (encoders: whose budget holds
 * weights and activations), or undefined when even the whole card is not enough.
 */
export function minGpuMemoryUtilization(input: EstimateInput, want: CapacityWant): number | undefined {
  for (let step = 1; step <= STEPS; step++) {
    const candidate = withSettings(input, step / STEPS, want.maxModelLen);
    if (holdsGuaranteed(candidate, estimateMemory(candidate), want)) return step / STEPS;
  }
  return undefined;
}

/**
 * The largest --gpu-memory-utilization (a multiple of 0.01) whose pessimistic footprint fits the card
 * beside `neighbourFootprintsGiB` (the pessimistic footprints of the other processes on the card), or
 * undefined when not even 0.01 fits. "auto" can take this to use room that would otherwise sit idle.
 * The footprint grows with the utilization and nothing else, so the answer is exact on the 0.01 grid.
 */
export function maxGpuMemoryUtilization(input: EstimateInput, neighbourFootprintsGiB: readonly number[] = []): number | undefined {
  const total = input.gpu.totalMemoryGiB;
  const neighbours = neighbourFootprintsGiB.reduce((sum, x) => sum + x, 0);
  const atZero = estimateMemory(withSettings(input, 1 / STEPS, input.vllm.maxModelLen));
  // Footprint = fixed part + util × total: solve for util, then check on the grid against rounding.
  const fixed = atZero.deviceFootprintGiBPessimistic - total / STEPS;
  let step = Math.min(STEPS, Math.floor(((total - neighbours - fixed) / total) * STEPS + 1e-9));
  while (step >= 1) {
    const e = estimateMemory(withSettings(input, step / STEPS, input.vllm.maxModelLen));
    if (e.deviceFootprintGiBPessimistic + neighbours <= total) return step / STEPS;
    step--;
  }
  return undefined;
}

/** Whether vLLM can start at all, at the pessimistic end: one max-model-len sequence fits the KV cache. */
export function fitsOneSequence(input: EstimateInput): boolean {
  return estimateMemory(input).fitsMaxModelLenGuaranteed;
}

/** How many identical servers fit one card side by side at their pessimistic footprints (time-slicing isolates nothing). */
export function serversPerCard(input: EstimateInput): number {
  const { deviceFootprintGiBPessimistic, fitsMaxModelLenGuaranteed } = estimateMemory(input);
  if (!fitsMaxModelLenGuaranteed) return 0;
  return Math.floor(input.gpu.totalMemoryGiB / deviceFootprintGiBPessimistic);
}

/** A process that already holds memory on the card (another vLLM server, or anything else). */
export interface CardResident {
  name: string;
  /** Its pessimistic footprint on this card. */
  footprintGiB: number;
}

export interface StartupStep {
  name: string;
  /** Free memory vLLM measures at start: total − earlier processes − its own CUDA context (pessimistic). */
  freeAtStartGiB: number;
  /** `--gpu-memory-utilization × total` (vLLM rounds the bytes up). */
  requestedGiB: number;
  passes: boolean;
  /** The failure vLLM would print, in its words, when it does not pass. */
  message?: string;
}

/**
 * vLLM v0.19.0's start-up free-memory check, for servers started one after another on one card.
 *
 * `vllm/v1/worker/gpu_worker.py::init_device` initialises CUDA and NCCL, then snapshots memory
 * (`MemorySnapshot`: `torch.cuda.mem_get_info`) and calls `vllm/v1/worker/utils.py::request_memory`:
 * `requested = ceil(total × gpu_memory_utilization)`; if `free < requested` it raises "Free memory on
 * device … on startup is less than desired GPU memory utilization". Free memory at that point is the
 * card's total less every process already on it and less this process's own CUDA context (and NCCL
 * buffers at TP ≥ 2); CUDA graphs come later, outside the requested budget.
 *
 * `residents` are on the card before the first server (their pessimistic footprints); each started
 * server then counts with its own pessimistic footprint for those after it. Returns one step per server.
 */
export function startupFreeMemoryCheck(servers: readonly { name: string; input: EstimateInput }[], residents: readonly CardResident[] = []): StartupStep[] {
  const steps: StartupStep[] = [];
  let held = residents.reduce((sum, r) => sum + r.footprintGiB, 0);
  for (const server of servers) {
    const total = server.input.gpu.totalMemoryGiB;
    const e = estimateMemory(server.input);
    const ownContext = cudaContextGiBPessimistic(server.input);
    // vLLM compares whole bytes; rounding to bytes keeps float noise out of an exact fit.
    const freeBytes = Math.round((total - held - ownContext) * GiB);
    const requestedBytes = Math.ceil(server.input.vllm.gpuMemoryUtilization * total * GiB);
    const freeAtStartGiB = freeBytes / GiB;
    const requestedGiB = requestedBytes / GiB;
    const passes = freeBytes >= requestedBytes;
    steps.push({
      name: server.name,
      freeAtStartGiB,
      requestedGiB,
      passes,
      message: passes
        ? undefined
        : `Free memory on device (${freeAtStartGiB.toFixed(2)}/${total} GiB) on startup is less than desired GPU memory utilization ` +
          `(${server.input.vllm.gpuMemoryUtilization}, ${requestedGiB.toFixed(2)} GiB)`,
    });
    held += e.deviceFootprintGiBPessimistic;
  }
  return steps;
}
