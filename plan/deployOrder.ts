import type { SynthesizedResource } from "./synthesize";

/** One step of the first `pulumi up` on an empty cluster: resources that can be created together. */
export interface DeployWave {
  wave: number;
  /** URNs of the custom resources created in this wave. */
  urns: string[];
}

export interface DeployOrder {
  waves: DeployWave[];
  /** Wave of every custom resource (components have none: they create nothing). */
  waveOf: Map<string, number>;
  /**
   * Everything a resource's creation waits for: its registration's dependencies, its provider, and
   * what its parent waits for (see `waitsFor`).
   */
  waitsFor: Map<string, string[]>;
}

/**
 * What `pulumi up` makes each resource wait for before it is created, as the Node.js SDK behaves:
 *
 * - its registration `dependencies` (explicit `dependsOn` and outputs read, a component standing for
 *   its custom descendants; `prepareResource` awaits each one's URN, which resolves only when the
 *   engine has finished creating it);
 * - its explicit provider (`ProviderResource.register` awaits the provider's URN and ID);
 * - its parent: `prepareResource` awaits `parent.urn` before sending the request ("The SDK guarantees
 *   that [a child registers] after [its parent] by waiting on the parent's URN", pulumi/pulumi#7833).
 *   A component's URN resolves only after its own dependencies exist, so a child inherits everything
 *   its component waits for — but only through that wait: being a parent orders nothing else, and a
 *   component is never itself a dependency (it has nothing to create).
 *
 * The result is what the engine's step executor sees arrive, in order, on an empty cluster.
 */
/**
 * pulumi-kubernetes' multi-language components that apply manifests (ConfigFile, ConfigGroup, kustomize
 * Directory): the provider expands them into objects the mock runtime never sees, and a resource that
 * depends on one waits for all of them (a remote component's dependents wait on its children). For the
 * order they are one step of their own.
 */
const MANIFEST_COMPONENTS = new Set(["kubernetes:yaml/v2:ConfigFile", "kubernetes:yaml/v2:ConfigGroup", "kubernetes:kustomize/v2:Directory"]);
const ordered = (r: SynthesizedResource | undefined): boolean => r !== undefined && (r.custom || MANIFEST_COMPONENTS.has(r.type));

export function deployOrder(resources: SynthesizedResource[]): DeployOrder {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const waits = new Map<string, Set<string>>();
  const visiting = new Set<string>();
  const waitsOf = (r: SynthesizedResource): Set<string> => {
    const known = waits.get(r.urn);
    if (known) return known;
    if (visiting.has(r.urn)) throw new Error(`dependency cycle through ${r.urn}: the SDK would wait forever`);
    visiting.add(r.urn);
    const set = new Set<string>(r.dependencies);
    if (r.provider) set.add(r.provider);
    const parent = r.parent ? byUrn.get(r.parent) : undefined;
    if (parent) {
      if (ordered(parent)) set.add(parent.urn);
      else for (const urn of waitsOf(parent)) set.add(urn);
    }
    set.delete(r.urn);
    visiting.delete(r.urn);
    waits.set(r.urn, set);
    return set;
  };

  const waveOf = new Map<string, number>();
  const waveOfUrn = (urn: string, stack: string[] = []): number => {
    const known = waveOf.get(urn);
    if (known !== undefined) return known;
    if (stack.includes(urn)) throw new Error(`dependency cycle: ${[...stack, urn].join(" → ")}`);
    const r = byUrn.get(urn);
    if (!r) return -1;
    let wave = 0;
    for (const dep of waitsOf(r)) {
      const d = byUrn.get(dep);
      if (ordered(d)) wave = Math.max(wave, waveOfUrn(dep, [...stack, urn]) + 1);
    }
    waveOf.set(urn, wave);
    return wave;
  };

  for (const r of resources) if (ordered(r)) waveOfUrn(r.urn);
  const waves: DeployWave[] = [];
  for (const r of resources) {
    if (!ordered(r)) continue;
    const wave = waveOf.get(r.urn)!;
    (waves[wave] ??= { wave, urns: [] }).urns.push(r.urn);
  }
  const waitsFor = new Map<string, string[]>();
  for (const r of resources) waitsFor.set(r.urn, [...waitsOf(r)].sort());
  return { waves: waves.filter((w) => w !== undefined), waveOf, waitsFor };
}

/** True when `from` waits, directly or through what it waits for, for `to`. */
export function waitsTransitively(order: DeployOrder, from: string, to: string): boolean {
  const seen = new Set<string>();
  const queue = [from];
  while (queue.length) {
    const urn = queue.pop()!;
    for (const next of order.waitsFor.get(urn) ?? []) {
      if (next === to) return true;
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return false;
}
