import { searchLayouts, type Layout, type LayoutServerWant, type SharingMode } from "@llm-platform/capacity";
import { stringify } from "yaml";
import { ConfigError, parsePlatformConfig, type ConfigIssue } from "../config/load";
import type { PlatformConfig } from "../config/schema";
import { plannedGpuResources } from "../platform/inference";
import { planServers } from "../platform/servers";
import { evaluatePolicies } from "../policies/evaluate";
import { planGpus } from "../policies/gpuPlan";
import { gpuPolicies } from "../policies/gpu";

/** The pack's GPU policies: what a layout changes. The rest of the pack judges objects a layout leaves as they are. */
export const GPU_POLICIES = gpuPolicies;
import { policyConfigFromPlatform } from "./policyConfig";

/**
 * `npm run plan -- --suggest`: the layouts the capacity model's search (capacity/layouts.ts) finds for
 * the stack's servers on its host — sharing mode, which servers share which card, tensor parallelism,
 * the catalog's other builds, the KV dtype the card runs, utilization, maxNumSeqs — ranked by the
 * main (first generative) server's guaranteed KV tokens, then the other servers' parallel requests.
 *
 * Each layout is verified before it is printed: the stack's configuration with the layout's keys
 * applied is validated (config/schema.ts), resolved by the program's own server planner
 * (platform/servers.ts: kernels, "auto" utilization, pessimistic checks) and its GPU objects — the
 * Deployments, the per-card ResourceClaims and the KEDA ScaledObjects, built as the components render
 * them — are judged by every policy of the pack. Running the whole program under the mock runtime per
 * layout (≈ 15 s each on this machine) would add nothing the GPU policies read, so it is not repeated;
 * `npm run plan -- --config <file>` with the printed snippet does exactly that for the chosen one.
 */
export interface SuggestedLayout {
  rank: number;
  guaranteedKvTokens: number;
  parallelRequests: Record<string, number>;
  summary: string;
  sharing: Layout["sharing"];
  cards: Layout["cards"];
  servers: Layout["servers"];
  /** The stack keys to change (`llm-platform:gpuSharing`, `llm-platform:servers.<name>.*`). */
  config: Record<string, unknown>;
  /** The same as the stack file's YAML. */
  yaml: string;
  /** Whether the verification found it plans with no mandatory violation, and what it found otherwise. */
  verified: boolean;
  problems: string[];
  /** What the operator must still do (pin a new build's revision). */
  todo: string[];
}

export interface SuggestResult {
  stack: string;
  main: string;
  layouts: SuggestedLayout[];
  evaluated: number;
  rejected: { mode: SharingMode; reason: string }[];
}

/** The servers to place, the main (first generative) one first; modes' servers are placed per mode by the operator. */
function wants(config: PlatformConfig): LayoutServerWant[] {
  const entries = Object.entries(config.servers);
  const ordered = [...entries.filter(([, s]) => s.task === "generate"), ...entries.filter(([, s]) => s.task !== "generate")];
  return ordered.map(([name, s]) => {
    const model = config.models[s.model]!;
    const loras = Object.values(config.adapters).filter((a) => a.server === name && a.lora).length;
    return {
      name,
      model: model.id,
      task: s.task,
      maxModelLen: s.maxModelLen,
      minSequences: s.fullLengthSequences,
      maxNumSeqs: s.maxNumSeqs,
      maxNumBatchedTokens: s.maxNumBatchedTokens,
      enforceEager: s.enforceEager,
      ...(s.lora || loras > 0 ? { lora: { maxLoras: s.lora?.maxLoras ?? Math.max(1, loras), maxLoraRank: s.lora?.maxLoraRank ?? 16 } } : {}),
    };
  });
}

/** The layout as stack keys: gpuSharing, and per server model (a models alias), gpus, placement, KV dtype, utilization, maxNumSeqs. */
function layoutConfig(config: PlatformConfig, layout: Layout): { keys: Record<string, unknown>; models: Record<string, { id: string }> } {
  const aliasOf = (id: string) => Object.entries(config.models).find(([, m]) => m.id === id)?.[0];
  const models: Record<string, { id: string }> = {};
  const servers: Record<string, Record<string, unknown>> = {};
  for (const [name, s] of Object.entries(layout.config.servers)) {
    let alias = aliasOf(s.model);
    if (!alias) {
      alias = s.model
        .split("/")
        .pop()!
        .toLowerCase()
        .replace(/[^a-z0-9-]/g, "-")
        .replace(/^-+|-+$/g, "")
        .slice(0, 63);
      models[alias] = { id: s.model };
    }
    servers[name] = {
      model: alias,
      gpus: s.gpus,
      ...(s.placement ? { placement: s.placement } : {}),
      kvCacheDtype: s.kvCacheDtype,
      gpuMemoryUtilization: s.gpuMemoryUtilization,
      maxNumSeqs: s.maxNumSeqs,
    };
  }
  const sharing = layout.config.gpuSharing;
  const keys: Record<string, unknown> = {
    "llm-platform:gpuSharing": sharing.replicas === undefined ? { mode: sharing.mode } : { mode: sharing.mode, replicas: sharing.replicas },
    ...(Object.keys(models).length ? { "llm-platform:models": models } : {}),
    "llm-platform:servers": servers,
  };
  return { keys, models };
}

