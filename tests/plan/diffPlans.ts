import { join } from "node:path";
import { parsePlatformConfig } from "../../config/load";
import { diffPlans, type DiffOptions, type PlanDiff, type ResourceChange } from "../../plan/diff";
import { synthesize, type SynthesisOptions, type SynthesizedResource } from "../../plan/synthesize";
import { PROJECT_ROOT, pulumiConfigMap, stackConfig } from "../fixtures/stacks";

const cache = new Map<string, Promise<SynthesizedResource[]>>();
/** Syntheses share the SDK's global runtime state: one at a time. */
let queue: Promise<unknown> = Promise.resolve();

/**
 * The program run for a config with keyed generated values (what `--base` compares), once per
 * distinct config and registry answers per test run: the fixture stacks are the base of most
 * scenarios, so each scenario costs one synthesis.
 */
export function keyedPlan(
  stack: string,
  raw: Record<string, unknown> = stackConfig(stack),
  calls?: SynthesisOptions["calls"],
  callsKey = "",
): Promise<SynthesizedResource[]> {
  const key = `${stack}\n${callsKey}\n${JSON.stringify(raw)}`;
  let p = cache.get(key);
  if (!p) {
    const run = () =>
      synthesize({
        program: join(PROJECT_ROOT, "index.ts"),
        project: "llm-platform",
        stack,
        config: pulumiConfigMap(raw),
        calls,
        keyGeneratedValues: true,
      }).then((s) => s.resources);
    p = queue.then(run, run);
    queue = p;
    cache.set(key, p);
  }
  return p;
}

/** The change preview from `base` to `current` (configs as stackConfig returns them). */
export async function preview(
  stack: string,
  base: Record<string, unknown>,
  current: Record<string, unknown>,
  options: Omit<DiffOptions, "baseConfig" | "currentConfig"> = {},
): Promise<PlanDiff> {
  const b = await keyedPlan(stack, base);
  const c = await keyedPlan(stack, current);
  return diffPlans(b, c, { ...options, baseConfig: parsePlatformConfig(base), currentConfig: parsePlatformConfig(current) });
}

/** Every change but `same`, as `op object` (or `op type name` for non-Kubernetes resources). */
export function changed(diff: PlanDiff): string[] {
  return diff.changes
    .filter((c) => c.op !== "same")
    .map((c) => `${c.op} ${c.object ?? `${c.type.split(":").pop()} ${c.urn.split("::").pop()}`}`)
    .sort();
}

export function changeOf(diff: PlanDiff, object: string): ResourceChange {
  const c = diff.changes.find((x) => x.object === object);
  if (!c) throw new Error(`no ${object} in the preview:\n${diff.changes.map((x) => x.object).join("\n")}`);
  return c;
}
