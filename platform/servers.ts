import {
  buildsOf,
  checkMemoryOverride,
  estimateMemory,
  formatCapability,
  lookupGpu,
  lookupModel,
  maxGpuMemoryUtilization,
  minGpuMemoryUtilization,
  planKernels,
  capabilityInt,
  type EstimateInput,
  type GpuSpec,
  type KernelPlan,
  type MemoryEstimate,
} from "@llm-platform/capacity";
import { ConfigError, keyPath, type ConfigIssue } from "../config/load";
import type { HostConfig, PlatformConfig, ServerConfig } from "../config/schema";
import { vllmArgs, type HostedAdapter, type ServedModel, type VllmKernelFlags } from "../components/specs/vllm";
import { estimateInputOf } from "../policies/gpuPlan";

/** One physical GPU of the host inventory. */
export interface HostCard {
  /** `<node>/gpu<index>`. */
  id: string;
  node: string;
  index: number;
  spec: GpuSpec;
  /** Usable memory (CUDA total): the override when configured, else the catalog's. */
  memoryGiB: number;
}

/** A vLLM server with everything the program needs to render it: its model, adapters, kernels and memory plan. */
export interface PlannedServer {
  name: string;
  config: ServerConfig;
  model: ServedModel;
  adapters: HostedAdapter[];
  /** `--gpu-memory-utilization`: the configured value, or what "auto" resolved to (see {@link planServers}). */
  gpuMemoryUtilization: number;
  /** The cards the pods are pinned to (dra, none with placement); empty when the device plugin picks. */
  cards: string[];
  /** The card the memory plan is made for: the pinned one, else the smallest a pod may land on. */
  card: { product: string; memoryGiB: number };
  /** What vLLM runs on that card (capacity/kernels.ts). */
  kernels: KernelPlan;
  /** Memory on one card for the resolved command line (expected and pessimistic ends). */
  estimate: MemoryEstimate;
  /** The modes (config `modes`) the server runs in; empty: always. */
  modes: string[];
  /** The `vllm serve` arguments the Deployment will run. */
  args: string[];
}

/** Every GPU of the inventory with its catalog entry and usable memory. */
export function hostCards(host: HostConfig): HostCard[] {
  const cards: HostCard[] = [];
  for (const [node, n] of Object.entries(host.nodes)) {
    if (n.gpus <= 0 || n.gpuProduct === undefined) continue;
    const spec = lookupGpu(n.gpuProduct);
    const memoryGiB = checkMemoryOverride(spec, n.gpuMemoryGiB).memoryGiB;
    for (let index = 0; index < n.gpus; index++) cards.push({ id: `${node}/gpu${index}`, node, index, spec, memoryGiB });
  }
  return cards;
}

/** Warnings for `gpuMemoryGiB` overrides above what CUDA reports for the card (Pulumi warnings and plan report lines). */
export function memoryOverrideWarnings(host: HostConfig): string[] {
  const warnings: string[] = [];
  for (const [node, n] of Object.entries(host.nodes)) {
    if (n.gpus <= 0 || n.gpuProduct === undefined) continue;
    const check = checkMemoryOverride(lookupGpu(n.gpuProduct), n.gpuMemoryGiB);
    if (check.warning) warnings.push(`llm-platform:host.nodes.${node}.gpuMemoryGiB: ${check.warning}`);
  }
  return warnings;
}

/** Memory of the smallest GPU in the inventory: a pod the device plugin places may land on any. */
export function cardMemoryGiB(host: HostConfig): number | undefined {
  const cards = hostCards(host);
  return cards.length > 0 ? Math.min(...cards.map((c) => c.memoryGiB)) : undefined;
}

export function totalGpus(host: HostConfig): number {
  return Object.values(host.nodes).reduce((sum, node) => sum + node.gpus, 0);
}

function servedModel(config: PlatformConfig, alias: string): ServedModel {
  const model = config.models[alias]!;
  return { alias, id: model.id, revision: model.revision, runtimeQuantization: model.runtimeQuantization, entry: lookupModel(model.id) };
}

function hostedAdapters(config: PlatformConfig, server: string): HostedAdapter[] {
  return Object.entries(config.adapters)
    .filter(([, adapter]) => adapter.server === server)
    .map(([name, adapter]) => ({ name, lora: adapter.lora }));
}

