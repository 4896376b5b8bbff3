import type { StackValidationPolicy } from "@pulumi/policy";
import { hostConfigSchema, hostFrom, slicesPerGpu } from "./config";
import { planGpus } from "./gpuPlan";
import { workloadPolicy } from "./workloadPolicy";
import { gpuSlices, podGpuSlices, type ResourceLike } from "./workloads";

const gb = (x: number) => `${x.toFixed(1)} GiB`;

/** How many of the (largest-first) footprints fit one card together; at least 1. */
function podsThatFit(footprints: number[], memoryGiB: number): number {
  let used = 0;
  let count = 0;
  for (const f of footprints) {
    if (used + f > memoryGiB) break;
    used += f;
    count++;
  }
  return Math.max(1, count);
}

export const gpuSlicesWithinHost: StackValidationPolicy = {
  name: "gpu-slices-within-host",
  description: "All GPU pods (replicas plus the pods a rolling update adds) fit the slices the host offers.",
  enforcementLevel: "mandatory",
  configSchema: hostConfigSchema,
  validateStack: (args, reportViolation) => {
    const host = hostFrom(args);
    const plan = planGpus(args.resources as ResourceLike[], host);
    if (plan.slicesRequested <= plan.slicesTotal) return;
    const byWorkload = new Map<string, number>();
    for (const pod of plan.pods) byWorkload.set(pod.resource, (byWorkload.get(pod.resource) ?? 0) + pod.slices);
    const parts = [...byWorkload].map(([w, n]) => `${w} ${n}`).join(" + ");
    const gpus = host.nodes.reduce((s, n) => s + n.gpus, 0);
    reportViolation(
      `GPU slices: ${parts} = ${plan.slicesRequested} > ${plan.slicesTotal} (${gpus} GPUs × ${slicesPerGpu(host)} slices). ` +
        `Pods beyond that stay Pending. Serve adapters as LoRA modules or served names of one server, lower replicas, ` +
        `or use rollout Recreate / maxSurge 0 so updates add no pods.`,
    );
  },
};

export const gpuMemoryPerCard: StackValidationPolicy = {
  name: "gpu-memory-per-card",
  description: "The worst-case set of GPU pods that can share a card fits its memory (time-slicing isolates none; MPS caps each client).",
  enforcementLevel: "mandatory",
  configSchema: hostConfigSchema,
  validateStack: (args, reportViolation) => {
    const host = hostFrom(args);
    const plan = planGpus(args.resources as ResourceLike[], host);
    const card = plan.cards.find((c) => !c.fits);
    if (!card) return;
    const pods = card.worstCase.map((p) => `${p.pod} ${gb(p.footprintGiB)}`).join(" + ");
    if (host.sharing.mode === "time-slicing") {
      reportViolation(
        `gpu card ${card.card} (${gb(card.memoryGiB)}): ${pods} can share it under time-slicing = ${gb(card.totalGiB)}. ` +
          `Serve the adapters as LoRA modules or served names on one base model, use a 4-bit build, lower --gpu-memory-utilization ` +
          `(gpuMemoryUtilization: auto), or set time-slicing replicas to ${podsThatFit(card.worstCase.map((p) => p.footprintGiB), card.memoryGiB)}.`,
      );
    } else if (host.sharing.mode === "mps") {
      const cap = card.memoryGiB / plan.sharing.slicesPerGpu;
      const over = card.worstCase.filter((p) => p.footprintGiB > cap).map((p) => `${p.pod} ${gb(p.footprintGiB)}`);
      reportViolation(
        `gpu card ${card.card} (${gb(card.memoryGiB)}): MPS caps each of ${plan.sharing.slicesPerGpu} clients at ${gb(cap)}; ${over.join(", ")} exceed it. ` +
          `Lower --gpu-memory-utilization or use fewer MPS replicas.`,
      );
    } else {
      reportViolation(`gpu card ${card.card} (${gb(card.memoryGiB)}): ${pods} does not fit one GPU. Use a smaller or 4-bit model, or tensor parallelism over more GPUs.`);
    }
  },
};

export const vllmKvCacheFits: StackValidationPolicy = {
  name: "vllm-kv-cache-fits-max-model-len",
  description: "Each vLLM's KV cache holds at least one --max-model-len sequence (vLLM refuses to start otherwise).",
  enforcementLevel: "mandatory",
  configSchema: hostConfigSchema,
  validateStack: (args, reportViolation) => {
    const plan = planGpus(args.resources as ResourceLike[], hostFrom(args));
    const seen = new Set<string>();
    for (const pod of plan.pods) {
      if (!pod.kvShortfall || seen.has(pod.resource)) continue;
      seen.add(pod.resource);
      reportViolation(
        `${pod.resource}: ${pod.kvShortfall}; vLLM will refuse to start. Raise --gpu-memory-utilization (gpuMemoryUtilization: auto), ` +
          `lower --max-model-len or --max-num-batched-tokens, use --kv-cache-dtype fp8, or a 4-bit build.`,
      );
    }
  },
};

export const gpuLimitsWhole = workloadPolicy(
  {
    name: "gpu-limits-whole-slices",
    description: "GPU limits are whole numbers, one slice per pod under time-slicing (failRequestsGreaterThanOne).",
    enforcementLevel: "mandatory",
    configSchema: hostConfigSchema,
  },
  (w, { host, report }) => {
    for (const c of w.containers) {
      const slices = gpuSlices(c);
      if (Number.isNaN(slices)) {
        report(`${w.label} container ${c.name}: GPU limit ${JSON.stringify(c.resources?.limits)} is not a whole number; "0.5 GPU" is not expressible. Use 1 and share the card with time-slicing.`);
      } else if (slices > 1 && host.sharing.mode !== "none") {
        report(`${w.label} container ${c.name}: asks for ${slices} GPU slices; with ${host.sharing.mode} the device plugin refuses more than 1 (failRequestsGreaterThanOne) and slices may be the same card. Use 1, or sharing mode none for tensor parallelism.`);
      }
    }
  },
);

export const gpuRolloutNoDeadlock = workloadPolicy(
  {
    name: "gpu-rollout-no-deadlock",
    description: "GPU Deployments use Recreate or maxSurge 0: a surge pod waits for the GPU its old pod holds.",
    enforcementLevel: "mandatory",
  },
  (w, { report }) => {
    if (w.kind !== "Deployment" || !(podGpuSlices(w) > 0) || w.surge === 0) return;
    report(
      `${w.label}: rolling update adds ${w.surge} GPU pod(s) while the old ones still hold their GPU slices and VRAM; the rollout can deadlock or OOM the card. ` +
        `Set strategy Recreate (rollout: Recreate) or rollingUpdate.maxSurge: 0.`,
    );
  },
);
