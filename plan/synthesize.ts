import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import type { PlannedResource } from "../policies/evaluate";

/** A resource the program declared, with what the engine would know about it before any API call. */
export interface SynthesizedResource extends PlannedResource {
  /** URN of the parent component (absent for resources at the stack root). */
  parent?: string;
  /** false for ComponentResources (they group children and have no Kubernetes object). */
  custom: boolean;
  /**
   * The URNs the registration request carries (`RegisterResourceRequest.dependencies`): explicit
   * `dependsOn` plus every resource whose outputs the inputs read, a component standing for its
   * custom descendants. The engine records them; the SDK sends the request only once they exist.
   */
  dependencies: string[];
  /** The same, per input property (`propertyDependencies`). */
  propertyDependencies: Record<string, string[]>;
  /** URN of the explicit provider resource (absent: the default provider). */
  provider?: string;
  /**
   * URNs the engine matches this resource against in the previous state when its own URN is not
   * there: its `aliases` and those it inherits from its parents' (the engine's rules, mirrored by the
   * SDK's `allAliases`/`inheritedChildAlias` in @pulumi/pulumi/resource.js). Absent when none.
   */
  aliases?: string[];
}

export interface SynthesisOptions {
  /** Absolute path of the program (index.ts). */
  program: string;
  project: string;
  stack: string;
  /** `<namespace>:<key>` → value as the CLI passes it (objects JSON-encoded). */
  config: Record<string, string>;
  secretKeys?: string[];
  /**
   * Answers to provider functions by token (e.g. a registry lookup in a test). Without one, a call
   * returns its inputs: offline there is no registry or cloud API to ask.
   */
  calls?: Record<string, (inputs: Record<string, any>) => Record<string, unknown>>;
  /**
   * Give each generated value (random passwords, digests) a placeholder keyed by its resource and
   * inputs (`[generated at deploy time #1a2b3c4d]`): a generator replaced with new inputs (a rotation's
   * keepers) then hands its readers a new value, as at deploy time, and a change preview
   * (plan/diff.ts) sees every Secret and pod-template hash that follows from it.
   */
  keyGeneratedValues?: boolean;
}

export interface Synthesis {
  resources: SynthesizedResource[];
  outputs: Record<string, unknown>;
}

const STACK_TYPE = "pulumi:pulumi:Stack";
/** Outputs no mock can know (generated secrets, provider IDs): marked so nobody takes them for real values. */
const GENERATED = "[generated at deploy time]";

/** Pulumi's wire marker for a secret value (`{<sig>: SECRET_SIG, value}`). */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Inputs with secret markers replaced by their values (mock outputs of generated secrets are placeholders). */
export function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (obj[SIG_KEY] === SECRET_SIG) return unwrapSecrets(obj.value ?? GENERATED);
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

function fakeOutputs(type: string, generated = GENERATED): Record<string, unknown> {
  if (type.startsWith("random:")) return { result: generated, bcryptHash: generated };
  if (type.startsWith("docker:")) return { repoDigest: generated, sha256Digest: generated };
  return {};
}

/** `[generated at deploy time #<digest of type, name and inputs>]`: the same until the generator's inputs change. */
function keyedGenerated(type: string, name: string, inputs: unknown): string {
  const digest = createHash("sha256")
    .update(JSON.stringify([type, name, unwrapSecrets(inputs)]))
    .digest("hex")
    .slice(0, 8);
  return `${GENERATED.slice(0, -1)} #${digest}]`;
}

/** What the stack transformation saw of one resource: the object itself, its inputs and options before serialization. */
interface Declared {
  resource: pulumi.Resource;
  type: string;
  name: string;
  props: pulumi.Inputs;
  opts: pulumi.ResourceOptions;
}

/** The SDK's internal Resource fields the plan reads (set by the Resource constructor in @pulumi/pulumi/resource.js). */
interface ResourceInternals {
  __parentResource?: pulumi.Resource & ResourceInternals;
  __name?: string;
  __pulumiType?: string;
  __protect?: boolean;
  __prov?: pulumi.ProviderResource;
}

/**
 * The SDK functions `prepareResource` (@pulumi/pulumi/runtime/resource.js) uses to build a
 * registration's `dependencies`: calling the same code gives exactly the URNs `pulumi up` sends.
 * `getAllTransitivelyReferencedResources` replaces a component by its custom descendants
 * (runtime/dependsOn.js; pulumi/pulumi#1743, #7542): depending on a component waits for all of them.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- an internal module of @pulumi/pulumi without typings of its own
const dependsOnRuntime = require("@pulumi/pulumi/runtime/dependsOn") as {
  gatherExplicitDependencies(dependsOn: unknown): Promise<pulumi.Resource[]>;
  getAllTransitivelyReferencedResources(resources: Set<pulumi.Resource>, exclude: Set<pulumi.Resource>): Promise<pulumi.Resource[]>;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports -- an internal module of @pulumi/pulumi without typings of its own
const rpcRuntime = require("@pulumi/pulumi/runtime/rpc") as {
  serializeResourceProperties(label: string, props: pulumi.Inputs, opts?: object): Promise<[Record<string, unknown>, Map<string, Set<pulumi.Resource>>]>;
};

/**
 * The URN the engine gives a resource: `urn:pulumi:<stack>::<project>::<parent types $-joined>$<type>::<name>`,
 * the root Stack left out of the type chain (the mock monitor's own URNs include it).
 */
