import {
  estimateInputFromArgs,
  estimateMemory,
  flagNumber,
  flagPresent,
  parseVllmArgs,
  startupFreeMemoryCheck,
  type EstimateInput,
  type StartupStep,
} from "@llm-platform/capacity";
import { cardGiB, cardProduct, nodeCardGiB, slicesPerGpu, type HostPolicyConfig } from "./config";
import { activeMinutes, minuteLabel, MINUTES_PER_WEEK, REFERENCE_WEEKS_UTC, type CronWindow } from "./cron";
import { gpuSlices, podGpuSlices, vllmArgsOf, workloads, type ResourceLike, type Workload } from "./workloads";

export interface GpuPod {
  /** The workload, e.g. "Deployment llm-inference/vllm-llm". */
  resource: string;
  /** One pod of it: "vllm-llm-0", or "vllm-llm-surge-0" for a pod a rolling update adds. */
  pod: string;
  namespace: string;
  /** The vLLM server (the `llm-platform.io/server` label), when the workload is one. */
  server?: string;
  /** Pessimistic device footprint on one card (what packing uses). */
  footprintGiB: number;
  /** Expected device footprint on one card. */
  footprintGiBExpected: number;
  slices: number;
  /** `--max-model-len` (vLLM servers). */
  maxModelLen?: number;
  /** KV cache tokens expected. */
  kvCacheTokens?: number;
  /** KV cache tokens at the pessimistic end of the estimator's error band. */
  kvCacheTokensGuaranteed?: number;
  /** DRA: the cards (`node/gpuN`) the pod's ResourceClaims stand for. */
  cards?: string[];
  /** Modes (KEDA cron trigger names) the pod runs in; empty: always. */
  modes: string[];
  detail: string;
  /** vLLM refuses to start: one --max-model-len sequence does not fit its KV cache (at the pessimistic end). */
  kvShortfall?: string;
}

export interface CardPlan {
  card: string;
  /** The `nvidia.com/gpu.product` label of the card (when the inventory names it). */
  product?: string;
  /** Usable memory (CUDA total). */
  memoryGiB: number;
  /** The pods whose memory must fit this card together: time-slicing/MPS the worst case, DRA the exact set (the fullest mode). */
  worstCase: GpuPod[];
  totalGiB: number;
  headroomGiB: number;
  fits: boolean;
  /** DRA: vLLM's start-up free-memory check for the card's servers in start order (the fullest mode). */
  startup?: StartupStep[];
}

export interface ModeCardPlan {
  card: string;
  memoryGiB: number;
  pods: string[];
  totalGiB: number;
  headroomGiB: number;
  fits: boolean;
}

export interface ModePlan {
  name: string;
  schedule: CronWindow[];
  /** Minutes per week the mode is on (UTC reference week). */
  minutesPerWeek: number;
  fits: boolean;
  cards: ModeCardPlan[];
}

export interface ModeOverlap {
  modes: [string, string];
  cards: string[];
  /** First minute both are on, in the reference week. */
  at: string;
}

export interface ModeGap {
  from: string;
  to: string;
  cards: string[];
  at: string;
  gapSeconds: number;
  requiredSeconds: number;
}

export interface GpuPlan {
  sharing: { mode: HostPolicyConfig["sharing"]["mode"]; slicesPerGpu: number };
  slicesTotal: number;
  slicesRequested: number;
  pods: GpuPod[];
  cards: CardPlan[];
  /** Serving modes (KEDA cron ScaledObjects), each judged on its own budget. */
  modes: ModePlan[];
  overlaps: ModeOverlap[];
  gaps: ModeGap[];
  /** Problems estimating a pod (model not in the catalog, unparseable args); the footprint then assumes the worst. */
  errors: string[];
}