function withUtilization(input: EstimateInput, gpuMemoryUtilization: number): EstimateInput {
  return { ...input, vllm: { ...input.vllm, gpuMemoryUtilization } };
}

/** The modes each server runs in (empty: always on). */
export function serverModes(config: PlatformConfig): Map<string, string[]> {
  const modes = new Map<string, string[]>(Object.keys(config.servers).map((s) => [s, []]));
  for (const [mode, m] of Object.entries(config.modes)) for (const s of m.servers) modes.get(s)?.push(mode);
  return modes;
}

/** Two servers may run at once: either runs always, or they share a mode. */
export function concurrent(a: string[], b: string[]): boolean {
  return a.length === 0 || b.length === 0 || a.some((m) => b.includes(m));
}

/**
 * The cards a server's pods may use: the pinned placement, else every card (the device plugin picks);
 * kernels are planned for the weakest of them and memory for the smallest.
 */
function candidateCards(server: ServerConfig, cards: HostCard[]): HostCard[] {
  if (server.placement) return server.placement.map((id) => cards.find((c) => c.id === id)!).filter(Boolean);
  return cards;
}

/** Kernel flags for the weakest card among `cards`: the one with the lowest compute capability (then the least memory). */
function weakest(cards: HostCard[]): HostCard {
  return [...cards].sort((a, b) => capabilityInt(a.spec.computeCapability) - capabilityInt(b.spec.computeCapability) || a.memoryGiB - b.memoryGiB)[0]!;
}

function kernelIssues(name: string, model: ServedModel, plan: KernelPlan): ConfigIssue[] {
  return plan.problems.map((p) => ({
    path: keyPath(
      p.setting === "kvCacheDtype"
        ? ["servers", name, "kvCacheDtype"]
        : p.setting === "quantization" && model.runtimeQuantization
          ? ["models", model.alias, "runtimeQuantization"]
          : ["servers", name, "model"],
    ),
    message: `${p.message}. Fix: ${p.fix}`,
  }));
}

/** Fixes for a server whose KV cache cannot hold what it asks for, skipping settings already in use. */
export function shortfallFixes(server: ServerConfig, model: ServedModel, card: HostCard): string[] {
  const fixes: string[] = [];
  const q = model.entry.quantization.method;
  if (q !== "awq" && q !== "gptq") {
    const fourBit = buildsOf(model.entry.baseModel).filter(
      (id) => ["awq", "gptq"].includes(lookupModel(id).quantization.method) && planKernels(id, { kvCacheDtype: "auto" }, card.spec).runnable,
    );
    if (fourBit.length > 0) fixes.push(`serve a 4-bit build: ${fourBit.join(" or ")}`);
  }
  if (model.entry.kind !== "encoder") {
    fixes.push(`lower maxModelLen (now ${server.maxModelLen})`);
    if (server.fullLengthSequences > 1) fixes.push(`lower fullLengthSequences (now ${server.fullLengthSequences})`);
    if (server.kvCacheDtype !== "fp8") {
      const fp8 = planKernels(model.entry, { kvCacheDtype: "fp8", runtimeQuantization: model.runtimeQuantization }, card.spec);
      if (fp8.runnable) fixes.push("set kvCacheDtype: fp8 (runs on this card through the FLASHINFER attention backend)");
    }
  }
  if (server.maxNumBatchedTokens === undefined || server.maxNumBatchedTokens > 2048) fixes.push("set maxNumBatchedTokens: 2048 (smaller activation peak)");
  if (!server.enforceEager) fixes.push("set enforceEager: true (no CUDA graphs)");
  fixes.push("give the server a card of its own or a bigger card (`npm run plan -- --suggest` ranks the layouts)");
  return fixes;
}

