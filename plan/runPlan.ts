import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseStackConfig } from "../config/load";
import { computeBudget, type ComputeBudget } from "../policies/compute";
import { resolvePolicyConfig, settingsFromPackConfig, type HostPolicyConfig } from "../policies/config";
import { evaluatePolicies, type PolicyViolation } from "../policies/evaluate";
import { chartName } from "../policies/ordering";
import { planGpus, type GpuPlan } from "../policies/gpuPlan";
import { storageBudget } from "../policies/storage";
import { platformFlows } from "../platform/flows";
import { memoryOverrideWarnings } from "../platform/servers";
import { deployOrder, type DeployOrder } from "./deployOrder";
import { kubernetesObject, renderManifests, writeTree, type GitOpsSecret } from "./manifests";
import { prerequisites, type Prerequisite } from "./prerequisites";
import { evaluateReachability, type Reachability } from "./reachability";
import { policyConfigFromPlatform, policyPackConfigFile } from "./policyConfig";
import { stackFileFor, StackFileError } from "./stackFile";
import { gpuPlanSvg } from "./svg";
import { synthesize, type SynthesizedResource } from "./synthesize";
import { validateObjects } from "./validate";
import { BaseConfigError, changeReportLines, changesJson, previewChange, resolveBase, type PlanDiff } from "./diff";

export interface PlanOptions {
  /** Project root (where Pulumi.yaml and index.ts are). */
  root: string;
  stack?: string;
  config?: string;
  /** Output directory; default `<root>/out/<stack>`. */
  out?: string;
  /** A policy config file: `{host: {...}}` or the `--policy-pack-config` shape. */
  policyConfig?: string;
  /** Write manifests, plan.json, gpu-plan.svg and policy-config.json (default true). */
  write?: boolean;
  /** Validate every object against kubernetes-models schemas (default true). */
  validate?: boolean;
  progress?: (message: string) => void;
  /** `--base FILE|GIT_REF`: preview the change from that configuration to this one (plan/diff.ts). */
  base?: string;
  /** `--load-bandwidth`: the model cache's read bandwidth (MiB/s) for GPU load-time estimates. */
  loadBandwidthMiBps?: number;
}

export interface StorageBudget {
  storageClass: string;
  requestedGiB: number;
  capacityGiB?: number;
}

export interface PlanResult {
  stack: string;
  exitCode: 0 | 1 | 2;
  configErrors: { path: string; message: string }[];
  resources: SynthesizedResource[];
  violations: PolicyViolation[];
  gpus?: GpuPlan;
  budgets?: { compute: ComputeBudget; storage: StorageBudget[] };
  host?: HostPolicyConfig;
  /** The order the first `pulumi up` creates resources in. */
  order?: DeployOrder;
  /** Needed flows and guarded targets against the rendered NetworkPolicies. */
  reachability?: Reachability;
  /** What must exist before `pulumi up` (checked by `npm run doctor`). */
  prerequisites?: Prerequisite[];
  /** Secrets the GitOps tree does not carry, and what provides them (ExternalSecrets from Bitwarden, or by hand). */
  gitopsSecrets?: GitOpsSecret[];
  outDir?: string;
  /** With `--base`: every resource's operation against the base configuration, and what blocks. */
  diff?: PlanDiff;
  /** Warnings about the inventory (a gpuMemoryGiB override above what CUDA reports for the card). */
  warnings?: string[];
}

/** `{host: {...}}` (the inventory alone) or the `--policy-pack-config` shape (every policy's settings). */
function readPolicyConfig(file: string): Partial<HostPolicyConfig> {
  const raw = JSON.parse(readFileSync(file, "utf8")) as Record<string, any>;
  return raw.host ? raw.host : settingsFromPackConfig(raw);
}

function configError(stack: string, issues: { path: string; message: string }[]): PlanResult {
  return { stack, exitCode: 2, configErrors: issues, resources: [], violations: [] };
}