const round2 = (x: number) => Math.round(x * 100) / 100;
/** CUDA graphs of an unknown model: the top of what real runs show. */
const UNKNOWN_GRAPHS_GiB = 2;
const CONTEXT_GiB = 0.55;
/** Seconds between a pod's SIGKILL and the driver freeing its memory, and clock skew: added to every mode switch. */
export const STOP_MARGIN_SECONDS = 30;
const RESOURCE_CLAIM = "kubernetes:resource.k8s.io/v1:ResourceClaim";
const SCALED_OBJECT = "kubernetes:keda.sh/v1alpha1:ScaledObject";
const CARD_NODE_LABEL = "llm-platform.io/gpu-node";
const CARD_INDEX_LABEL = "llm-platform.io/gpu-index";

/**
 * The capacity model's input for a `vllm serve` command line on a card: `estimateInputFromArgs`, plus
 * the attention backend the command line pins (`--attention-backend`), which decides FlashInfer's
 * workspace.
 */
export function estimateInputOf(args: readonly string[], memoryGiB: number, product?: string): EstimateInput {
  const parsed = parseVllmArgs(args);
  const input = estimateInputFromArgs(parsed, memoryGiB, product);
  const backend = parsed.flags.get("attention-backend")?.[0];
  if (backend === "FLASH_ATTN" || backend === "FLASHINFER" || backend === "TRITON_ATTN" || backend === "FLEX_ATTENTION") input.vllm.attentionBackend = backend;
  return input;
}

/** Every card of the inventory: id, product, usable memory. */
export function inventoryCards(host: HostPolicyConfig): { card: string; node: string; product?: string; memoryGiB: number }[] {
  return host.nodes.flatMap((n) =>
    Array.from({ length: n.gpus }, (_, i) => ({ card: `${n.name}/gpu${i}`, node: n.name, product: n.gpuProduct, memoryGiB: nodeCardGiB(n) })),
  );
}

/** ResourceClaim name (namespace/name) → card, from the claims' card labels. */
function claimCards(resources: ResourceLike[]): Map<string, string> {
  const cards = new Map<string, string>();
  for (const r of resources) {
    if (r.type !== RESOURCE_CLAIM) continue;
    const labels = r.props.metadata?.labels ?? {};
    const node = labels[CARD_NODE_LABEL];
    const index = labels[CARD_INDEX_LABEL];
    if (node !== undefined && index !== undefined)
      cards.set(`${r.props.metadata?.namespace ?? "default"}/${r.props.metadata?.name ?? r.name}`, `${node}/gpu${index}`);
  }
  return cards;
}

interface Schedule {
  maxReplicas: number;
  windows: (CronWindow & { mode: string })[];
  /** KEDA polls this often and scales to zero this long after the last window closed. */
  pollingIntervalSeconds: number;
  cooldownPeriodSeconds: number;
}

/** Deployment (namespace/name) → its KEDA ScaledObject's cron windows. */
function schedules(resources: ResourceLike[]): Map<string, Schedule> {
  const out = new Map<string, Schedule>();
  for (const r of resources) {
    if (r.type !== SCALED_OBJECT) continue;
    const spec = r.props.spec ?? {};
    const target = spec.scaleTargetRef?.name;
    if (!target || (spec.scaleTargetRef?.kind ?? "Deployment") !== "Deployment") continue;
    const windows = (spec.triggers ?? [])
      .filter((t: any) => t.type === "cron")
      .map((t: any) => ({
        mode: String(t.name ?? `${target}-cron`),
        start: String(t.metadata?.start),
        end: String(t.metadata?.end),
        timezone: String(t.metadata?.timezone ?? "UTC"),
      }));
    out.set(`${r.props.metadata?.namespace ?? "default"}/${target}`, {
      maxReplicas: spec.maxReplicaCount ?? 100,
      windows,
      pollingIntervalSeconds: spec.pollingInterval ?? 30,
      cooldownPeriodSeconds: spec.cooldownPeriod ?? 300,
    });
  }
  return out;
}

interface Footprint {
  footprintGiB: number;
  exactGiB: number;
  footprintGiBExpected: number;
  detail: string;
  kvShortfall?: string;
  maxModelLen?: number;
  kvCacheTokens?: number;
  kvCacheTokensGuaranteed?: number;
  input?: EstimateInput;
}

