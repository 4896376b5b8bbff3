import * as pulumi from "@pulumi/pulumi";
import type { PlannedResource } from "../policies/evaluate";

/** A resource the program declared, with what the engine would know about it before any API call. */
export interface SynthesizedResource extends PlannedResource {
  /** URN of the parent component (absent for resources at the stack root). */
  parent?: string;
  /** false for ComponentResources (they group children and have no Kubernetes object). */
  custom: boolean;
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

function fakeOutputs(type: string): Record<string, unknown> {
  if (type.startsWith("random:")) return { result: GENERATED, bcryptHash: GENERATED };
  if (type.startsWith("docker:")) return { repoDigest: GENERATED, sha256Digest: GENERATED };
  return {};
}

/**
 * Runs the Pulumi program in-process under the mock runtime: the same code `pulumi up` runs, with the
 * stack's config, but every resource is recorded instead of created. Options (parent, protect) come
 * from a stack transformation, which the SDK applies in-process to every resource.
 */
export async function synthesize(options: SynthesisOptions): Promise<Synthesis> {
  const inputs = new Map<string, { type: string; name: string; inputs: Record<string, any>; custom: boolean }>();
  const options_ = new Map<string, { parentType?: string; parentName?: string; protect?: boolean; retainOnDelete?: boolean }>();
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
        inputs.set(key(args.type, args.name), { type: args.type, name: args.name, inputs: unwrapSecrets(props) as Record<string, any>, custom: args.custom ?? true });
        return { id: `${args.name}-id`, state: { ...props, ...fakeOutputs(args.type) } };
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
      const parent = args.opts.parent as unknown as { __pulumiType?: string; __name?: string } | undefined;
      options_.set(key(args.type, args.name), {
        parentType: parent?.__pulumiType === STACK_TYPE ? undefined : parent?.__pulumiType,
        parentName: parent?.__pulumiType === STACK_TYPE ? undefined : parent?.__name,
        protect: args.opts.protect,
        retainOnDelete: args.opts.retainOnDelete,
      });
      return undefined;
    });
    delete require.cache[options.program];
    const exported = require(options.program) as Record<string, unknown>;
    outputs = { ...exported };
    return exported;
  });
  await waitForRegistrations();

  const urnCache = new Map<string, string>();
  const urnOf = (type: string, name: string): string => {
    const k = key(type, name);
    const cached = urnCache.get(k);
    if (cached) return cached;
    const chain: string[] = [type];
    let o = options_.get(k);
    while (o?.parentType) {
      chain.unshift(o.parentType);
      o = options_.get(key(o.parentType, o.parentName!));
    }
    const urn = `urn:pulumi:${options.stack}::${options.project}::${chain.join("$")}::${name}`;
    urnCache.set(k, urn);
    return urn;
  };

  const resources: SynthesizedResource[] = [];
  for (const r of inputs.values()) {
    if (r.type === STACK_TYPE) continue;
    const o = options_.get(key(r.type, r.name));
    resources.push({
      type: r.type,
      name: r.name,
      urn: urnOf(r.type, r.name),
      props: r.inputs,
      custom: r.custom,
      parent: o?.parentType ? urnOf(o.parentType, o.parentName!) : undefined,
      opts: { protect: o?.protect ?? false, retainOnDelete: o?.retainOnDelete ?? false, parent: o?.parentType ? urnOf(o.parentType, o.parentName!) : undefined },
    });
  }
  return { resources, outputs };
}

/** Lets every pending registration reach the mocks (outputs resolve asynchronously). */
async function waitForRegistrations(): Promise<void> {
  const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs?: () => Promise<void> };
  if (settings.waitForRPCs) await settings.waitForRPCs();
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}
