import { estimateInputFromArgs, estimateMemory, flagNumber, flagPresent, parseVllmArgs } from "@llm-platform/capacity";
import { cardGiB, slicesPerGpu, type HostPolicyConfig } from "./config";
import { gpuSlices, podGpuSlices, vllmArgsOf, workloads, type ResourceLike, type Workload } from "./workloads";

export interface GpuPod {
  /** The workload, e.g. "Deployment llm-inference/vllm-llm". */
  resource: string;
  /** One pod of it: "vllm-llm-0", or "vllm-llm-surge-0" for a pod a rolling update adds. */
  pod: string;
  namespace: string;
  footprintGiB: number;
  slices: number;
  detail: string;
  /** vLLM refuses to start: one --max-model-len sequence does not fit its KV cache. */
  kvShortfall?: string;
}

export interface CardPlan {
  card: string;
  memoryGiB: number;
  /** The pods that can end up together on this card in the worst case. */
  worstCase: GpuPod[];
  totalGiB: number;
  headroomGiB: number;
  fits: boolean;
}

export interface GpuPlan {
  sharing: { mode: HostPolicyConfig["sharing"]["mode"]; slicesPerGpu: number };
  slicesTotal: number;
  slicesRequested: number;
  pods: GpuPod[];
  cards: CardPlan[];
  /** Problems estimating a pod (model not in the catalog, unparseable args); the footprint then assumes the worst. */
  errors: string[];
}

const round2 = (x: number) => Math.round(x * 100) / 100;
/** CUDA graphs of an unknown model: the top of what real runs show. */
const UNKNOWN_GRAPHS_GiB = 2;
const CONTEXT_GiB = 0.55;

function podFootprint(w: Workload, card: number, errors: string[]): Omit<GpuPod, "resource" | "pod" | "namespace" | "slices"> {
  const gpuContainers = w.containers.filter((c) => gpuSlices(c) > 0);
  let total = 0;
  const details: string[] = [];
  let kvShortfall: string | undefined;
  for (const container of gpuContainers) {
    const args = vllmArgsOf(container);
    if (!args) {
      total += card;
      details.push(`${container.name}: not vLLM, assumed to use the whole card`);
      continue;
    }
    try {
      const input = estimateInputFromArgs(args, card);
      const e = estimateMemory(input);
      total += e.deviceFootprintGiB;
      details.push(
        `${input.id}: util ${input.vllm.gpuMemoryUtilization} → weights ${e.weightsGiB.toFixed(2)} + KV ${Math.max(0, e.kvCacheGiB).toFixed(2)} GiB (${e.kvCacheTokens} tokens)`,
      );
      if (!e.fitsMaxModelLen) {
        kvShortfall =
          e.kvCacheGiB <= 0
            ? `util ${input.vllm.gpuMemoryUtilization} × ${card} GiB leaves no KV cache after weights ${e.weightsGiB.toFixed(2)} GiB + activations ${e.activationGiB.toFixed(2)} GiB + non-torch ${e.nonTorchGiB.toFixed(2)} GiB`
            : `KV cache holds ${e.kvCacheTokens} tokens < --max-model-len ${input.vllm.maxModelLen}`;
      }
    } catch (error) {
      const parsed = parseVllmArgs(args);
      const util = flagNumber(parsed, "gpu-memory-utilization") ?? 0.9;
      const graphs = flagPresent(parsed, "enforce-eager") ? 0 : UNKNOWN_GRAPHS_GiB;
      total += CONTEXT_GiB + util * card + graphs;
      errors.push(`${w.label}: ${error instanceof Error ? error.message : String(error)}; footprint taken as context + util × card + ${graphs} GiB graphs`);
      details.push(`${parsed.model ?? "unknown model"}: util ${util} (model not in the catalog)`);
    }
  }
  return { footprintGiB: round2(total), detail: details.join("; "), kvShortfall };
}

/** Every GPU pod of the plan (replicas and rolling-update surge pods) with its footprint on one card. */
export function gpuPods(resources: ResourceLike[], host: HostPolicyConfig, errors: string[] = []): GpuPod[] {
  const card = cardGiB(host);
  const pods: GpuPod[] = [];
  for (const w of workloads(resources)) {
    const slices = podGpuSlices(w);
    if (!(slices > 0) && !Number.isNaN(slices)) continue;
    const base = (w.resource.props.metadata?.name as string | undefined) ?? w.resource.name;
    const footprint = podFootprint(w, card, errors);
    const count = w.kind === "DaemonSet" ? host.nodes.filter((n) => n.gpus > 0).length : w.replicas;
    for (let i = 0; i < count; i++) pods.push({ resource: w.label, pod: `${base}-${i}`, namespace: w.namespace, slices, ...footprint });
    for (let i = 0; i < w.surge; i++) pods.push({ resource: w.label, pod: `${base}-surge-${i}`, namespace: w.namespace, slices, ...footprint });
  }
  return pods;
}

/**
 * The GPU plan per card. Time-slicing: any `slicesPerGpu` pods may share a card and nothing isolates
 * memory, so the largest footprints that fit in its slices must fit its memory. MPS: each client is
 * capped at card / replicas. No sharing: one pod per GPU.
 */
export function planGpus(resources: ResourceLike[], host: HostPolicyConfig): GpuPlan {
  const errors: string[] = [];
  const pods = gpuPods(resources, host, errors);
  const perGpu = slicesPerGpu(host);
  const slicesTotal = host.nodes.reduce((sum, n) => sum + n.gpus * perGpu, 0);
  const slicesRequested = pods.reduce((sum, p) => sum + (Number.isNaN(p.slices) ? 1 : p.slices), 0);
  const sorted = [...pods].sort((a, b) => b.footprintGiB - a.footprintGiB);
  const cards: CardPlan[] = [];
  for (const node of host.nodes) {
    for (let gpu = 0; gpu < node.gpus; gpu++) {
      const memoryGiB = node.gpuMemoryGiB;
      let worstCase: GpuPod[];
      let fits: boolean;
      if (host.sharing.mode === "time-slicing") {
        worstCase = sorted.slice(0, perGpu);
        fits = worstCase.reduce((s, p) => s + p.footprintGiB, 0) <= memoryGiB;
      } else if (host.sharing.mode === "mps") {
        worstCase = sorted.slice(0, perGpu);
        fits = worstCase.every((p) => p.footprintGiB <= memoryGiB / perGpu);
      } else {
        worstCase = sorted.slice(0, 1);
        fits = worstCase.every((p) => p.footprintGiB <= memoryGiB);
      }
      const totalGiB = round2(worstCase.reduce((s, p) => s + p.footprintGiB, 0));
      cards.push({ card: `${node.name}/gpu${gpu}`, memoryGiB, worstCase, totalGiB, headroomGiB: round2(memoryGiB - totalGiB), fits });
    }
  }
  return { sharing: { mode: host.sharing.mode, slicesPerGpu: perGpu }, slicesTotal, slicesRequested, pods, cards, errors };
}