/** The stack config with the layout applied (deep-merged per server; a new build's models alias added, unpinned). */
function applied(input: Record<string, unknown>, layout: Layout, config: PlatformConfig): Record<string, unknown> {
  const { keys, models } = layoutConfig(config, layout);
  const servers = { ...(input.servers as Record<string, any>) };
  for (const [name, s] of Object.entries(keys["llm-platform:servers"] as Record<string, any>)) {
    const { placement, ...rest } = s;
    servers[name] = { ...servers[name], ...rest, ...(placement ? { placement } : {}) };
    if (!placement) delete servers[name].placement;
  }
  return {
    ...input,
    gpuSharing: keys["llm-platform:gpuSharing"],
    models: {
      ...(input.models as Record<string, any>),
      ...Object.fromEntries(Object.entries(models).map(([alias, m]) => [alias, { ...m, ...((input.models as Record<string, any>)[alias] ?? {}) }])),
    },
    servers,
  };
}

/** Verifies one layout: config validation, the program's server planner and the policy pack on the GPU objects. */
export async function verifyLayout(input: Record<string, unknown>, layout: Layout, config: PlatformConfig): Promise<{ problems: string[]; todo: string[] }> {
  let next: PlatformConfig;
  try {
    next = parsePlatformConfig(applied(input, layout, config));
    const servers = planServers(next);
    const resources = plannedGpuResources(next, servers);
    const host = policyConfigFromPlatform(next);
    const violations = await evaluatePolicies(resources, host, GPU_POLICIES);
    const gpu = planGpus(resources, host);
    return {
      problems: [
        ...violations.filter((v) => v.level === "mandatory").map((v) => `[${v.policy}] ${v.message}`),
        ...gpu.cards.filter((c) => !c.fits).map((c) => `${c.card} over by ${(-c.headroomGiB).toFixed(2)} GiB`),
      ],
      todo: [],
    };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // A build the stack does not serve yet needs its revision pinned in a protected stack: the operator's step, not a misfit.
    const pin = error.issues.filter((i: ConfigIssue) => /models\.[^.]+\.revision$/.test(i.path));
    if (pin.length === error.issues.length) {
      const retry = await verifyLayout(
        withRevisions(
          input,
          pin.map((i) => i.path.split(".").at(-2)!),
        ),
        layout,
        config,
      );
      return { problems: retry.problems, todo: pin.map((i) => `${i.path}: ${i.message}`) };
    }
    return { problems: error.issues.map((i: ConfigIssue) => `${i.path}: ${i.message}`), todo: [] };
  }
}

/** The input with a placeholder commit for new model aliases, to verify the rest while the operator pins the real one. */
function withRevisions(input: Record<string, unknown>, aliases: string[]): Record<string, unknown> {
  const models = { ...(input.models as Record<string, any>) };
  for (const alias of aliases) models[alias] = { ...models[alias], revision: "0".repeat(40) };
  return { ...input, models };
}

/** Enumerates, verifies and ranks the layouts for a stack's servers on its host. */
export async function suggestLayouts(stack: string, input: Record<string, unknown>, options: { limit?: number } = {}): Promise<SuggestResult> {
  const config = parsePlatformConfig(input);
  const servers = wants(config);
  if (servers.length === 0) return { stack, main: "", layouts: [], evaluated: 0, rejected: [] };
  const nodes = Object.entries(config.host.nodes)
    .filter(([, n]) => n.gpus > 0 && n.gpuProduct)
    .map(([name, n]) => ({ name, gpuProduct: n.gpuProduct!, gpus: n.gpus, ...(n.gpuMemoryGiB !== undefined ? { gpuMemoryGiB: n.gpuMemoryGiB } : {}) }));
  const search = searchLayouts({ nodes, servers, limit: (options.limit ?? 5) * 3 });
  const layouts: SuggestedLayout[] = [];
  for (const layout of search.layouts) {
    if (layouts.length >= (options.limit ?? 5)) break;
    const { problems, todo } = await verifyLayout(input, layout, config);
    const { keys } = layoutConfig(config, layout);
    layouts.push({
      rank: layouts.length + 1,
      guaranteedKvTokens: layout.guaranteedKvTokens,
      parallelRequests: layout.parallelRequests,
      summary: layout.summary,
      sharing: layout.sharing,
      cards: layout.cards,
      servers: layout.servers,
      config: keys,
      yaml: stringify({ config: keys }),
      verified: problems.length === 0,
      problems,
      todo,
    });
  }
  return { stack, main: servers[0]!.name, layouts, evaluated: search.evaluated, rejected: search.rejected };
}

/** The report of `--suggest`: each layout, what it guarantees and the YAML to put in the stack file. */
export function formatSuggestions(result: SuggestResult): string {
  const lines = [
    `stack ${result.stack}: ${result.layouts.length} layout(s) for ${result.main} (main) and the other servers, best first ` +
      `(${result.evaluated} evaluated; guaranteed = at the pessimistic end of the estimator's error band)`,
  ];
  for (const r of result.rejected) lines.push(`  ${r.mode}: no layout — ${r.reason}`);
  for (const l of result.layouts) {
    lines.push("", `#${l.rank} ${l.summary}`);
    lines.push(
      `   ${result.main}: ${l.guaranteedKvTokens} KV tokens guaranteed; parallel requests ${Object.entries(l.parallelRequests)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")}`,
    );
    for (const c of l.cards)
      lines.push(`   ${c.card} ${c.product} ${c.memoryGiB} GiB: ${c.servers.join(" + ")} ${c.footprintGiBPessimistic} GiB, ${c.headroomGiB} GiB free`);
    lines.push(`   verified (config + server planner + policy pack): ${l.verified ? "plans with no mandatory violation" : `NO — ${l.problems.join("; ")}`}`);
    for (const t of l.todo) lines.push(`   to do: ${t}`);
    lines.push(
      "   stack file keys:",
      ...l.yaml
        .trimEnd()
        .split("\n")
        .map((x) => `     ${x}`),
    );
  }
  return `${lines.join("\n")}\n`;
}
