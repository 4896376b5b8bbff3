import type {
  EnforcementLevel,
  Policy,
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { configFor, resolvePolicyConfig, type HostPolicyConfig } from "./config";
import { allPolicies } from "./pack";

/** A resource of a plan, as the Pulumi engine would show it to the pack. */
export interface PlannedResource {
  type: string;
  name: string;
  urn: string;
  props: Record<string, any>;
  opts?: { protect?: boolean; retainOnDelete?: boolean; parent?: string };
  /** URNs of the registration's dependencies (explicit and from outputs read), as the engine records them. */
  dependencies?: string[];
  /** The same per input property. */
  propertyDependencies?: Record<string, string[]>;
  /** URN of the explicit provider resource. */
  provider?: string;
}

export interface PolicyViolation {
  policy: string;
  level: "mandatory" | "advisory";
  /** Pulumi name of the resource a resource policy flagged (absent for stack policies). */
  resource?: string;
  urn?: string;
  message: string;
}

class NotApplicable extends Error {}

function typeOf(resourceClass: unknown): string | undefined {
  return (resourceClass as { __pulumiType?: string }).__pulumiType;
}

function typed(r: PlannedResource) {
  return {
    isType: (cls: unknown) => typeOf(cls) === r.type,
    asType: (cls: unknown) => (typeOf(cls) === r.type ? r.props : undefined),
  };
}

function policyResource(r: PlannedResource): PolicyResource {
  return {
    type: r.type,
    props: r.props,
    urn: r.urn,
    name: r.name,
    opts: {
      protect: r.opts?.protect ?? false,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
      parent: r.opts?.parent,
    },
    dependencies: [],
    propertyDependencies: {},
    ...typed(r),
  } as unknown as PolicyResource;
}

/**
 * Links the resources the way the engine's analyzer hands them to stack policies: `parent`,
 * `provider`, `dependencies` and `propertyDependencies` are the PolicyResource objects of the URNs
 * the registration recorded (@pulumi/policy `PolicyResource`). URNs outside the plan are dropped.
 */
function linkResources(planned: PlannedResource[], all: PolicyResource[]): void {
  const byUrn = new Map(all.map((r) => [r.urn, r]));
  const resolve = (urns: string[] | undefined) => (urns ?? []).map((u) => byUrn.get(u)).filter((x): x is PolicyResource => x !== undefined);
  planned.forEach((r, i) => {
    const target = all[i]! as { -readonly [K in keyof PolicyResource]: PolicyResource[K] };
    target.dependencies = resolve(r.dependencies);
    target.propertyDependencies = Object.fromEntries(Object.entries(r.propertyDependencies ?? {}).map(([k, urns]) => [k, resolve(urns)]));
    const parent = r.opts?.parent ? byUrn.get(r.opts.parent) : undefined;
    if (parent) target.parent = parent;
    const provider = r.provider ? byUrn.get(r.provider) : undefined;
    if (provider) target.provider = { type: provider.type, props: provider.props, urn: provider.urn, name: provider.name };
  });
}

const notApplicable = (reason?: string): never => {
  throw new NotApplicable(reason);
};

/**
 * Runs the pack's policies on a plan in-process, the way `pulumi preview --policy-pack policies`
 * does: resource policies on each resource, stack policies on all of them, each with the slice of
 * `config` its own config schema declares (`configFor`; the pack's defaults for anything not given).
 */
export async function evaluatePolicies(
  resources: PlannedResource[],
  config?: Partial<HostPolicyConfig>,
  policies: readonly Policy[] = allPolicies,
): Promise<PolicyViolation[]> {
  const settings = resolvePolicyConfig(config);
  const violations: PolicyViolation[] = [];
  const levelOf = (p: Policy): "mandatory" | "advisory" =>
    ((p.enforcementLevel ?? "advisory") as EnforcementLevel) === "mandatory" ? "mandatory" : "advisory";
  const all = resources.map(policyResource);
  linkResources(resources, all);
  for (const policy of policies) {
    if ((policy.enforcementLevel as string) === "disabled") continue;
    const policyConfig = configFor(policy, settings);
    const getConfig = <T extends object>() => structuredClone(policyConfig) as unknown as T;
    if ("validateResource" in policy) {
      const validators = [(policy as ResourceValidationPolicy).validateResource].flat().filter((v) => v !== undefined);
      for (const r of all) {
        const report: ReportViolation = (message) => violations.push({ policy: policy.name, level: levelOf(policy), resource: r.name, urn: r.urn, message });
        const args = { ...r, stackTags: new Map(), getConfig, notApplicable } as unknown as ResourceValidationArgs;
        for (const validate of validators) await run(() => validate(args, report));
      }
    } else if ("validateStack" in policy) {
      const report: ReportViolation = (message, urn) => violations.push({ policy: policy.name, level: levelOf(policy), urn, message });
      const args: StackValidationArgs = { resources: all, stackTags: new Map(), getConfig, notApplicable };
      await run(() => (policy as StackValidationPolicy).validateStack(args, report));
    }
  }
  return violations;
}

async function run(validate: () => Promise<void> | void): Promise<void> {
  try {
    await validate();
  } catch (error) {
    if (!(error instanceof NotApplicable)) throw error;
  }
}
