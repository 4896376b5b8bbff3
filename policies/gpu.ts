import type { StackValidationPolicy } from "@pulumi/policy";
import { formatCapability, lookupGpu, planKernels, parseVllmArgs, lookupModel, capabilityInt, type AttentionBackend } from "@llm-platform/capacity";
import { hostConfigSchema, hostFrom, slicesPerGpu } from "./config";
import { exactFootprint, inventoryCards, planGpus, STOP_MARGIN_SECONDS } from "./gpuPlan";
import { workloadPolicy } from "./workloadPolicy";
import { gpuSlices, podGpuSlices, vllmArgsOf, type ResourceLike } from "./workloads";

/** GiB to the precision of the GPU catalog's usable memory (9.78) and the footprints. */
const gb = (x: number) => `${x.toFixed(2)} GiB`;

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
    if (host.sharing.mode === "dra") {
      const known = new Set(inventoryCards(host).map((c) => c.card));
      for (const pod of plan.pods) {
        if (!pod.cards?.length) {
          reportViolation(
            `${pod.resource}: asks for GPU slices (${pod.slices}) but the host shares GPUs with DRA: reference the ResourceClaim of the card it is placed on (servers.<name>.placement)`,
          );
          continue;
        }
        for (const card of pod.cards.filter((c) => !known.has(c)))
          reportViolation(`${pod.resource}: its ResourceClaim stands for ${card}, which is not a card of the host inventory (${[...known].join(", ")})`);
      }
      return;
    }
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
  description:
    "The set of GPU pods that can share a card fits its usable memory at their pessimistic footprints (time-slicing: the worst case, it isolates none; MPS caps each client; DRA: the exact set per card and mode).",
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
          `(gpuMemoryUtilization: auto), or set time-slicing replicas to ${podsThatFit(card.worstCase.map(exactFootprint), card.memoryGiB)}.`,
      );
    } else if (host.sharing.mode === "mps") {
      const cap = card.memoryGiB / plan.sharing.slicesPerGpu;
      const over = card.worstCase.filter((p) => p.footprintGiB > cap).map((p) => `${p.pod} ${gb(p.footprintGiB)}`);
      reportViolation(
        `gpu card ${card.card} (${gb(card.memoryGiB)}): MPS caps each of ${plan.sharing.slicesPerGpu} clients at ${gb(cap)}; ${over.join(", ")} exceed it. ` +
          `Lower --gpu-memory-utilization or use fewer MPS replicas.`,
      );
    } else if (host.sharing.mode === "dra") {
      reportViolation(
        `gpu card ${card.card} (${gb(card.memoryGiB)} usable): ${pods} are placed on it (their ResourceClaim) = ${gb(card.totalGiB)} at the pessimistic end. ` +
          `Move a server to another card (servers.<name>.placement), lower its gpuMemoryUtilization (auto), or run them in different modes; \`npm run plan -- --suggest\` ranks layouts that fit.`,
      );
    } else {
      reportViolation(
        `gpu card ${card.card} (${gb(card.memoryGiB)}): ${pods} does not fit one GPU. Use a smaller or 4-bit model, or tensor parallelism over more GPUs.`,
      );
    }
  },
};

export const vllmKvCacheFits: StackValidationPolicy = {
  name: "vllm-kv-cache-fits-max-model-len",
  description:
    "Each vLLM's KV cache holds at least one --max-model-len sequence at the pessimistic end of the estimator's error band (vLLM refuses to start otherwise).",
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
        report(
          `${w.label} container ${c.name}: GPU limit ${JSON.stringify(c.resources?.limits)} is not a whole number; "0.5 GPU" is not expressible. Use 1 and share the card with time-slicing.`,
        );
      } else if (slices > 1 && host.sharing.mode !== "none" && host.sharing.mode !== "dra") {
        report(
          `${w.label} container ${c.name}: asks for ${slices} GPU slices; with ${host.sharing.mode} the device plugin refuses more than 1 (failRequestsGreaterThanOne) and slices may be the same card. Use 1, or sharing mode none for tensor parallelism.`,
        );
      }
    }
  },
);