/** Previews a stack offline: runs the program under mocks, evaluates the policy pack, writes the GitOps tree. */
export async function runPlan(options: PlanOptions): Promise<PlanResult> {
  const progress = options.progress ?? (() => undefined);
  const root = resolve(options.root);
  let stackFile;
  try {
    stackFile = stackFileFor(root, options);
  } catch (error) {
    if (error instanceof StackFileError)
      return configError(options.stack ?? "custom", [{ path: options.config ?? options.stack ?? "", message: error.message }]);
    throw error;
  }
  const { stack } = stackFile;
  // A bad --base (no such file or ref) is a usage error before anything runs.
  const base = options.base ? resolveBase(root, stackFile, options.base) : undefined;
  progress(`stack ${stack}: validating configuration`);
  let platform;
  try {
    platform = parseStackConfig(stackFile.config);
  } catch (error) {
    if (error instanceof ConfigError) return configError(stack, error.issues);
    throw error;
  }

  progress(`stack ${stack}: running index.ts under the mock runtime`);
  let resources: SynthesizedResource[];
  try {
    ({ resources } = await synthesize({
      program: join(root, "index.ts"),
      project: stackFile.project,
      stack,
      config: stackFile.config,
      secretKeys: stackFile.secretKeys,
    }));
  } catch (error) {
    if (error instanceof ConfigError) return configError(stack, error.issues);
    if (pulumi.RunError.isInstance(error)) return configError(stack, [{ path: stack, message: (error as Error).message }]);
    throw error;
  }

  const host = options.policyConfig ? resolvePolicyConfig(readPolicyConfig(options.policyConfig)) : policyConfigFromPlatform(platform);
  progress(`stack ${stack}: ${resources.length} resources; evaluating the policy pack`);
  const violations = await evaluatePolicies(resources, host);
  let reachability: Reachability;
  try {
    reachability = evaluateReachability(resources, platformFlows(platform));
  } catch (error) {
    if (error instanceof ConfigError) return configError(stack, error.issues);
    throw error;
  }
  violations.push(...reachability.violations);
  let order: DeployOrder | undefined;
  try {
    order = deployOrder(resources);
  } catch (error) {
    violations.push({
      policy: "deploy-order",
      level: "mandatory",
      message: `${(error as Error).message}: break the cycle (a component's dependsOn reaches one of its own descendants' dependents)`,
    });
  }
  const objects = resources.map(kubernetesObject).filter((o): o is Record<string, any> => o !== undefined);
  if (options.validate !== false) {
    progress(`stack ${stack}: validating ${objects.length} objects against Kubernetes and CRD schemas`);
    for (const problem of await validateObjects(objects)) {
      violations.push({ policy: "kubernetes-schema", level: "mandatory", resource: problem.object, message: `${problem.object}: ${problem.message}` });
    }
  }
  const gpus = planGpus(resources, host);
  const perClass = storageBudget(resources);
  const budgets = {
    compute: computeBudget(resources, host),
    storage: Object.entries(perClass).map(([storageClass, requestedGiB]) => ({
      storageClass,
      requestedGiB,
      capacityGiB: host.storageGiB[storageClass] ?? host.storageGiB.default,
    })),
  };
  const result: PlanResult = {
    stack,
    exitCode: violations.some((v) => v.level === "mandatory") ? 1 : 0,
    configErrors: [],
    resources,
    violations,
    gpus,
    budgets,
    host,
    order,
    reachability,
    prerequisites: prerequisites(resources, platform),
    warnings: memoryOverrideWarnings(platform.host),
  };
  if (base) {
    progress(`stack ${stack}: running index.ts for the base configuration and this one (change preview)`);
    try {
      result.diff = await previewChange(stackFile, base, { program: join(root, "index.ts"), loadBandwidthMiBps: options.loadBandwidthMiBps });
    } catch (error) {
      if (error instanceof BaseConfigError)
        return configError(
          stack,
          error.issues.map((i) => ({ path: `${error.base}: ${i.path}`, message: i.message })),
        );
      throw error;
    }
    if (result.diff.exitCode === 1) result.exitCode = 1;
  }
  const tree = renderManifests(resources, { stack, order });
  result.gitopsSecrets = tree.secrets;
  if (options.write !== false) {
    const outDir = resolve(options.out ?? join(root, "out", stack));
    progress(`stack ${stack}: writing ${outDir}`);
    mkdirSync(outDir, { recursive: true });
    writeTree(join(outDir, "manifests"), tree);
    writeFileSync(join(outDir, "plan.json"), `${JSON.stringify(planJson(result), null, 2)}\n`);
    writeFileSync(join(outDir, "gpu-plan.svg"), gpuPlanSvg(gpus, `llm-platform ${stack}: GPU plan`));
    writeFileSync(join(outDir, "policy-config.json"), `${JSON.stringify(policyPackConfigFile(host), null, 2)}\n`);
    if (result.diff) writeFileSync(join(outDir, "changes.md"), `${changeReportLines(result.diff).join("\n")}\n`);
    result.outDir = outDir;
  }
  return result;
}

/** The `--json` document (also written as plan.json). */
export function planJson(result: PlanResult): Record<string, unknown> {
  const order = result.order;
  return {
    stack: result.stack,
    exitCode: result.exitCode,
    configErrors: result.configErrors,
    resources: result.resources.map((r) => ({
      type: r.type,
      name: r.name,
      parent: r.parent ?? null,
      urn: r.urn,
      custom: r.custom,
      // The registration's dependencies: what the engine records and the SDK waits for.
      dependsOn: r.dependencies,
      propertyDependencies: r.propertyDependencies,
      provider: r.provider ?? null,
      // Everything its creation waits for, its parent's waits included (plan/deployOrder.ts).
      waitsFor: order?.waitsFor.get(r.urn) ?? [],
      wave: order?.waveOf.get(r.urn) ?? null,
      protect: r.opts?.protect ?? false,
      retainOnDelete: r.opts?.retainOnDelete ?? false,
      ...(chartName(r) ? { chart: chartName(r) } : {}),
    })),
    deployOrder: order?.waves.map((w) => ({ wave: w.wave, resources: w.urns })) ?? [],
    violations: result.violations.map((v) => ({ policy: v.policy, level: v.level, resource: v.resource ?? null, message: v.message })),
    flows:
      result.reachability?.flows.map((f) => ({
        component: f.component,
        from: f.fromLabel,
        to: f.toLabel,
        ports: f.ports,
        protocol: f.protocol,
        why: f.why,
        allowed: !f.unresolved && f.blocked.length === 0,
        pairs: f.pairs,
        allowedBy: f.allowedBy,
        blocked: f.blocked,
        unresolved: f.unresolved ?? null,
      })) ?? [],
    guarded: result.reachability?.guarded ?? [],
    gitops: { secrets: result.gitopsSecrets ?? [] },
    prerequisites: (result.prerequisites ?? []).map(({ kind, name, namespace, why, howToCreate, ...detail }) => ({
      kind,
      name,
      ...(namespace ? { namespace } : {}),
      why,
      howToCreate,
      ...detail,
    })),
    warnings: result.warnings ?? [],
    gpus: result.gpus ?? null,
    // Each serving mode judged on its own GPU budget (cards, KV, slices); overlaps and switch gaps in gpus.
    modes: (result.gpus?.modes ?? []).map((m) => ({ name: m.name, schedule: m.schedule, minutesPerWeek: m.minutesPerWeek, fits: m.fits, cards: m.cards })),
    budgets: result.budgets ?? null,
    ...(result.diff ? changesJson(result.diff) : {}),
  };
}