function describeShortfall(name: string, server: ServerConfig, input: EstimateInput, card: HostCard, fixes: string[]): string {
  const full = estimateMemory(withUtilization(input, 1));
  const want = server.fullLengthSequences * server.maxModelLen;
  return (
    `"auto" found no --gpu-memory-utilization that guarantees ${server.fullLengthSequences} sequence(s) of ` +
    `${server.maxModelLen} tokens (${want} KV tokens) for server "${name}" on a ${card.spec.name} (${card.memoryGiB} GiB usable): ` +
    `even at 1.0, weights ${full.weightsGiB.toFixed(2)} GiB + activations ${full.activationGiB.toFixed(2)} GiB + non-torch ` +
    `${full.nonTorchGiB.toFixed(2)} GiB + the error band's ${full.errorBand.nonKvGiB.toFixed(2)} GiB leave ` +
    `${Math.max(0, full.kvCacheTokensGuaranteed)} guaranteed KV tokens. ${fixes.join("; ")}`
  );
}

interface Draft {
  name: string;
  server: ServerConfig;
  model: ServedModel;
  adapters: HostedAdapter[];
  cards: HostCard[];
  card: HostCard;
  kernels: KernelPlan;
  modes: string[];
  minUtil: number;
  util: number;
  render: (util: number) => string[];
  input: (util: number) => EstimateInput;
}

const footprint = (d: Draft) => estimateMemory(d.input(d.util)).deviceFootprintGiBPessimistic;

/**
 * Resolves every configured server into the command line it will run, on the cards it may run on.
 *
 * Kernels: planned for the weakest card a pod may land on (capacity/kernels.ts) — `--quantization`,
 * `--dtype` and `--kv-cache-dtype` come from the kernel plan, and an fp8 KV cache below compute
 * capability 8.9 is rendered with `--attention-backend FLASHINFER` (the only backend that runs it
 * there; vLLM ≥ 0.13 reads the backend from this flag — the VLLM_ATTENTION_BACKEND variable was
 * deprecated by vllm-project/vllm#26315 and is ignored since). A card that cannot run the model is a
 * ConfigError naming its compute capability and a fix not already in use.
 *
 * `gpuMemoryUtilization: auto`, at the pessimistic end of the estimator's error band:
 * - the floor is the smallest utilization whose guaranteed KV cache holds `fullLengthSequences`
 *   sequences of `maxModelLen` (pooling servers: whose budget holds weights and activations);
 * - time-slicing / MPS (the device plugin picks the card): the floor, so pods that may meet on a card
 *   leave each other as much memory as possible;
 * - dra / none (pinned cards): the largest utilization whose pessimistic footprint fits beside the
 *   pessimistic footprints of every server that can run on the same card at the same time (same mode,
 *   or always on) — generative servers grow in config order, pooling servers stay at the floor (more
 *   budget buys them nothing). A lone server on a big card so uses the card instead of leaving it idle.
 * A server whose floor does not fit is a ConfigError (before any resource exists).
 */