function podFootprint(w: Workload, card: number, product: string | undefined, gpuContainers: Record<string, any>[], errors: string[]): Footprint {
  let total = 0;
  let expected = 0;
  const details: string[] = [];
  const out: Partial<Footprint> = {};
  for (const container of gpuContainers) {
    const args = vllmArgsOf(container);
    if (!args) {
      total += card;
      expected += card;
      details.push(`${container.name}: not vLLM, assumed to use the whole card`);
      continue;
    }
    try {
      const input = estimateInputOf(args, card, product);
      const e = estimateMemory(input);
      total += e.deviceFootprintGiBPessimistic;
      expected += e.deviceFootprintGiB;
      const encoder = input.model.kind === "encoder";
      details.push(
        `${input.id}: util ${input.vllm.gpuMemoryUtilization} → weights ${e.weightsGiB.toFixed(2)} GiB` +
          (encoder
            ? " (pooling, no KV cache)"
            : ` + KV ${Math.max(0, e.kvCacheGiB).toFixed(2)} GiB (${e.kvCacheTokens} tokens expected, ${e.kvCacheTokensGuaranteed} guaranteed)`),
      );
      Object.assign(out, {
        input,
        maxModelLen: input.vllm.maxModelLen,
        ...(encoder ? {} : { kvCacheTokens: e.kvCacheTokens, kvCacheTokensGuaranteed: e.kvCacheTokensGuaranteed }),
      });
      if (!e.fitsMaxModelLenGuaranteed) {
        out.kvShortfall =
          e.kvCacheGiBGuaranteed <= 0
            ? `util ${input.vllm.gpuMemoryUtilization} × ${card} GiB leaves no KV cache at the pessimistic end after weights ${e.weightsGiB.toFixed(2)} GiB + activations ${e.activationGiB.toFixed(2)} GiB + non-torch ${e.nonTorchGiB.toFixed(2)} GiB + error band ${e.errorBand.nonKvGiB.toFixed(2)} GiB`
            : `KV cache holds ${e.kvCacheTokensGuaranteed} tokens at the pessimistic end (${e.kvCacheTokens} expected) < --max-model-len ${input.vllm.maxModelLen}`;
      }
    } catch (error) {
      const parsed = parseVllmArgs(args);
      const util = flagNumber(parsed, "gpu-memory-utilization") ?? 0.9;
      const graphs = flagPresent(parsed, "enforce-eager") ? 0 : UNKNOWN_GRAPHS_GiB;
      total += CONTEXT_GiB + util * card + graphs;
      expected += CONTEXT_GiB + util * card + graphs;
      errors.push(`${w.label}: ${error instanceof Error ? error.message : String(error)}; footprint taken as context + util × card + ${graphs} GiB graphs`);
      details.push(`${parsed.model ?? "unknown model"}: util ${util} (model not in the catalog)`);
    }
  }
  return { footprintGiB: round2(total), footprintGiBExpected: round2(expected), exactGiB: total, detail: details.join("; "), ...out };
}

const inputs = new WeakMap<GpuPod, EstimateInput>();
/** Unrounded pessimistic footprints: fits are judged on these (the rounded figure is for display and could hide 5 MiB per pod). */
const exactFootprints = new WeakMap<GpuPod, number>();

