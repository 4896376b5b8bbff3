import { buildsOf, lookupModel, type CatalogEntry, type ServingTask } from "./catalog";
import { estimateMemory } from "./estimate";
import { checkMemoryOverride, lookupGpu, type GpuSpec } from "./gpus";
import { planKernels, type AttentionBackend, type KernelOptions } from "./kernels";
import { maxGpuMemoryUtilization, minGpuMemoryUtilization } from "./planning";
import { CapacityInputError, type Dtype, type EstimateInput, type MemoryEstimate } from "./types";

/**
 * Layout search: which servers share which card, with what tensor parallelism, build, KV dtype,
 * utilization and max-num-seqs, under each GPU sharing mode, ranked by what the main (first) server is
 * guaranteed to get. Pure: cards and wanted servers in, ranked layouts with machine-readable settings
 * out. Every number is at the pessimistic end of the estimator's error band.
 *
 * Sharing modes:
 * - `none`: whole cards per pod; tensor parallelism across cards of one node.
 * - `time-slicing`: the device plugin may put any `replicas` pods on any card and isolates no memory,
 *   so the `replicas` largest footprints must fit the smallest card together.
 * - `mps`: each client is capped at card / `replicas`.
 * - `dra`: Dynamic Resource Allocation claims pin pods to exact cards, so each card holds exactly the
 *   servers assigned to it (tensor parallelism possible with a claim for several cards).
 */
export const SharingMode = { None: "none", TimeSlicing: "time-slicing", Mps: "mps", Dra: "dra" } as const;
export type SharingMode = (typeof SharingMode)[keyof typeof SharingMode];

export interface LayoutNode {
  name: string;
  /** The `nvidia.com/gpu.product` label (capacity/gpus.ts). */
  gpuProduct: string;
  gpus: number;
  /** Measured CUDA total overriding the catalog's usable memory. */
  gpuMemoryGiB?: number;
}

export interface LayoutServerWant {
  name: string;
  /** A catalog id; other builds of the same base model are candidates unless `allowOtherBuilds` is false. */
  model: string;
  /** Default: the catalog entry's task. */
  task?: ServingTask;
  maxModelLen: number;
  /** Full-length sequences the KV cache must hold at the pessimistic end (default 1). */
  minSequences?: number;
  maxNumSeqs: number;
  maxNumBatchedTokens?: number;
  enforceEager?: boolean;
  /** KV dtypes to consider (default both; only those the card runs are used). */
  kvCacheDtypes?: readonly ("auto" | "fp8")[];
  allowOtherBuilds?: boolean;
  /** Tensor-parallel sizes to consider where the mode allows it (default 1, 2, 4, 8). */
  tensorParallelSizes?: readonly number[];
  lora?: { maxLoras: number; maxLoraRank: number };
}

export interface LayoutRequest {
  nodes: readonly LayoutNode[];
  /** The servers to place; the first is the main server the ranking maximizes. */
  servers: readonly LayoutServerWant[];
  /** Default: all four. */
  sharingModes?: readonly SharingMode[];
  kernelOptions?: KernelOptions;
  /** Layouts returned (default 10). */
  limit?: number;
}

export interface LayoutServer {
  name: string;
  model: string;
  task: ServingTask;
  tensorParallelSize: number;
  /** Cards the pod is pinned to (`none`/`dra`), or every card it may land on (`time-slicing`/`mps`). */
  cards: string[];
  gpuMemoryUtilization: number;
  dtype: Dtype;
  /** `--quantization` (absent: read from the checkpoint). */
  quantization?: string;
  kvCacheDtype: "auto" | "fp8";
  attentionBackend?: AttentionBackend;
  maxModelLen: number;
  maxNumSeqs: number;
  kvCacheTokens: number;
  kvCacheTokensGuaranteed: number;
  /** Requests served at once at the pessimistic end: max-model-len sequences the KV holds, capped by maxNumSeqs (pooling: maxNumSeqs). */
  parallelRequests: number;
  deviceFootprintGiBPessimistic: number;
}