export const gpuRolloutNoDeadlock = workloadPolicy(
  {
    name: "gpu-rollout-no-deadlock",
    description:
      "GPU Deployments (GPU slices or ResourceClaims) use Recreate or maxSurge 0: a surge pod waits for the GPU its old pod holds, or meets it on the card.",
    enforcementLevel: "mandatory",
  },
  (w, { report }) => {
    // A GPU pod asks for slices (device plugin) or references ResourceClaims (DRA): either way the surge pod meets the old one on its card.
    const gpuPod = podGpuSlices(w) > 0 || Number.isNaN(podGpuSlices(w)) || (w.podSpec.resourceClaims ?? []).length > 0;
    if (w.kind !== "Deployment" || !gpuPod || w.surge === 0) return;
    report(
      `${w.label}: rolling update adds ${w.surge} GPU pod(s) while the old ones still hold their GPU (slices or ResourceClaim) and VRAM; the rollout can deadlock or OOM the card. ` +
        `Set strategy Recreate (rollout: Recreate) or rollingUpdate.maxSurge: 0.`,
    );
  },
);

export const gpuStartupFreeMemory: StackValidationPolicy = {
  name: "gpu-startup-free-memory",
  description:
    "Servers sharing a card (DRA) pass vLLM's start-up free-memory check in start order: each finds its --gpu-memory-utilization × card free beside those started before it.",
  enforcementLevel: "mandatory",
  configSchema: hostConfigSchema,
  validateStack: (args, reportViolation) => {
    const plan = planGpus(args.resources as ResourceLike[], hostFrom(args));
    for (const card of plan.cards) {
      for (const step of card.startup ?? []) {
        if (step.passes) continue;
        reportViolation(
          `gpu card ${card.card}: ${step.name} would fail at start — "${step.message}" — beside ${card.worstCase
            .filter((p) => p.pod !== step.name)
            .map((p) => `${p.pod} ${gb(p.footprintGiB)}`)
            .join(" + ")}. ` + `Lower its gpuMemoryUtilization (auto sizes it to fit beside its neighbours) or move it to another card.`,
        );
      }
    }
  },
};

export const servingModesDoNotOverlap: StackValidationPolicy = {
  name: "serving-modes-no-overlap",
  description: "Serving modes (KEDA cron ScaledObjects) that hold the same cards are never on at the same time, and each mode fits its cards on its own.",
  enforcementLevel: "mandatory",
  configSchema: hostConfigSchema,
  validateStack: (args, reportViolation) => {
    const plan = planGpus(args.resources as ResourceLike[], hostFrom(args));
    for (const o of plan.overlaps) {
      reportViolation(
        `modes "${o.modes[0]}" and "${o.modes[1]}" both hold ${o.cards.join(", ")} and are on at the same time (first at ${o.at}): ` +
          `their servers would share the cards' memory. Change one schedule so its window ends before the other's starts (modes.<name>.schedule), or place them on different cards.`,
      );
    }
    for (const mode of plan.modes.filter((m) => !m.fits)) {
      const over = mode.cards.filter((c) => !c.fits).map((c) => `${c.card} ${gb(c.totalGiB)} of ${gb(c.memoryGiB)} (${c.pods.join(" + ")})`);
      reportViolation(
        `mode "${mode.name}" does not fit its cards at the pessimistic end: ${over.join("; ")}. Lower its servers' gpuMemoryUtilization (auto) or maxModelLen, or move a server to another card.`,
      );
    }
  },
};

export const servingModeSwitchGap: StackValidationPolicy = {
  name: "serving-mode-switch-gap",
  description:
    "A mode starts on shared cards only after the previous mode's pods have stopped and released their memory: KEDA's polling interval + cooldown + the pods' termination grace + a stop margin.",
  enforcementLevel: "mandatory",
  configSchema: hostConfigSchema,
  validateStack: (args, reportViolation) => {
    const plan = planGpus(args.resources as ResourceLike[], hostFrom(args));
    for (const g of plan.gaps) {
      reportViolation(
        `mode "${g.to}" starts ${g.gapSeconds} s after mode "${g.from}" ends (${g.at}) on ${g.cards.join(", ")}, but "${g.from}"'s pods may hold the memory for ${g.requiredSeconds} s ` +
          `(KEDA polling interval + cooldownPeriod + terminationGracePeriodSeconds + ${STOP_MARGIN_SECONDS} s): vLLM's start-up free-memory check would fail. ` +
          `Start "${g.to}" at least ${Math.ceil(g.requiredSeconds / 60)} minute(s) after "${g.from}" ends, or lower keda.cooldownPeriodSeconds.`,
      );
    }
  },
};