/** Every GPU pod of the plan (replicas — at a ScaledObject's maximum — and rolling-update surge pods) with its footprint on one card. */
export function gpuPods(resources: ResourceLike[], host: HostPolicyConfig, errors: string[] = []): GpuPod[] {
  const claims = claimCards(resources);
  const scheduled = schedules(resources);
  const cards = new Map(inventoryCards(host).map((c) => [c.card, c]));
  const pods: GpuPod[] = [];
  for (const w of workloads(resources)) {
    const slices = podGpuSlices(w);
    const claimRefs: string[] = (w.podSpec.resourceClaims ?? [])
      .map((c: any) => claims.get(`${w.namespace}/${c.resourceClaimName}`))
      .filter((c: string | undefined): c is string => c !== undefined);
    const gpuPod = slices > 0 || Number.isNaN(slices) || claimRefs.length > 0;
    if (!gpuPod) continue;
    const base = (w.resource.props.metadata?.name as string | undefined) ?? w.resource.name;
    const containers: Record<string, any>[] = w.podSpec.containers ?? [];
    const gpuContainers =
      claimRefs.length > 0
        ? containers.filter((c) => (c.resources?.claims ?? []).length > 0)
        : containers.filter((c) => gpuSlices(c) > 0 || Number.isNaN(gpuSlices(c)));
    const pinned = claimRefs.length > 0 ? cards.get(claimRefs[0]!) : undefined;
    const memory = pinned?.memoryGiB ?? cardGiB(host);
    const product = pinned ? pinned.product : cardProduct(host);
    const { input, exactGiB, ...footprint } = podFootprint(w, memory, product, gpuContainers, errors);
    const schedule = scheduled.get(`${w.namespace}/${base}`);
    const count = w.kind === "DaemonSet" ? host.nodes.filter((n) => n.gpus > 0).length : schedule ? schedule.maxReplicas : w.replicas;
    const server = w.resource.props.metadata?.labels?.["llm-platform.io/server"] as string | undefined;
    const common = {
      resource: w.label,
      namespace: w.namespace,
      ...(server ? { server } : {}),
      slices: claimRefs.length > 0 ? claimRefs.length : slices,
      ...(claimRefs.length > 0 ? { cards: claimRefs } : {}),
      modes: schedule ? [...new Set(schedule.windows.map((x) => x.mode))] : [],
      ...footprint,
    };
    const add = (pod: string) => {
      const p: GpuPod = { ...common, pod };
      if (input) inputs.set(p, input);
      exactFootprints.set(p, exactGiB);
      pods.push(p);
    };
    for (let i = 0; i < count; i++) add(`${base}-${i}`);
    for (let i = 0; i < w.surge; i++) add(`${base}-surge-${i}`);
  }
  return pods;
}

/** The estimate input of a planned vLLM pod (for the start-up check). */
export function podInput(pod: GpuPod): EstimateInput | undefined {
  return inputs.get(pod);
}

interface Phase {
  /** Mode names on at once (sorted); always-on pods are in every phase. */
  modes: string[];
  minutes: number;
  first: number;
}

/** Minute-by-minute activity of every mode over the reference weeks. */
function modeActivity(resources: ResourceLike[]): { windows: Map<string, CronWindow[]>; active: Map<string, boolean[]>; timing: Map<string, Schedule> } {
  const windows = new Map<string, CronWindow[]>();
  const timing = new Map<string, Schedule>();
  for (const schedule of schedules(resources).values()) {
    for (const w of schedule.windows) {
      const list = windows.get(w.mode) ?? [];
      if (!list.some((x) => x.start === w.start && x.end === w.end && x.timezone === w.timezone))
        list.push({ start: w.start, end: w.end, timezone: w.timezone });
      windows.set(w.mode, list);
      const t = timing.get(w.mode);
      if (!t || t.pollingIntervalSeconds + t.cooldownPeriodSeconds < schedule.pollingIntervalSeconds + schedule.cooldownPeriodSeconds)
        timing.set(w.mode, schedule);
    }
  }
  const active = new Map<string, boolean[]>();
  for (const [mode, list] of windows) {
    const all: boolean[] = [];
    for (const week of REFERENCE_WEEKS_UTC) {
      const perWindow = list.map((w) => {
        try {
          return activeMinutes(w, week);
        } catch {
          return new Array<boolean>(MINUTES_PER_WEEK).fill(true);
        }
      });
      for (let m = 0; m < MINUTES_PER_WEEK; m++) all.push(perWindow.some((a) => a[m]));
    }
    active.set(mode, all);
  }
  return { windows, active, timing };
}