export interface LayoutCard {
  card: string;
  product: string;
  memoryGiB: number;
  /** The servers whose memory must fit this card together (time-slicing: the worst case). */
  servers: string[];
  footprintGiBPessimistic: number;
  headroomGiB: number;
}

/** The settings a layout needs, in the shape of the program's config (`llm-platform:gpuSharing`, `servers.<name>`). */
export interface LayoutConfig {
  gpuSharing: { mode: SharingMode; replicas?: number };
  servers: Record<
    string,
    {
      model: string;
      gpus: number;
      gpuMemoryUtilization: number;
      kvCacheDtype: "auto" | "fp8";
      maxNumSeqs: number;
      /** DRA / none: the cards (`node/gpuN`) the server's claim or pod is pinned to. */
      placement?: string[];
    }
  >;
}

export interface Layout {
  sharing: { mode: SharingMode; replicas?: number };
  servers: LayoutServer[];
  cards: LayoutCard[];
  /** The main (first) server's guaranteed KV tokens: the ranking key. */
  guaranteedKvTokens: number;
  parallelRequests: Record<string, number>;
  config: LayoutConfig;
  summary: string;
}

export interface LayoutSearchResult {
  layouts: Layout[];
  /** Layouts considered (feasible or not). */
  evaluated: number;
  /** Why a sharing mode produced no layout. */
  rejected: { mode: SharingMode; reason: string }[];
}

interface Card {
  id: string;
  node: string;
  index: number;
  spec: GpuSpec;
  memoryGiB: number;
}

interface Variant {
  model: string;
  entry: CatalogEntry;
  dtype: Dtype;
  quantization?: string;
  kvCacheDtype: "auto" | "fp8";
  attentionBackend?: AttentionBackend;
}

/** One server in one place with one variant and its planned numbers. */
interface Placement {
  want: LayoutServerWant;
  variant: Variant;
  tp: number;
  cards: Card[];
  minUtil: number;
  util: number;
  estimate: MemoryEstimate;
}

const DEFAULT_TP = [1, 2, 4, 8];
const MODE_ORDER: SharingMode[] = [SharingMode.None, SharingMode.Dra, SharingMode.Mps, SharingMode.TimeSlicing];

function expandCards(nodes: readonly LayoutNode[]): Card[] {
  const cards: Card[] = [];
  for (const node of nodes) {
    if (node.gpus <= 0) continue;
    const spec = lookupGpu(node.gpuProduct);
    const memoryGiB = checkMemoryOverride(spec, node.gpuMemoryGiB).memoryGiB;
    for (let index = 0; index < node.gpus; index++) cards.push({ id: `${node.name}/gpu${index}`, node: node.name, index, spec, memoryGiB });
  }
  return cards;
}

/**
 * Why vLLM cannot shard this model `tp` ways, or undefined: attention heads must divide by TP, KV heads
 * divide by TP or TP by KV heads (replicated), and 4-bit weights need whole quantization groups per
 * shard (`awq.py`/`gptq.py`: "The input size is not aligned with the quantized weight shape").
 */
export function tensorParallelRefusal(entry: CatalogEntry, tp: number): string | undefined {
  const a = entry.architecture;
  if (tp === 1) return undefined;
  if (a.numAttentionHeads % tp !== 0) return `${a.numAttentionHeads} attention heads do not divide by ${tp}`;
  const kv = a.numKeyValueHeads;
  if (kv >= tp ? kv % tp !== 0 : tp % kv !== 0) return `${kv} KV heads and tensor parallelism ${tp} do not divide`;
  const q = entry.quantization;
  if ((q.method === "awq" || q.method === "gptq") && (a.intermediateSize / tp) % q.groupSize !== 0) {
    return `${a.intermediateSize / tp} MLP rows per shard are not whole ${q.groupSize}-wide quantization groups`;
  }
  return undefined;
}