function engineUrn(resource: pulumi.Resource, stack: string, project: string): string {
  const chain: string[] = [];
  let r: (pulumi.Resource & ResourceInternals) | undefined = resource as pulumi.Resource & ResourceInternals;
  const name = (resource as unknown as { __name: string }).__name;
  while (r && r.__pulumiType !== STACK_TYPE) {
    chain.unshift(r.__pulumiType!);
    r = r.__parentResource;
  }
  return `urn:pulumi:${stack}::${project}::${chain.join("$")}::${name}`;
}

/** `urn:pulumi:<stack>::<project>::<parent's qualified type>$<type>::<name>`, as the engine builds it. */
function urnWithParent(stack: string, project: string, type: string, name: string, parentUrn?: string): string {
  const parentType = parentUrn?.split("::")[2];
  return `urn:pulumi:${stack}::${project}::${parentType ? `${parentType}$` : ""}${type}::${name}`;
}

type AliasSpec = string | { name?: string; type?: string; parent?: pulumi.Resource; project?: string; stack?: string };

/**
 * The alias URNs of every declared resource: its own `aliases` (a spec's missing name, type and parent
 * default to the resource's; `parent: undefined` or the root stack means none), and one per alias of
 * its parent, own or inherited — with the parent's name swapped in when the child's name starts with
 * it (`inheritedChildAlias`). The engine computes the inherited ones from the specs the SDK sends.
 */
async function aliasUrns(declared: Declared[], urnOf: (r: pulumi.Resource) => string, stack: string, project: string): Promise<Map<pulumi.Resource, string[]>> {
  const byResource = new Map(declared.map((d) => [d.resource, d]));
  const memo = new Map<pulumi.Resource, Promise<string[]>>();
  const parentOf = (r: pulumi.Resource) => {
    const p = (r as unknown as ResourceInternals).__parentResource;
    return p && p.__pulumiType !== STACK_TYPE ? p : undefined;
  };
  const of = (resource: pulumi.Resource): Promise<string[]> => {
    let pending = memo.get(resource);
    if (pending) return pending;
    pending = (async () => {
      const d = byResource.get(resource);
      const internals = resource as unknown as ResourceInternals;
      const name = internals.__name!;
      const type = internals.__pulumiType!;
      const parent = parentOf(resource);
      const own: string[] = [];
      for (const raw of (d?.opts.aliases ?? []) as pulumi.Input<AliasSpec>[]) {
        const alias = (await (pulumi.output(raw) as unknown as { promise(): Promise<AliasSpec> }).promise()) as AliasSpec;
        if (typeof alias === "string") {
          own.push(alias);
          continue;
        }
        const aliasParent = Object.prototype.hasOwnProperty.call(alias, "parent") ? alias.parent : parent;
        const parentUrn = aliasParent && (aliasParent as unknown as ResourceInternals).__pulumiType !== STACK_TYPE ? urnOf(aliasParent) : undefined;
        own.push(urnWithParent(alias.stack ?? stack, alias.project ?? project, alias.type ?? type, alias.name ?? name, parentUrn));
      }
      const inherited: string[] = [];
      if (parent) {
        const parentName = (parent as unknown as ResourceInternals).__name!;
        for (const parentAlias of await of(parent)) {
          for (const [childName, childType] of [[name, type], ...own.map((u) => [u.split("::")[3]!, u.split("::")[2]!.split("$").pop()!])] as [
            string,
            string,
          ][]) {
            const aliasName = childName.startsWith(parentName) ? `${parentAlias.split("::")[3]}${childName.slice(parentName.length)}` : childName;
            inherited.push(urnWithParent(stack, project, childType, aliasName, parentAlias));
          }
        }
      }
      return [...new Set([...own, ...inherited])].filter((u) => u !== urnOf(resource));
    })();
    memo.set(resource, pending);
    return pending;
  };
  const out = new Map<pulumi.Resource, string[]>();
  for (const d of declared) out.set(d.resource, await of(d.resource));
  return out;
}