function phasesOf(active: Map<string, boolean[]>): Phase[] {
  const modes = [...active.keys()].sort();
  if (modes.length === 0) return [{ modes: [], minutes: MINUTES_PER_WEEK, first: 0 }];
  const phases = new Map<string, Phase>();
  const length = active.get(modes[0]!)!.length;
  for (let m = 0; m < length; m++) {
    const on = modes.filter((x) => active.get(x)![m]);
    const key = on.join(",");
    const phase = phases.get(key);
    if (phase) phase.minutes++;
    else phases.set(key, { modes: on, minutes: 1, first: m });
  }
  return [...phases.values()];
}

const onIn = (pod: GpuPod, modes: string[]) => pod.modes.length === 0 || pod.modes.some((m) => modes.includes(m));
/** A pod's pessimistic footprint before rounding. */
export const exactFootprint = (pod: GpuPod): number => exactFootprints.get(pod) ?? pod.footprintGiB;
const sum = (pods: GpuPod[]) => pods.reduce((s, p) => s + exactFootprint(p), 0);

/** The pods that share `card` in a phase: DRA the exact set, time-slicing/MPS the `perGpu` largest. */
function cardSet(host: HostPolicyConfig, card: string, pods: GpuPod[], perGpu: number): GpuPod[] {
  if (host.sharing.mode === "dra") return pods.filter((p) => p.cards?.includes(card));
  const sorted = [...pods].sort((a, b) => exactFootprint(b) - exactFootprint(a));
  return host.sharing.mode === "none" ? sorted.slice(0, 1) : sorted.slice(0, perGpu);
}

function cardFits(host: HostPolicyConfig, set: GpuPod[], memoryGiB: number, perGpu: number): boolean {
  if (host.sharing.mode === "mps") return set.every((p) => exactFootprint(p) <= memoryGiB / perGpu);
  return sum(set) <= memoryGiB;
}

/**
 * The GPU plan per card. Time-slicing: any `slicesPerGpu` pods may share a card and nothing isolates
 * memory, so the largest footprints that fit in its slices must fit its memory. MPS: each client is
 * capped at card / replicas. No sharing: one pod per GPU. DRA: each card holds exactly the pods whose
 * ResourceClaims stand for it, and they must fit together and pass vLLM's start-up check in order.
 * Footprints are at the pessimistic end of the estimator's error band. Workloads a KEDA ScaledObject
 * runs on a cron schedule count only while their mode is on: every combination of modes that is on
 * at once in the reference weeks (a phase) is judged, the card's figure is its fullest phase.
 */