class Planner {
  private readonly variantCache = new Map<string, Variant[]>();
  private readonly minUtilCache = new Map<string, number | undefined>();
  evaluated = 0;

  constructor(private readonly kernelOptions: KernelOptions) {}

  taskOf(want: LayoutServerWant): ServingTask {
    return want.task ?? lookupModel(want.model).task;
  }

  /** Builds × KV dtypes the card runs for this server, requested build first. */
  variants(want: LayoutServerWant, spec: GpuSpec): Variant[] {
    const key = `${want.name}|${spec.id}`;
    const cached = this.variantCache.get(key);
    if (cached) return cached;
    const requested = lookupModel(want.model);
    const task = this.taskOf(want);
    const builds = want.allowOtherBuilds === false ? [want.model] : [want.model, ...buildsOf(requested.baseModel).filter((id) => id !== want.model)];
    const kvDtypes = requested.kind === "encoder" ? (["auto"] as const) : (want.kvCacheDtypes ?? (["auto", "fp8"] as const));
    const out: Variant[] = [];
    for (const model of builds) {
      const entry = lookupModel(model);
      if (entry.task !== task) continue;
      for (const kvCacheDtype of kvDtypes) {
        const plan = planKernels(model, { kvCacheDtype }, spec, this.kernelOptions);
        if (!plan.runnable) continue;
        out.push({ model, entry, dtype: plan.flags.dtype, quantization: plan.flags.quantization, kvCacheDtype, attentionBackend: plan.attentionBackend });
      }
    }
    this.variantCache.set(key, out);
    return out;
  }

  input(want: LayoutServerWant, v: Variant, tp: number, card: Card, util: number): EstimateInput {
    return {
      id: want.name,
      model: v.entry.architecture,
      dtype: v.dtype,
      quantization: v.entry.quantization,
      gpu: { totalMemoryGiB: card.memoryGiB, product: card.spec.product },
      vllm: {
        tensorParallelSize: tp,
        gpuMemoryUtilization: util,
        maxModelLen: want.maxModelLen,
        maxNumSeqs: want.maxNumSeqs,
        maxNumBatchedTokens: want.maxNumBatchedTokens,
        kvCacheDtype: v.kvCacheDtype,
        enforceEager: want.enforceEager ?? false,
        maxLoras: want.lora?.maxLoras ?? 0,
        maxLoraRank: want.lora?.maxLoraRank,
        attentionBackend: v.attentionBackend,
      },
    };
  }

  /** The smallest utilization guaranteeing the server's sequences, cached. */
  minUtil(want: LayoutServerWant, v: Variant, tp: number, card: Card): number | undefined {
    const key = `${want.name}|${v.model}|${v.kvCacheDtype}|${tp}|${card.spec.id}|${card.memoryGiB}`;
    if (this.minUtilCache.has(key)) return this.minUtilCache.get(key);
    let result: number | undefined;
    if (tensorParallelRefusal(v.entry, tp) === undefined) {
      result = minGpuMemoryUtilization(this.input(want, v, tp, card, 1), { maxModelLen: want.maxModelLen, concurrency: want.minSequences ?? 1 });
    }
    this.minUtilCache.set(key, result);
    return result;
  }

  /** `judgedOn`: the card the numbers are estimated on (the first of `cards`; the smallest card in the shared modes). */
  place(want: LayoutServerWant, v: Variant, tp: number, cards: Card[], util: number, minUtil: number, judgedOn: Card = cards[0]!): Placement {
    const estimate = estimateMemory(this.input(want, v, tp, judgedOn, util));
    return { want, variant: v, tp, cards, minUtil, util, estimate };
  }