export function planServers(config: PlatformConfig): PlannedServer[] {
  const servers = Object.entries(config.servers);
  if (servers.length === 0) return [];
  const cards = hostCards(config.host);
  if (cards.length === 0) {
    throw new ConfigError([
      { path: keyPath(["host", "nodes"]), message: `servers (${servers.map(([n]) => n).join(", ")}) need GPUs but no node has gpus > 0` },
    ]);
  }
  const mode = config.gpuSharing.mode;
  const allowTensorParallel = mode === "none" || mode === "dra";
  const pinned = mode === "dra" || mode === "none";
  const modesOf = serverModes(config);
  const issues: ConfigIssue[] = [];
  const drafts: Draft[] = [];
  for (const [name, server] of servers) {
    const model = servedModel(config, server.model);
    const adapters = hostedAdapters(config, name);
    const candidates = candidateCards(server, cards);
    const kernelCard = weakest(candidates);
    const memoryCard = [...candidates].sort((a, b) => a.memoryGiB - b.memoryGiB)[0]!;
    const kernels = planKernels(model.entry, { kvCacheDtype: server.kvCacheDtype, runtimeQuantization: model.runtimeQuantization }, kernelCard.spec);
    if (!kernels.runnable) {
      issues.push(...kernelIssues(name, model, kernels));
      continue;
    }
    const flags: VllmKernelFlags = {
      quantization: model.runtimeQuantization ?? kernels.flags.quantization,
      dtype: kernels.flags.dtype,
      kvCacheDtype: kernels.flags.kvCacheDtype,
      attentionBackend: needsPinnedBackend(kernels, kernelCard) ? kernels.attentionBackend : undefined,
    };
    const render = (gpuMemoryUtilization: number) =>
      vllmArgs({ name, server, model, adapters, gpuMemoryUtilization, gpu: { allowTensorParallel }, kernels: flags });
    const input = (util: number) => estimateInputOf(render(util), memoryCard.memoryGiB, memoryCard.spec.product);
    let minUtil: number;
    if (server.gpuMemoryUtilization === "auto") {
      const floor = minGpuMemoryUtilization(input(1), { maxModelLen: server.maxModelLen, concurrency: server.fullLengthSequences });
      if (floor === undefined) {
        issues.push({
          path: keyPath(["servers", name, "gpuMemoryUtilization"]),
          message: describeShortfall(name, server, input(1), memoryCard, shortfallFixes(server, model, memoryCard)),
        });
        continue;
      }
      minUtil = floor;
    } else {
      minUtil = server.gpuMemoryUtilization;
    }
    drafts.push({
      name,
      server,
      model,
      adapters,
      cards: pinned && server.placement ? candidates : [],
      card: memoryCard,
      kernels,
      modes: modesOf.get(name) ?? [],
      minUtil,
      util: minUtil,
      render,
      input,
    });
  }
  if (issues.length > 0) throw new ConfigError(issues);

  if (pinned) {
    // Pooling servers and fixed utilizations first (they do not grow), then generative "auto" servers in config order.
    for (const d of drafts) {
      if (d.server.gpuMemoryUtilization !== "auto" || d.server.task !== "generate" || d.server.replicas > 1) continue;
      const neighbours = (card: string) =>
        drafts
          .filter((o) => o !== d && o.cards.some((c) => c.id === card) && concurrent(o.modes, d.modes))
          .flatMap((o) => Array.from({ length: Math.max(1, o.server.replicas) }, () => footprint(o)));
      let best = 1;
      for (const card of d.cards.length > 0 ? d.cards : [d.card]) {
        const max = maxGpuMemoryUtilization(d.input(d.util), d.cards.length > 0 ? neighbours(card.id) : []);
        best = Math.min(best, max ?? 0);
      }
      if (best < d.minUtil) {
        const on = d.cards.map((c) => c.id).join(", ");
        const others = drafts
          .filter((o) => o !== d && o.cards.some((c) => d.cards.includes(c)) && concurrent(o.modes, d.modes))
          .map((o) => `${o.name} ${footprint(o).toFixed(2)} GiB`);
        issues.push({
          path: keyPath(["servers", d.name, "placement"]),
          message:
            `server "${d.name}" needs --gpu-memory-utilization ${d.minUtil} (pessimistic footprint ${footprint(d).toFixed(2)} GiB) but ${on} ` +
            `(${d.card.memoryGiB} GiB usable) holds ${others.join(" + ") || "nothing else"} at the same time. Place it or a neighbour on another card, ` +
            `or run them in different modes (\`npm run plan -- --suggest\` ranks the layouts)`,
        });
        continue;
      }
      d.util = best;
    }
    if (issues.length > 0) throw new ConfigError(issues);
  }

  return drafts.map((d) => {
    const args = d.render(d.util);
    return {
      name: d.name,
      config: d.server,
      model: d.model,
      adapters: d.adapters,
      gpuMemoryUtilization: d.util,
      cards: d.cards.map((c) => c.id),
      card: { product: d.card.spec.product, memoryGiB: d.card.memoryGiB },
      kernels: d.kernels,
      estimate: estimateMemory(d.input(d.util)),
      modes: d.modes,
      args,
    };
  });
}

/**
 * Whether the attention backend must be pinned on the command line: an fp8 KV cache below compute
 * capability 8.9 runs only on FlashInfer (Triton's fp8e4nv needs 8.9, FlashAttention keeps fp8 only on
 * Hopper); were FlashInfer unavailable, vLLM would fall through to Triton and fail at the first request.
 */
export function needsPinnedBackend(kernels: KernelPlan, card: HostCard): boolean {
  return (
    kernels.flags.kvCacheDtype === "fp8" &&
    kernels.attentionBackend !== undefined &&
    card.spec.computeCapability.major !== 9 &&
    capabilityInt(card.spec.computeCapability) < 89
  );
}

/** "8.6" for messages. */
export const capabilityOf = (card: HostCard) => formatCapability(card.spec.computeCapability);