/** vLLM's attention backends a pod can select: the one its command line pins, else all of the image's. */
function allowedBackends(args: string[]): AttentionBackend[] | undefined {
  const pinned = parseVllmArgs(args).flags.get("attention-backend")?.[0];
  return pinned && pinned !== "auto" ? [pinned as AttentionBackend] : undefined;
}

export const vllmKernelsRunOnCard = workloadPolicy(
  {
    name: "vllm-kernels-run-on-card",
    description:
      "Each vLLM server's weight quantization, dtype and KV-cache dtype have a kernel on the cards it may run on (vLLM v0.19, by compute capability); an fp8 KV cache below 8.9 pins the FLASHINFER attention backend.",
    enforcementLevel: "mandatory",
    configSchema: hostConfigSchema,
  },
  (w, { host, report }) => {
    const products = [
      ...new Set(
        host.nodes
          .filter((n) => n.gpus > 0)
          .map((n) => n.gpuProduct)
          .filter((p): p is string => p !== undefined),
      ),
    ];
    for (const c of w.containers) {
      const args = vllmArgsOf(c);
      if (!args || args.length === 0) continue;
      const parsed = parseVllmArgs(args);
      if (!parsed.model) continue;
      let entry;
      try {
        entry = lookupModel(parsed.model);
      } catch {
        continue;
      }
      const kv = parsed.flags.get("kv-cache-dtype")?.[0] === "fp8" ? "fp8" : "auto";
      const quantization = parsed.flags.get("quantization")?.[0];
      for (const product of products) {
        let spec;
        try {
          spec = lookupGpu(product);
        } catch {
          continue;
        }
        const plan = planKernels(
          entry,
          { kvCacheDtype: kv, runtimeQuantization: quantization === "fp8" && entry.quantization.method === "none" ? "fp8" : undefined },
          spec,
          { attentionBackends: allowedBackends(args) },
        );
        for (const p of plan.problems) report(`${w.label} container ${c.name}: ${p.message}. Fix: ${p.fix}.`);
        if (
          plan.runnable &&
          kv === "fp8" &&
          entry.kind !== "encoder" &&
          spec.computeCapability.major !== 9 &&
          capabilityInt(spec.computeCapability) < 89 &&
          !allowedBackends(args)
        ) {
          report(
            `${w.label} container ${c.name}: --kv-cache-dtype fp8 on a ${spec.name} (compute capability ${formatCapability(spec.computeCapability)}) runs only on the FLASHINFER attention backend ` +
              `(Triton's fp8e4nv needs 8.9); the command line does not pin it, so a fall-back to Triton fails at the first request. Add --attention-backend FLASHINFER (the program does for kvCacheDtype: fp8).`,
          );
        }
        if (quantization && plan.flags.quantization && quantization !== plan.flags.quantization && quantization !== "fp8") {
          report(
            `${w.label} container ${c.name}: --quantization ${quantization} but a ${spec.name} (compute capability ${formatCapability(spec.computeCapability)}) runs ${plan.flags.quantization} for ${parsed.model}. Fix: use --quantization ${plan.flags.quantization}.`,
          );
        }
      }
    }
  },
);

/** The pack's GPU policies, in the pack's order: what a GPU layout changes (`npm run plan -- --suggest` judges layouts with these). */
export const gpuPolicies = [
  gpuSlicesWithinHost,
  gpuMemoryPerCard,
  vllmKvCacheFits,
  gpuStartupFreeMemory,
  servingModesDoNotOverlap,
  servingModeSwitchGap,
  vllmKernelsRunOnCard,
  gpuLimitsWhole,
  gpuRolloutNoDeadlock,
];