  /** Largest utilization on every one of `cards` beside the given neighbour footprints per card. */
  maxUtil(p: Placement, neighbours: (card: Card) => number[]): number | undefined {
    let best: number | undefined = 1;
    for (const card of p.cards) {
      const util = maxGpuMemoryUtilization(this.input(p.want, p.variant, p.tp, card, p.util), neighbours(card));
      if (util === undefined) return undefined;
      best = Math.min(best!, util);
    }
    return best;
  }
}

function parallelRequests(p: Placement, task: ServingTask): number {
  if (task !== "generate") return p.want.maxNumSeqs;
  return Math.min(p.want.maxNumSeqs, Math.floor(p.estimate.kvCacheTokensGuaranteed / p.want.maxModelLen));
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function buildLayout(
  mode: SharingMode,
  replicas: number | undefined,
  placements: Placement[],
  cardSets: { card: Card; servers: Placement[] }[],
  planner: Planner,
): Layout {
  const servers: LayoutServer[] = placements.map((p) => {
    const task = planner.taskOf(p.want);
    return {
      name: p.want.name,
      model: p.variant.model,
      task,
      tensorParallelSize: p.tp,
      cards: p.cards.map((c) => c.id),
      gpuMemoryUtilization: p.util,
      dtype: p.variant.dtype,
      quantization: p.variant.quantization,
      kvCacheDtype: p.variant.kvCacheDtype,
      attentionBackend: p.variant.attentionBackend,
      maxModelLen: p.want.maxModelLen,
      maxNumSeqs: p.want.maxNumSeqs,
      kvCacheTokens: p.estimate.kvCacheTokens,
      kvCacheTokensGuaranteed: p.estimate.kvCacheTokensGuaranteed,
      parallelRequests: parallelRequests(p, task),
      deviceFootprintGiBPessimistic: round2(p.estimate.deviceFootprintGiBPessimistic),
    };
  });
  const cards: LayoutCard[] = cardSets.map(({ card, servers: on }) => {
    const footprint = on.reduce((sum, p) => sum + p.estimate.deviceFootprintGiBPessimistic, 0);
    return {
      card: card.id,
      product: card.spec.product,
      memoryGiB: card.memoryGiB,
      servers: on.map((p) => p.want.name),
      footprintGiBPessimistic: round2(footprint),
      headroomGiB: Math.floor((card.memoryGiB - footprint) * 100) / 100,
    };
  });
  const pinned = mode === SharingMode.None || mode === SharingMode.Dra;
  const config: LayoutConfig = {
    gpuSharing: replicas === undefined ? { mode } : { mode, replicas },
    servers: Object.fromEntries(
      servers.map((s) => [
        s.name,
        {
          model: s.model,
          gpus: s.tensorParallelSize,
          gpuMemoryUtilization: s.gpuMemoryUtilization,
          kvCacheDtype: s.kvCacheDtype,
          maxNumSeqs: s.maxNumSeqs,
          ...(pinned ? { placement: s.cards } : {}),
        },
      ]),
    ),
  };
  const main = servers[0]!;
  const where = pinned
    ? cards.map((c) => `${c.card} [${c.servers.join(", ")}]`).join(", ")
    : `any ${replicas} pods per card (${new Set(servers.flatMap((s) => s.cards)).size} cards)`;
  const summary =
    `${mode}${replicas === undefined ? "" : ` ×${replicas}`}: ${where}; ${main.name}: ${main.model}` +
    `${main.tensorParallelSize > 1 ? ` TP=${main.tensorParallelSize}` : ""}, KV ${main.kvCacheDtype === "fp8" ? "fp8" : "16-bit"}, ` +
    `util ${main.gpuMemoryUtilization} → ${main.kvCacheTokensGuaranteed} KV tokens guaranteed`;
  return {
    sharing: config.gpuSharing,
    servers,
    cards,
    guaranteedKvTokens: main.task === "generate" ? main.kvCacheTokensGuaranteed : 0,
    parallelRequests: Object.fromEntries(servers.map((s) => [s.name, s.parallelRequests])),
    config,
    summary,
  };
}

/** The variant of a secondary server with the smallest pessimistic footprint at its minimum utilization on `card`. */
function leanest(planner: Planner, want: LayoutServerWant, tp: number, card: Card): { v: Variant; minUtil: number } | undefined {
  let best: { v: Variant; minUtil: number; footprint: number } | undefined;
  for (const v of planner.variants(want, card.spec)) {
    const minUtil = planner.minUtil(want, v, tp, card);
    if (minUtil === undefined) continue;
    const footprint = estimateMemory(planner.input(want, v, tp, card, minUtil)).deviceFootprintGiBPessimistic;
    if (!best || footprint < best.footprint - 1e-9) best = { v, minUtil, footprint };
  }
  return best && { v: best.v, minUtil: best.minUtil };
}

/**
 * Pinned modes (`none`, `dra`): `groups[i]` are the cards of server i. The main server is tried with
 * every variant; the others take their leanest variant at their minimum utilization first, then the
 * generative servers, main first, grow into the room left on their cards (pooling servers stay at
 * their minimum: without a KV cache more budget buys nothing).
 */
function pinnedLayouts(mode: SharingMode, groups: Card[][], tps: number[], wants: readonly LayoutServerWant[], planner: Planner, allCards: Card[]): Layout[] {
  const out: Layout[] = [];
  const mainWant = wants[0]!;
  const mainVariants = planner.variants(mainWant, groups[0]![0]!.spec);
  const secondaries: Placement[] = [];
  for (let i = 1; i < wants.length; i++) {
    const choice = leanest(planner, wants[i]!, tps[i]!, groups[i]![0]!);
    if (!choice) return out;
    secondaries.push(planner.place(wants[i]!, choice.v, tps[i]!, groups[i]!, choice.minUtil, choice.minUtil));
  }
  for (const mv of mainVariants) {
    planner.evaluated++;
    const mainMin = planner.minUtil(mainWant, mv, tps[0]!, groups[0]![0]!);
    if (mainMin === undefined) continue;
    let placements = [planner.place(mainWant, mv, tps[0]!, groups[0]!, mainMin, mainMin), ...secondaries];
    const onCard = (card: Card, except: Placement) =>
      placements.filter((p) => p !== except && p.cards.includes(card)).map((p) => p.estimate.deviceFootprintGiBPessimistic);
    let feasible = true;
    placements = placements.map((p) => p);
    for (let i = 0; i < placements.length && feasible; i++) {
      const p = placements[i]!;
      // Pooling servers keep no KV cache: more budget buys them nothing, so they stay at their minimum.
      if (planner.taskOf(p.want) !== "generate") {
        if (p.cards.some((card) => onCard(card, p).reduce((x, y) => x + y, 0) + p.estimate.deviceFootprintGiBPessimistic > card.memoryGiB)) feasible = false;
        continue;
      }
      const util = planner.maxUtil(p, (card) => onCard(card, p));
      if (util === undefined || util < p.minUtil) {
        feasible = false;
        break;
      }
      placements[i] = planner.place(p.want, p.variant, p.tp, p.cards, util, p.minUtil);
    }
    if (!feasible) continue;
    const used = allCards.filter((c) => placements.some((p) => p.cards.includes(c)));
    const cardSets = used.map((card) => ({ card, servers: placements.filter((p) => p.cards.includes(card)) }));
    if (cardSets.some(({ card, servers }) => servers.reduce((s, p) => s + p.estimate.deviceFootprintGiBPessimistic, 0) > card.memoryGiB)) continue;
    out.push(buildLayout(mode, undefined, placements, cardSets, planner));
  }
  return out;
}

/** Card groups a server of tensor parallelism `tp` may take: aligned runs of `tp` cards on one node. */
function cardGroups(cards: Card[], tp: number): Card[][] {
  const byNode = new Map<string, Card[]>();
  for (const c of cards) byNode.set(c.node, [...(byNode.get(c.node) ?? []), c]);
  const groups: Card[][] = [];
  for (const nodeCards of byNode.values()) {
    for (let start = 0; start + tp <= nodeCards.length; start += tp) groups.push(nodeCards.slice(start, start + tp));
  }
  return groups;
}

function tpOptions(want: LayoutServerWant, cards: Card[]): number[] {
  const maxPerNode = Math.max(...[...new Set(cards.map((c) => c.node))].map((n) => cards.filter((c) => c.node === n).length));
  return (want.tensorParallelSizes ?? DEFAULT_TP).filter((tp) => tp >= 1 && tp <= maxPerNode);
}

/** Enumerates group choices per server; `exclusive` forbids two servers on one card. Symmetric cards of a node are used in order. */
function assignments(wants: readonly LayoutServerWant[], cards: Card[], exclusive: boolean, limit = 20000): { groups: Card[][]; tps: number[] }[] {
  const out: { groups: Card[][]; tps: number[] }[] = [];
  const seen = new Set<string>();
  const options = wants.map((w) => tpOptions(w, cards).flatMap((tp) => cardGroups(cards, tp).map((g) => ({ tp, g }))));
  const choose = (i: number, groups: Card[][], tps: number[], frontier: Map<string, number>) => {
    if (out.length >= limit) return;
    if (i === wants.length) {
      const key = groups.map((g) => g.map((c) => c.id).join("+")).join("|");
      if (!seen.has(key)) {
        seen.add(key);
        out.push({ groups: [...groups], tps: [...tps] });
      }
      return;
    }
    for (const { tp, g } of options[i]!) {
      const node = g[0]!.node;
      const hi = frontier.get(node) ?? -1;
      if (g[0]!.index > hi + 1) continue; // identical cards: use them in order
      if (exclusive && groups.some((other) => other.some((c) => g.includes(c)))) continue;
      const next = new Map(frontier);
      next.set(node, Math.max(hi, g[g.length - 1]!.index));
      choose(i + 1, [...groups, g], [...tps, tp], next);
    }
  };
  choose(0, [], [], new Map());
  return out;
}

/** Time-slicing / MPS: every pod TP=1, may land on any card; judged on the smallest card. */
function sharedLayouts(mode: SharingMode, wants: readonly LayoutServerWant[], cards: Card[], planner: Planner): Layout[] {
  const out: Layout[] = [];
  const smallest = [...cards].sort((a, b) => a.memoryGiB - b.memoryGiB)[0]!;
  const pods = wants.length;
  const minReplicas = Math.max(1, Math.ceil(pods / cards.length));
  const secondaries: { want: LayoutServerWant; v: Variant; minUtil: number }[] = [];
  for (const want of wants.slice(1)) {
    const choice = leanest(planner, want, 1, smallest);
    if (!choice) return out;
    secondaries.push({ want, ...choice });
  }
  for (let replicas = minReplicas; replicas <= Math.max(minReplicas, pods); replicas++) {
    for (const mv of planner.variants(wants[0]!, smallest.spec)) {
      planner.evaluated++;
      const mainMin = planner.minUtil(wants[0]!, mv, 1, smallest);
      if (mainMin === undefined) continue;
      let placements = [
        planner.place(wants[0]!, mv, 1, cards, mainMin, mainMin, smallest),
        ...secondaries.map((s) => planner.place(s.want, s.v, 1, cards, s.minUtil, s.minUtil, smallest)),
      ];
      const fp = (p: Placement) => p.estimate.deviceFootprintGiBPessimistic;
      if (mode === SharingMode.Mps) {
        const cap = smallest.memoryGiB / replicas;
        let feasible = true;
        placements = placements.map((p) => {
          const util = planner.maxUtil({ ...p, cards: [smallest] }, () => [smallest.memoryGiB - cap]);
          if (util === undefined || util < p.minUtil) feasible = false;
          return feasible ? planner.place(p.want, p.variant, 1, cards, util!, p.minUtil, smallest) : p;
        });
        if (!feasible) continue;
        const worst = [...placements].sort((a, b) => fp(b) - fp(a)).slice(0, replicas);
        out.push(buildLayout(mode, replicas, placements, [{ card: smallest, servers: worst }], planner));
        continue;
      }
      // Time-slicing: the main server grows beside the replicas − 1 largest other footprints.
      const others = placements
        .slice(1)
        .map(fp)
        .sort((a, b) => b - a)
        .slice(0, replicas - 1);
      const util = planner.maxUtil({ ...placements[0]!, cards: [smallest] }, () => others);
      if (util === undefined || util < mainMin) continue;
      placements[0] = planner.place(wants[0]!, mv, 1, cards, util, mainMin, smallest);
      const worst = [...placements].sort((a, b) => fp(b) - fp(a)).slice(0, replicas);
      if (worst.reduce((s, p) => s + fp(p), 0) > smallest.memoryGiB) continue;
      out.push(buildLayout(mode, replicas, placements, [{ card: smallest, servers: worst }], planner));
    }
  }
  return out;
}

function compareLayouts(a: Layout, b: Layout): number {
  if (a.guaranteedKvTokens !== b.guaranteedKvTokens) return b.guaranteedKvTokens - a.guaranteedKvTokens;
  const rest = (l: Layout) => l.servers.slice(1).reduce((sum, s) => sum + s.parallelRequests, 0);
  if (rest(a) !== rest(b)) return rest(b) - rest(a);
  const mode = MODE_ORDER.indexOf(a.sharing.mode) - MODE_ORDER.indexOf(b.sharing.mode);
  if (mode !== 0) return mode;
  return a.summary < b.summary ? -1 : a.summary > b.summary ? 1 : 0;
}

/**
 * Every feasible layout of `request.servers` on `request.nodes` under the requested sharing modes,
 * best first: most guaranteed KV tokens for the main (first) server, then most parallel requests for
 * the others, then the more isolating mode. Throws CapacityInputError for unknown products or models.
 */
export function searchLayouts(request: LayoutRequest): LayoutSearchResult {
  if (request.servers.length === 0) throw new CapacityInputError("servers: the layout search needs at least one server");
  const cards = expandCards(request.nodes);
  if (cards.length === 0) throw new CapacityInputError("nodes: the layout search needs at least one GPU");
  const names = new Set<string>();
  for (const s of request.servers) {
    if (names.has(s.name)) throw new CapacityInputError(`servers: "${s.name}" is listed twice`);
    names.add(s.name);
    lookupModel(s.model);
  }
  const planner = new Planner(request.kernelOptions ?? {});
  const modes = request.sharingModes ?? MODE_ORDER;
  const layouts: Layout[] = [];
  const rejected: { mode: SharingMode; reason: string }[] = [];
  for (const mode of modes) {
    const found: Layout[] = [];
    if (mode === SharingMode.None || mode === SharingMode.Dra) {
      const exclusive = mode === SharingMode.None;
      for (const { groups, tps } of assignments(request.servers, cards, exclusive))
        found.push(...pinnedLayouts(mode, groups, tps, request.servers, planner, cards));
    } else {
      found.push(...sharedLayouts(mode, request.servers, cards, planner));
    }
    if (found.length === 0) {
      rejected.push({
        mode,
        reason:
          mode === SharingMode.None && request.servers.length > cards.length
            ? `${request.servers.length} servers need ${request.servers.length} whole cards; there are ${cards.length}`
            : "no placement holds every server's sequences at the pessimistic end",
      });
    }
    layouts.push(...found);
  }
  const unique = new Map<string, Layout>();
  for (const layout of layouts.sort(compareLayouts)) {
    const key = JSON.stringify(layout.config);
    if (!unique.has(key)) unique.set(key, layout);
  }
  return { layouts: [...unique.values()].slice(0, request.limit ?? 10), evaluated: planner.evaluated, rejected };
}