export function planGpus(resources: ResourceLike[], host: HostPolicyConfig): GpuPlan {
  const errors: string[] = [];
  const pods = gpuPods(resources, host, errors);
  const perGpu = slicesPerGpu(host);
  const dra = host.sharing.mode === "dra";
  const inventory = inventoryCards(host);
  const slicesTotal = dra ? inventory.length : host.nodes.reduce((s, n) => s + n.gpus * perGpu, 0);
  const slicesRequested = dra ? new Set(pods.flatMap((p) => p.cards ?? [])).size : pods.reduce((s, p) => s + (Number.isNaN(p.slices) ? 1 : p.slices), 0);
  const { windows, active, timing } = modeActivity(resources);
  const phases = phasesOf(active);

  const cards: CardPlan[] = inventory.map(({ card, product, memoryGiB }) => {
    let worstCase: GpuPod[] = [];
    let fits = true;
    for (const phase of phases) {
      const set = cardSet(
        host,
        card,
        pods.filter((p) => onIn(p, phase.modes)),
        perGpu,
      );
      if (!cardFits(host, set, memoryGiB, perGpu)) fits = false;
      if (sum(set) > sum(worstCase) || worstCase.length === 0) worstCase = set;
    }
    const totalGiB = round2(sum(worstCase));
    const plan: CardPlan = { card, ...(product ? { product } : {}), memoryGiB, worstCase, totalGiB, headroomGiB: round2(memoryGiB - totalGiB), fits };
    if (dra) {
      const servers = worstCase
        .map((p) => ({ name: p.pod, input: podInput(p) }))
        .filter((s): s is { name: string; input: EstimateInput } => s.input !== undefined);
      plan.startup = startupFreeMemoryCheck(servers.map((s) => ({ name: s.name, input: { ...s.input, gpu: { ...s.input.gpu, totalMemoryGiB: memoryGiB } } })));
    }
    return plan;
  });

  const modes: ModePlan[] = [...windows.keys()].sort().map((name) => {
    const on = active.get(name)!;
    const modeCards = inventory.map(({ card, memoryGiB }) => {
      const set = cardSet(
        host,
        card,
        pods.filter((p) => onIn(p, [name])),
        perGpu,
      );
      const total = round2(sum(set));
      return {
        card,
        memoryGiB,
        pods: set.map((p) => p.pod),
        totalGiB: total,
        headroomGiB: round2(memoryGiB - total),
        fits: cardFits(host, set, memoryGiB, perGpu),
      };
    });
    return {
      name,
      schedule: windows.get(name)!,
      minutesPerWeek: on.slice(0, MINUTES_PER_WEEK).filter(Boolean).length,
      fits: modeCards.every((c) => c.fits),
      cards: modeCards,
    };
  });

  // Cards each mode holds: DRA the cards of its pods; otherwise the device plugin may use any card.
  const held = (mode: string) => (dra ? [...new Set(pods.filter((p) => p.modes.includes(mode)).flatMap((p) => p.cards ?? []))] : inventory.map((c) => c.card));
  const overlaps: ModeOverlap[] = [];
  const gaps: ModeGap[] = [];
  const names = [...windows.keys()].sort();
  for (const a of names) {
    for (const b of names) {
      if (a === b) continue;
      const shared = held(a).filter((c) => held(b).includes(c));
      if (shared.length === 0) continue;
      const A = active.get(a)!;
      const B = active.get(b)!;
      if (a < b) {
        const both = A.findIndex((x, m) => x && B[m]);
        if (both >= 0) overlaps.push({ modes: [a, b], cards: shared, at: minuteLabel(both % MINUTES_PER_WEEK) });
      }
      // a stops, b starts: b's pods must find a's memory released.
      const t = timing.get(a)!;
      const grace = Math.max(0, ...pods.filter((p) => p.modes.includes(a)).map((p) => terminationGrace(resources, p)));
      const required = t.pollingIntervalSeconds + t.cooldownPeriodSeconds + grace + STOP_MARGIN_SECONDS;
      // Each reference week is cyclic: the minute after Sunday 23:59 is Monday 00:00 of the same week.
      for (let week = 0; week < A.length / MINUTES_PER_WEEK; week++) {
        const at = (m: number) => week * MINUTES_PER_WEEK + (((m % MINUTES_PER_WEEK) + MINUTES_PER_WEEK) % MINUTES_PER_WEEK);
        for (let m = 0; m < MINUTES_PER_WEEK; m++) {
          if (!(A[at(m - 1)] && !A[at(m)])) continue;
          let next = m;
          while (next < m + MINUTES_PER_WEEK && !A[at(next)] && !(B[at(next)] && !B[at(next - 1)])) next++;
          if (next >= m + MINUTES_PER_WEEK || A[at(next)] || B[at(m - 1)]) continue;
          const gapSeconds = (next - m) * 60;
          if (gapSeconds < required && !gaps.some((g) => g.from === a && g.to === b)) {
            gaps.push({ from: a, to: b, cards: shared, at: minuteLabel(m), gapSeconds, requiredSeconds: required });
          }
        }
      }
    }
  }
  return { sharing: { mode: host.sharing.mode, slicesPerGpu: perGpu }, slicesTotal, slicesRequested, pods, cards, modes, overlaps, gaps, errors };
}

function terminationGrace(resources: ResourceLike[], pod: GpuPod): number {
  for (const w of workloads(resources)) if (w.label === pod.resource) return w.podSpec.terminationGracePeriodSeconds ?? 30;
  return 30;
}