/** Dependencies of one declared resource, computed by the SDK's own code as `prepareResource` does. */
async function registrationDependencies(
  d: Declared,
  urnOf: (r: pulumi.Resource) => string,
): Promise<{ dependencies: string[]; propertyDependencies: Record<string, string[]> }> {
  const urnsOf = (list: pulumi.Resource[]) => [...new Set(list.map(urnOf))].sort();
  const exclude = new Set<pulumi.Resource>([d.resource]);
  const explicit = new Set(await dependsOnRuntime.gatherExplicitDependencies(d.opts.dependsOn));
  const all = new Set(urnsOf(await dependsOnRuntime.getAllTransitivelyReferencedResources(explicit, exclude)));
  const [, perProperty] = await rpcRuntime.serializeResourceProperties(`plan:${d.name}`, d.props ?? {}, {});
  const propertyDependencies: Record<string, string[]> = {};
  for (const [property, direct] of perProperty) {
    const urns = urnsOf(await dependsOnRuntime.getAllTransitivelyReferencedResources(direct, exclude));
    if (urns.length === 0) continue;
    propertyDependencies[property] = urns;
    for (const urn of urns) all.add(urn);
  }
  return { dependencies: [...all].sort(), propertyDependencies };
}

/**
 * Runs the Pulumi program in-process under the mock runtime: the same code `pulumi up` runs, with the
 * stack's config, but every resource is recorded instead of created. A stack transformation, which the
 * SDK applies in-process to every resource, sees each resource object with its inputs and options
 * before serialization; from them the plan records parent, protect, provider and dependencies.
 */
export async function synthesize(options: SynthesisOptions): Promise<Synthesis> {
  const inputs = new Map<string, { type: string; name: string; inputs: Record<string, any>; custom: boolean }>();
  const declared: Declared[] = [];
  const key = (type: string, name: string) => `${type}::${name}`;

  // The mock monitor hands stack transforms (registerResourceTransform) over instead of running them.
  const transforms: pulumi.ResourceTransform[] = [];

  pulumi.runtime.setAllConfig(options.config, options.secretKeys);
  await pulumi.runtime.setMocks(
    {
      newResource: async (args) => {
        let props = args.inputs;
        for (const transform of transforms) {
          const result = await transform({ type: args.type, name: args.name, custom: args.custom ?? true, props, opts: {} });
          if (result) props = result.props;
        }
        inputs.set(key(args.type, args.name), {
          type: args.type,
          name: args.name,
          inputs: unwrapSecrets(props) as Record<string, any>,
          custom: args.custom ?? true,
        });
        const generated = options.keyGeneratedValues ? keyedGenerated(args.type, args.name, args.inputs) : GENERATED;
        return { id: `${args.name}-id`, state: { ...props, ...fakeOutputs(args.type, generated) } };
      },
      call: (args) => options.calls?.[args.token]?.(args.inputs) ?? args.inputs,
      registerTransform: (transform) => transforms.push(transform),
    },
    options.project,
    options.stack,
    true,
  );

  let outputs: Record<string, unknown> = {};
  await pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((args) => {
      if (args.type !== STACK_TYPE) declared.push({ resource: args.resource, type: args.type, name: args.name, props: args.props, opts: args.opts });
      return undefined;
    });
    delete require.cache[options.program];
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the program is loaded afresh per run (its require cache entry is dropped above)
    const exported = require(options.program) as Record<string, unknown>;
    outputs = { ...exported };
    return exported;
  });
  await waitForRegistrations();

  const urns = new Map<pulumi.Resource, string>();
  const urnOf = (r: pulumi.Resource) => {
    let urn = urns.get(r);
    if (!urn) urns.set(r, (urn = engineUrn(r, options.stack, options.project)));
    return urn;
  };
  const aliases = await aliasUrns(declared, urnOf, options.stack, options.project);
  const resources: SynthesizedResource[] = [];
  for (const d of declared) {
    const recorded = inputs.get(key(d.type, d.name));
    if (!recorded) continue;
    const internals = d.resource as unknown as ResourceInternals;
    const parentResource = internals.__parentResource;
    const parent = parentResource && parentResource.__pulumiType !== STACK_TYPE ? urnOf(parentResource) : undefined;
    const { dependencies, propertyDependencies } = await registrationDependencies(d, urnOf);
    const provider = internals.__prov ? urnOf(internals.__prov) : undefined;
    resources.push({
      type: d.type,
      name: d.name,
      urn: urnOf(d.resource),
      props: recorded.inputs,
      custom: recorded.custom,
      parent,
      dependencies,
      propertyDependencies,
      ...(provider ? { provider } : {}),
      ...(aliases.get(d.resource)?.length ? { aliases: aliases.get(d.resource) } : {}),
      // Effective values: protect is inherited from the parent by the Resource constructor; retainOnDelete is not.
      opts: { protect: internals.__protect ?? false, retainOnDelete: d.opts.retainOnDelete ?? false, parent },
    });
  }
  return { resources, outputs };
}

/** Lets every pending registration reach the mocks (outputs resolve asynchronously). */
async function waitForRegistrations(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- an internal module of @pulumi/pulumi without typings of its own
  const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs?: () => Promise<void> };
  if (settings.waitForRPCs) await settings.waitForRPCs();
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}
