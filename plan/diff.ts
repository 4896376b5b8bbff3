import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { estimateInputFromArgs, parseVllmArgs, weightsBytes } from "@llm-platform/capacity";
import { parseByteQuantity, podSpecIn, WORKLOAD_KINDS } from "@llm-platform/kube";
import { ConfigError, fromPulumiConfig, parsePlatformConfig } from "../config/load";
import type { PlatformConfig } from "../config/schema";
import {
  DOCKER_UPDATABLE,
  forcesReplacement,
  HELM_RELEASE_FORCE_NEW,
  kubernetesForceNew,
  kubernetesGvk,
  kubernetesProviderDiff,
  type KubernetesProviderSettings,
  type PathSegment,
} from "./replacementRules";
import { PlanUsageError, readStackFile, type StackFile } from "./stackFile";
import { synthesize, type SynthesisOptions, type SynthesizedResource } from "./synthesize";

/**
 * `npm run plan -- --base FILE|GIT_REF`: what applying the current configuration to a stack deployed
 * with the base configuration would do, resource by resource, under the providers' own replacement
 * rules (plan/replacementRules.ts), before anyone runs `pulumi up`.
 *
 * Both sides run THIS working tree's program (index.ts) under the mock runtime: a git ref contributes
 * only its stack file, so the preview answers "what does this config change do", and a program change
 * shows up only where the two configs make it matter. State drift is not seen (no cluster is read).
 */

export type ChangeOp = "create" | "update" | "replace" | "delete" | "same";

export interface ResourceChange {
  /** The resource's URN in the current plan (in the base for a delete). */
  urn: string;
  type: string;
  op: ChangeOp;
  /** Pods of this workload restart (a pod-template change, or the workload is replaced). */
  restarts: boolean;
  /** What changes and why it is this operation. */
  reason: string;
  /** The base URN when the engine matches the resource through an alias (or a rename pairs them). */
  baseUrn?: string;
  /** `Kind namespace/name` of the Kubernetes object (or `Release namespace/name`). */
  object?: string;
  /** The provider deletes the old object before creating the new one (same name). */
  deleteBeforeReplace?: boolean;
  /** Changed property paths (provider notation, e.g. `spec.template.metadata.annotations["x"]`). */
  paths?: string[];
}

export type FindingKind = "protected-data" | "data-loss" | "stale-secret" | "cannot-apply" | "cluster-identity";

/** A change the preview refuses (exit 1), or a warning (`blocking: false`). */
export interface ChangeFinding {
  kind: FindingKind | "stale-config";
  blocking: boolean;
  urn: string;
  message: string;
}

/** A GPU server whose pods go down during the update, and for how long at least (an estimate). */
export interface GpuOutage {
  urn: string;
  server: string;
  op: ChangeOp;
  model?: string;
  /** Bytes the server reads from the model cache before it serves again. */
  checkpointGiB?: number;
  /** checkpointGiB at the assumed read bandwidth; engine start (CUDA init, profiling, graph capture) comes on top. */
  estimatedLoadSeconds?: number;
  /** The startup probe's limit: the longest the provider waits for it. */
  startupLimitSeconds?: number;
  why: string;
}

export interface PlanDiff {
  /** Where the base configuration came from (a file, or `<path> at <ref>`). */
  base: string;
  changes: ResourceChange[];
  findings: ChangeFinding[];
  gpuOutages: GpuOutage[];
  /** What the preview cannot know offline, said once each. */
  notes: string[];
  counts: Record<ChangeOp, number>;
  /** 1 when a finding blocks (protected or data-holding resources replaced or deleted, a stale secret, a change that cannot apply). */
  exitCode: 0 | 1;
}

export interface DiffOptions {
  /** Description of the base for the report. */
  base?: string;
  baseConfig?: PlatformConfig;
  currentConfig?: PlatformConfig;
  /** Read bandwidth of the model cache in MiB/s for the load-time estimate (default DEFAULT_LOAD_BANDWIDTH_MIBPS). */
  loadBandwidthMiBps?: number;
}

/**
 * Assumed read bandwidth of the model cache: 250 MiB/s, between NFS over 1 GbE (~110 MiB/s) and over
 * 10 GbE (~1 GiB/s); local NVMe reads several GiB/s. An assumption, not a measurement: pass
 * `--load-bandwidth` with what `dd if=<a safetensors file> of=/dev/null bs=16M` shows on a GPU node.
 */
export const DEFAULT_LOAD_BANDWIDTH_MIBPS = 250;

const GiB = 1024 ** 3;
const SECRET_HASH = "llm-platform.io/secret-hash";

type Props = Record<string, any>;

interface LeafChange {
  path: PathSegment[];
  kind: "add" | "delete" | "update";
  old: unknown;
  value: unknown;
}

const isUnknown = (v: unknown) => v !== null && typeof v === "object" && (v as { __pulumiUnknown?: unknown }).__pulumiUnknown === true;

/** Scalars compare by value; the provider's `equalNumbers` makes 1 and 1.0 equal, as JavaScript numbers are. */
function sameScalar(a: unknown, b: unknown): boolean {
  return a === b;
}

/**
 * The changed leaves between old and new inputs, the way the provider's patch converter walks them:
 * maps key by key, arrays index by index, an added or deleted subtree as one change at its root.
 * Unknown values (outputs only a provider computes) compare equal to each other here; a dependency
 * that is replaced or created makes them change (see `unknownPaths`).
 */
export function leafChanges(old: unknown, value: unknown, path: PathSegment[] = []): LeafChange[] {
  if (isUnknown(old) && isUnknown(value)) return [];
  if (Array.isArray(old) && Array.isArray(value)) {
    const out: LeafChange[] = [];
    for (let i = 0; i < Math.max(old.length, value.length); i++) {
      if (i >= value.length) out.push({ path: [...path, i], kind: "delete", old: old[i], value: undefined });
      else if (i >= old.length) out.push({ path: [...path, i], kind: "add", old: undefined, value: value[i] });
      else out.push(...leafChanges(old[i], value[i], [...path, i]));
    }
    return out;
  }
  const isMap = (v: unknown): v is Props => v !== null && typeof v === "object" && !Array.isArray(v) && !isUnknown(v);
  if (isMap(old) && isMap(value)) {
    const out: LeafChange[] = [];
    for (const key of [...new Set([...Object.keys(old), ...Object.keys(value)])].sort()) {
      const o = old[key];
      const n = value[key];
      if (n === undefined && o === undefined) continue;
      if (n === undefined) out.push({ path: [...path, key], kind: "delete", old: o, value: undefined });
      else if (o === undefined) out.push({ path: [...path, key], kind: "add", old: undefined, value: n });
      else out.push(...leafChanges(o, n, [...path, key]));
    }
    return out;
  }
  if (isMap(old) || isMap(value) || Array.isArray(old) || Array.isArray(value) || !sameScalar(old, value)) {
    return [{ path, kind: old === undefined ? "add" : value === undefined ? "delete" : "update", old, value }];
  }
  return [];
}

/** `spec.template.metadata.annotations["llm-platform.io/secret-hash"]`, `spec.containers[0].image`: the provider's notation. */
export function formatPath(path: PathSegment[]): string {
  let out = "";
  for (const s of path) {
    if (typeof s === "number") out += `[${s}]`;
    else if (/[."[\]/]/.test(s)) out += `["${s.replace(/"/g, '\\"')}"]`;
    else out += out ? `.${s}` : s;
  }
  return out;
}

/** Paths whose values are unknown on both sides but read a resource that is replaced or created: they change at deploy time. */
function unknownPaths(
  base: Props,
  current: Props,
  dependencies: Record<string, string[]>,
  changedUrns: Set<string>,
  path: PathSegment[] = [],
): PathSegment[][] {
  if (isUnknown(base) && isUnknown(current)) {
    const top = String(path[0] ?? "");
    return (dependencies[top] ?? []).some((u) => changedUrns.has(u)) ? [path] : [];
  }
  if (base && current && typeof base === "object" && typeof current === "object") {
    return Object.keys(current).flatMap((k) =>
      k in base ? unknownPaths((base as Props)[k], (current as Props)[k], dependencies, changedUrns, [...path, Array.isArray(current) ? Number(k) : k]) : [],
    );
  }
  return [];
}

/** `Deployment llm-gateway/gateway-litellm`, `Release cert-manager/addons-cert-manager`, or undefined. */
export function objectName(r: Pick<SynthesizedResource, "type" | "props">): string | undefined {
  if (r.type === "kubernetes:helm.sh/v3:Release") return `Release ${r.props.namespace ?? "default"}/${r.props.name}`;
  const gvk = kubernetesGvk(r.type);
  const name = r.props?.metadata?.name;
  if (!gvk || typeof name !== "string") return undefined;
  const ns = r.props.metadata.namespace;
  return `${gvk.kind} ${ns ? `${ns}/` : ""}${name}`;
}

/** The identity two objects in one cluster cannot share: group, kind, namespace, name. */
function clusterIdentity(r: SynthesizedResource): string | undefined {
  if (r.type === "kubernetes:helm.sh/v3:Release") return `helm.sh/Release/${r.props.namespace ?? "default"}/${r.props.name}`;
  const gvk = kubernetesGvk(r.type);
  const name = r.props?.metadata?.name;
  if (!gvk || !r.custom || typeof name !== "string") return undefined;
  return `${gvk.group}/${gvk.kind}/${r.props.metadata.namespace ?? ""}/${name}`;
}

const kindOf = (r: Pick<SynthesizedResource, "type">) => r.type.split(":").pop()!;

/** Where the pod template sits in a workload (undefined for other types; a CronJob's applies to its next run only). */
function templatePath(type: string): string[] | undefined {
  const path = WORKLOAD_KINDS[type]?.podSpecPath;
  return path ? [...path.slice(0, -1)] : undefined;
}

const LONG_RUNNING = new Set([
  "kubernetes:apps/v1:Deployment",
  "kubernetes:apps/v1:StatefulSet",
  "kubernetes:apps/v1:DaemonSet",
  "kubernetes:apps/v1:ReplicaSet",
]);

const startsWith = (path: PathSegment[], prefix: PathSegment[]) => prefix.every((p, i) => String(path[i]) === String(p));

export interface PodReference {
  kind: "secret" | "configMap";
  name: string;
  /** The keys read; undefined: every key (envFrom, a volume without items). */
  keys?: string[];
  how: string;
}

/** Secrets and ConfigMaps a workload's pods read, by name and key, with how (env, envFrom, volumes). */
export function podReferences(r: Pick<SynthesizedResource, "type" | "props">): PodReference[] {
  const pod = podSpecIn(r.type, r.props);
  if (!pod) return [];
  const refs: PodReference[] = [];
  const itemKeys = (items: unknown) => (Array.isArray(items) && items.length ? (items as Props[]).map((i) => String(i.key)) : undefined);
  for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])] as Props[]) {
    for (const e of (c.env ?? []) as Props[]) {
      const s = e.valueFrom?.secretKeyRef;
      const m = e.valueFrom?.configMapKeyRef;
      if (s?.name) refs.push({ kind: "secret", name: s.name, keys: [String(s.key)], how: `env ${e.name}` });
      if (m?.name) refs.push({ kind: "configMap", name: m.name, keys: [String(m.key)], how: `env ${e.name}` });
    }
    for (const e of (c.envFrom ?? []) as Props[]) {
      if (e.secretRef?.name) refs.push({ kind: "secret", name: e.secretRef.name, how: `envFrom in ${c.name}` });
      if (e.configMapRef?.name) refs.push({ kind: "configMap", name: e.configMapRef.name, how: `envFrom in ${c.name}` });
    }
  }
  for (const v of (pod.volumes ?? []) as Props[]) {
    if (v.secret?.secretName) refs.push({ kind: "secret", name: v.secret.secretName, keys: itemKeys(v.secret.items), how: `volume ${v.name}` });
    if (v.configMap?.name) refs.push({ kind: "configMap", name: v.configMap.name, keys: itemKeys(v.configMap.items), how: `volume ${v.name}` });
    for (const s of (v.projected?.sources ?? []) as Props[]) {
      if (s.secret?.name) refs.push({ kind: "secret", name: s.secret.name, keys: itemKeys(s.secret.items), how: `projected volume ${v.name}` });
      if (s.configMap?.name) refs.push({ kind: "configMap", name: s.configMap.name, keys: itemKeys(s.configMap.items), how: `projected volume ${v.name}` });
    }
  }
  return refs;
}

/**
 * A workload on a GPU: resource limits naming one (`nvidia.com/gpu`, `nvidia.com/gpu.shared`, ...), or,
 * under DRA, a container using one of the pod's ResourceClaims (`resources.claims`; the GPU is the claim's).
 */
function requestsGpu(r: SynthesizedResource): boolean {
  if (r.type === "docker:index/container:Container") return r.props.gpus !== undefined;
  const pod = podSpecIn(r.type, r.props);
  const containers = (pod?.containers ?? []) as Props[];
  if ((pod?.resourceClaims ?? []).length > 0 && containers.some((c) => (c.resources?.claims ?? []).length > 0)) return true;
  return containers.some((c) => Object.keys({ ...c.resources?.limits, ...c.resources?.requests }).some((k) => /gpu/i.test(k)));
}

/** The vLLM command line of a workload (container args, or a docker container's command), if any. */
function vllmArgs(r: SynthesizedResource): string[] | undefined {
  if (r.type === "docker:index/container:Container") return Array.isArray(r.props.command) ? r.props.command : undefined;
  const pod = podSpecIn(r.type, r.props);
  const c = ((pod?.containers ?? []) as Props[]).find((x) => Array.isArray(x.args) && parseVllmArgs(x.args).model);
  return c?.args;
}

function startupLimit(r: SynthesizedResource): number | undefined {
  const pod = podSpecIn(r.type, r.props);
  const probe = ((pod?.containers ?? []) as Props[]).find((c) => c.startupProbe)?.startupProbe;
  if (!probe) return undefined;
  return (probe.initialDelaySeconds ?? 0) + (probe.periodSeconds ?? 10) * (probe.failureThreshold ?? 3);
}

/** Checkpoint size of a vLLM command line (the capacity catalog's model), in GiB; undefined for unknown models. */
export function checkpointGiB(args: string[], cardGiB = 80): number | undefined {
  try {
    const input = estimateInputFromArgs(args, cardGiB);
    return (weightsBytes(input) * input.vllm.tensorParallelSize) / GiB;
  } catch {
    return undefined;
  }
}

function providerSettings(provider: SynthesizedResource | undefined): KubernetesProviderSettings {
  return { enableSecretMutable: provider?.props.enableSecretMutable, enableConfigMapMutable: provider?.props.enableConfigMapMutable };
}

/** Values never printed: Secret contents, generated values and secret placeholders. */
function printable(r: SynthesizedResource, path: PathSegment[], value: unknown): boolean {
  if (kindOf(r) === "Secret" && (path[0] === "data" || path[0] === "stringData")) return false;
  if (typeof value === "string") return value.length <= 60 && !/\[generated at deploy time|\[secret /.test(value);
  return typeof value === "number" || typeof value === "boolean";
}

function describeLeaf(r: SynthesizedResource, c: LeafChange): string {
  const p = formatPath(c.path);
  if (c.kind === "add") return `${p} added`;
  if (c.kind === "delete") return `${p} removed`;
  return printable(r, c.path, c.old) && printable(r, c.path, c.value) ? `${p}: ${String(c.old)} → ${String(c.value)}` : `${p} changes`;
}

const summarize = (items: string[], max = 3) => (items.length <= max ? items.join("; ") : `${items.slice(0, max).join("; ")}; +${items.length - max} more`);

interface Classified {
  op: ChangeOp;
  reason: string;
  deleteBeforeReplace?: boolean;
  leaves: LeafChange[];
}

/** One matched resource's operation under its provider's rules. */
function classify(
  base: SynthesizedResource,
  current: SynthesizedResource,
  providers: { base: Map<string, SynthesizedResource>; current: Map<string, SynthesizedResource> },
  changedUrns: Set<string>,
): Classified {
  const leaves = leafChanges(base.props, current.props);
  for (const path of unknownPaths(base.props, current.props, current.propertyDependencies, changedUrns)) {
    leaves.push({ path, kind: "update", old: undefined, value: undefined });
  }
  if (!current.custom && !current.type.startsWith("kubernetes:")) return { op: "same", reason: "", leaves: [] };
  const described = leaves.map((c) => describeLeaf(current, c));

  if (current.type === "pulumi:providers:kubernetes") {
    const d = kubernetesProviderDiff(base.props, current.props);
    return { op: d.op, reason: d.reason, leaves };
  }
  if (current.type.startsWith("pulumi:providers:"))
    return leaves.length ? { op: "update", reason: `provider configuration: ${summarize(described)}`, leaves } : { op: "same", reason: "", leaves };

  // A move to another provider: the engine asks the new provider's DiffConfig (pulumi/pulumi#18509).
  const baseProvider = base.provider ? providers.base.get(base.provider) : undefined;
  const currentProvider = current.provider ? providers.current.get(current.provider) : undefined;
  if (current.provider && changedUrns.has(current.provider) && currentProvider && providerReplaced(currentProvider, providers)) {
    return { op: "replace", reason: `its provider ${currentProvider.name} is replaced`, leaves, deleteBeforeReplace: false };
  }
  if (base.provider !== current.provider && current.type.startsWith("kubernetes:")) {
    const d = kubernetesProviderDiff(baseProvider?.props ?? {}, currentProvider?.props ?? {});
    if (d.op === "replace")
      return { op: "replace", reason: `moves to provider ${currentProvider?.name ?? "default"}: ${d.reason}`, leaves, deleteBeforeReplace: false };
  }

  if (leaves.length === 0) {
    return base.provider !== current.provider
      ? { op: "update", reason: `provider reference ${base.provider ?? "default"} → ${current.provider ?? "default"} (DiffConfig: no replacement)`, leaves }
      : { op: "same", reason: "", leaves };
  }

  if (current.type.startsWith("random:")) {
    return { op: "replace", reason: `new value forced by ${summarize(described)} (every input of a random resource forces one)`, leaves };
  }
  if (current.type.startsWith("docker:")) {
    const updatable = DOCKER_UPDATABLE[current.type] ?? [];
    const forcing = leaves.filter((c) => !updatable.includes(String(c.path[0])));
    return forcing.length
      ? { op: "replace", reason: `new ${kindOf(current)} forced by ${summarize(forcing.map((c) => describeLeaf(current, c)))}`, leaves }
      : { op: "update", reason: summarize(described), leaves };
  }
  if (current.type === "kubernetes:helm.sh/v3:Release") {
    const forcing = leaves.filter((c) => forcesReplacement(c.path, c.value, HELM_RELEASE_FORCE_NEW));
    return forcing.length
      ? { op: "replace", reason: `new release forced by ${summarize(forcing.map((c) => describeLeaf(current, c)))}`, leaves, deleteBeforeReplace: false }
      : { op: "update", reason: `helm upgrade: ${summarize(described)}`, leaves };
  }
  if (current.type.startsWith("kubernetes:") && !current.custom) {
    return { op: "update", reason: `${summarize(described)} (the objects it renders are diffed one by one at \`pulumi up\`)`, leaves };
  }
  if (current.type.startsWith("kubernetes:")) {
    const patterns = kubernetesForceNew(current.type, current.props, providerSettings(currentProvider));
    const forcing = leaves.filter((c) => forcesReplacement(c.path, c.value, patterns));
    if (forcing.length === 0) return { op: "update", reason: summarize(described), leaves };
    const name = current.props.metadata?.name;
    const sameName =
      typeof name === "string" && name === base.props.metadata?.name && (current.props.metadata?.namespace ?? "") === (base.props.metadata?.namespace ?? "");
    const dbr = sameName;
    return {
      op: "replace",
      reason: `replacement forced by ${summarize(forcing.map((c) => describeLeaf(current, c)))}${dbr ? " (deleted first: the new one keeps its name)" : ""}`,
      deleteBeforeReplace: dbr,
      leaves,
    };
  }
  return { op: "update", reason: `${summarize(described)} (no replacement rules known for ${current.type}: shown as an update)`, leaves };
}

function providerReplaced(provider: SynthesizedResource, providers: { base: Map<string, SynthesizedResource> }): boolean {
  const base = providers.base.get(provider.urn);
  return base !== undefined && provider.type === "pulumi:providers:kubernetes" && kubernetesProviderDiff(base.props, provider.props).op === "replace";
}

/** A PVC whose backup tier is not "none": what the stack promises to keep. */
function holdsData(r: SynthesizedResource, tierLabel: string): boolean {
  if (r.type === "kubernetes:core/v1:PersistentVolumeClaim") return r.props.metadata?.labels?.[tierLabel] !== "none";
  if (r.type === "kubernetes:apps/v1:StatefulSet") {
    // A StatefulSet's own claims go with it only when its retention policy says Delete (Retain is the default).
    return (r.props.spec?.volumeClaimTemplates?.length ?? 0) > 0 && r.props.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted === "Delete";
  }
  return false;
}

/**
 * Classifies every resource of the current plan against the base plan (both synthesized with keyed
 * generated values), and checks what the change would do to data, secrets and GPU servers.
 */
export function diffPlans(base: SynthesizedResource[], current: SynthesizedResource[], options: DiffOptions = {}): PlanDiff {
  const baseByUrn = new Map(base.map((r) => [r.urn, r]));
  const matched = new Map<string, SynthesizedResource>(); // current URN → base resource
  const used = new Set<string>();
  for (const r of current) {
    const candidates = [r.urn, ...(r.aliases ?? [])];
    const hit = candidates.map((u) => baseByUrn.get(u)).find((b) => b && !used.has(b.urn));
    if (hit) {
      matched.set(r.urn, hit);
      used.add(hit.urn);
    }
  }
  const providers = {
    base: new Map(base.filter((r) => r.type.startsWith("pulumi:providers:")).map((r) => [r.urn, r])),
    current: new Map(current.filter((r) => r.type.startsWith("pulumi:providers:")).map((r) => [r.urn, r])),
  };
  const tierLabel = options.currentConfig?.storage.backupTierLabel ?? "backup-tier";

  // Classify until stable: an unknown value changes when what it reads is created or replaced.
  const fresh = current.filter((r) => !matched.has(r.urn)).map((r) => r.urn);
  let changed = new Set<string>(fresh);
  let results = new Map<string, Classified>();
  for (let round = 0; round < 10; round++) {
    results = new Map(current.filter((r) => matched.has(r.urn)).map((r) => [r.urn, classify(matched.get(r.urn)!, r, providers, changed)]));
    const next = new Set([...fresh, ...[...results].filter(([, c]) => c.op === "replace").map(([urn]) => urn)]);
    if (next.size === changed.size && [...next].every((u) => changed.has(u))) break;
    changed = next;
  }

  const changes: ResourceChange[] = [];
  const byCurrentUrn = new Map(current.map((r) => [r.urn, r]));
  const creates = current.filter((r) => !matched.has(r.urn));
  const deletes = base.filter((r) => !used.has(r.urn));

  // A create and a delete of the same Kubernetes object: a rename without an alias.
  const deletedByIdentity = new Map(deletes.map((r) => [clusterIdentity(r), r] as const).filter(([k]) => k !== undefined));
  const renamed = new Map<string, SynthesizedResource>();
  for (const r of creates) {
    const id = clusterIdentity(r);
    const old = id ? deletedByIdentity.get(id) : undefined;
    if (old) {
      renamed.set(r.urn, old);
      deletedByIdentity.delete(id);
    }
  }
  const renamedOld = new Set([...renamed.values()].map((r) => r.urn));

  const findings: ChangeFinding[] = [];
  const restartsOf = new Map<string, boolean>();

  for (const r of current) {
    const b = matched.get(r.urn);
    const object = objectName(r);
    if (!b) {
      const old = renamed.get(r.urn);
      if (old) {
        changes.push({
          urn: r.urn,
          type: r.type,
          op: "replace",
          restarts: templatePath(r.type) !== undefined && LONG_RUNNING.has(r.type),
          reason: `renamed without an alias from ${old.urn}: Pulumi creates ${object} before deleting the old resource, and the create fails with AlreadyExists (pulumi-kubernetes ≥ 4.29, #2926); add \`aliases: [{name: "${old.name}"${old.parent !== r.parent ? ", parent: ..." : ""}}]\``,
          baseUrn: old.urn,
          ...(object ? { object } : {}),
        });
        findings.push({
          kind: "cannot-apply",
          blocking: true,
          urn: r.urn,
          message: `${object} is renamed without an alias (${old.urn} → ${r.urn}): \`pulumi up\` fails creating an object that exists; add an alias to the resource or component`,
        });
        restartsOf.set(r.urn, LONG_RUNNING.has(r.type));
        continue;
      }
      changes.push({ urn: r.urn, type: r.type, op: "create", restarts: false, reason: object ? `new ${object}` : "new", ...(object ? { object } : {}) });
      continue;
    }
    const c = results.get(r.urn)!;
    const tpl = templatePath(r.type);
    const templateChanges = tpl ? c.leaves.filter((l) => startsWith(l.path, tpl) || (l.path.length < tpl.length && startsWith(tpl, l.path))) : [];
    let restarts = false;
    let restartWhy = "";
    if (tpl && LONG_RUNNING.has(r.type)) {
      if (c.op === "replace") {
        restarts = true;
        restartWhy = "pods recreated with the workload";
      } else if (templateChanges.length) {
        if (r.type === "kubernetes:apps/v1:StatefulSet" && r.props.spec?.updateStrategy?.type === "OnDelete") {
          restartWhy = "pod template changes, but updateStrategy OnDelete: pods keep running until deleted";
        } else {
          restarts = true;
          restartWhy = `pod template changes (${summarize(
            templateChanges.map((l) => formatPath(l.path.slice(tpl.length))),
            2,
          )})`;
        }
      }
    }
    if (r.type === "docker:index/container:Container" && c.op === "replace") {
      restarts = true;
      restartWhy = "container recreated";
    }
    restartsOf.set(r.urn, restarts);
    const reason = [c.reason, restartWhy].filter(Boolean).join("; ");
    changes.push({
      urn: r.urn,
      type: r.type,
      op: c.op,
      restarts,
      reason: c.op === "same" ? "" : reason,
      ...(b.urn !== r.urn ? { baseUrn: b.urn } : {}),
      ...(object ? { object } : {}),
      ...(c.op === "replace" ? { deleteBeforeReplace: c.deleteBeforeReplace ?? false } : {}),
      ...(c.leaves.length ? { paths: c.leaves.map((l) => formatPath(l.path)) } : {}),
    });
  }
  for (const r of deletes) {
    if (renamedOld.has(r.urn)) continue;
    const object = objectName(r);
    changes.push({
      urn: r.urn,
      type: r.type,
      op: "delete",
      restarts: false,
      reason: `${object ?? r.name} is no longer declared${r.opts?.retainOnDelete ? " (retainOnDelete: left in the cluster)" : ""}`,
      ...(object ? { object } : {}),
    });
  }

  // What the change does to data: protected resources and volumes replaced or deleted.
  const baseNamespacesGoing = new Set<string>();
  for (const ch of changes) {
    const b = ch.op === "delete" ? baseByUrn.get(ch.urn) : ch.baseUrn ? baseByUrn.get(ch.baseUrn) : matched.get(ch.urn);
    if (!b || (ch.op !== "replace" && ch.op !== "delete")) continue;
    if (b.type === "kubernetes:core/v1:Namespace") baseNamespacesGoing.add(b.props.metadata?.name);
  }
  for (const ch of changes) {
    if (ch.op !== "replace" && ch.op !== "delete") continue;
    const b = ch.op === "delete" ? baseByUrn.get(ch.urn)! : ch.baseUrn ? baseByUrn.get(ch.baseUrn)! : matched.get(ch.urn)!;
    const what = objectName(b) ?? `${kindOf(b)} ${b.name}`;
    const verb = ch.op === "replace" ? "replaces" : "deletes";
    if (b.opts?.protect) {
      const credential = b.type.startsWith("random:") || kindOf(b) === "Secret";
      const fix = credential
        ? `to rotate a protected credential deliberately, \`pulumi state unprotect '${b.urn}'\` (and its Secret's URN) first, then \`pulumi up\`: the program protects the new one (docs/operations.md, Rotation)`
        : "undo the change, or move the data first and unprotect deliberately (docs/operations.md)";
      findings.push({
        kind: "protected-data",
        blocking: true,
        urn: ch.urn,
        message: `${verb} protected ${what} (${ch.reason}): \`pulumi up\` refuses to ${ch.op} a protected resource; ${fix}`,
      });
      continue;
    }
    if (b.type === "kubernetes:core/v1:Namespace") {
      const ns = b.props.metadata?.name;
      // Namespaced claims, a StatefulSet's own included, go with their namespace.
      const volumes = base.filter(
        (r) =>
          r.props?.metadata?.namespace === ns &&
          ((r.type === "kubernetes:core/v1:PersistentVolumeClaim" && holdsData(r, tierLabel)) ||
            (r.type === "kubernetes:apps/v1:StatefulSet" && (r.props.spec?.volumeClaimTemplates?.length ?? 0) > 0)),
      );
      if (volumes.length) {
        findings.push({
          kind: "data-loss",
          blocking: true,
          urn: ch.urn,
          message: `${verb} ${what}, and Kubernetes deletes every PVC in a deleted namespace: ${volumes.map((v) => objectName(v)).join(", ")}`,
        });
      }
      continue;
    }
    if (holdsData(b, tierLabel)) {
      const ns = b.props.metadata?.namespace;
      if (ch.op === "delete" && b.opts?.retainOnDelete && !baseNamespacesGoing.has(ns)) continue;
      findings.push({
        kind: "data-loss",
        blocking: true,
        urn: ch.urn,
        message: `${verb} ${what}, a volume with data (${tierLabel}: ${b.props.metadata?.labels?.[tierLabel] ?? "unset"}): ${ch.reason}`,
      });
    }
  }

  // Changes the API server refuses: a PVC can grow (with allowVolumeExpansion) but never shrink.
  for (const ch of changes) {
    if (ch.op !== "update" || ch.type !== "kubernetes:core/v1:PersistentVolumeClaim") continue;
    const before = parseByteQuantity(matched.get(ch.urn)?.props.spec?.resources?.requests?.storage ?? "");
    const after = parseByteQuantity(byCurrentUrn.get(ch.urn)?.props.spec?.resources?.requests?.storage ?? "");
    if (before !== undefined && after !== undefined && after < before) {
      findings.push({
        kind: "cannot-apply",
        blocking: true,
        urn: ch.urn,
        message: `${ch.object} shrinks from ${matched.get(ch.urn)!.props.spec.resources.requests.storage} to ${byCurrentUrn.get(ch.urn)!.props.spec.resources.requests.storage}: the API server refuses to shrink a claim (spec.resources.requests.storage may only grow), so \`pulumi up\` fails; keep the size`,
      });
    }
  }

  // Rotations: a Secret whose data changes while a pod reading it keeps its template.
  const changedData = new Map<string, { change: ResourceChange; keys: Set<string> | "all" }>();
  for (const ch of changes) {
    const r = byCurrentUrn.get(ch.urn);
    const c = results.get(ch.urn);
    if (!r || !c || (ch.op !== "update" && ch.op !== "replace")) continue;
    const kind = kindOf(r);
    if (kind !== "Secret" && kind !== "ConfigMap") continue;
    const dataLeaves = c.leaves.filter((l) => l.path[0] === "data" || l.path[0] === "stringData" || l.path[0] === "binaryData");
    if (dataLeaves.length === 0) continue;
    const keys = dataLeaves.some((l) => l.path.length < 2) ? "all" : new Set(dataLeaves.map((l) => String(l.path[1])));
    changedData.set(`${kind}/${r.props.metadata?.namespace ?? ""}/${r.props.metadata?.name}`, { change: ch, keys });
  }
  for (const r of current) {
    if (!LONG_RUNNING.has(r.type) || !matched.has(r.urn) || restartsOf.get(r.urn)) continue;
    const ns = r.props.metadata?.namespace ?? "";
    for (const ref of podReferences(r)) {
      const kind = ref.kind === "secret" ? "Secret" : "ConfigMap";
      const changedKeys = changedData.get(`${kind}/${ns}/${ref.name}`);
      if (!changedKeys) continue;
      const read = ref.keys === undefined || changedKeys.keys === "all" ? true : ref.keys.some((k) => (changedKeys.keys as Set<string>).has(k));
      if (!read) continue;
      const what = objectName(r)!;
      const keyList = changedKeys.keys === "all" ? "its data" : [...changedKeys.keys].join(", ");
      if (kind === "Secret") {
        findings.push({
          kind: "stale-secret",
          blocking: true,
          urn: r.urn,
          message: `Secret ${ns}/${ref.name} changes (${keyList}), but ${what} reads it (${ref.how}) and its pod template does not change: its pods keep the old value until something restarts them. Put a hash of the values on the template (${SECRET_HASH})`,
        });
      } else {
        findings.push({
          kind: "stale-config",
          blocking: false,
          urn: r.urn,
          message: `ConfigMap ${ns}/${ref.name} changes, but ${what} reads it (${ref.how}) with an unchanged pod template: the process sees the new values only if it re-reads them`,
        });
      }
    }
  }

  // The cluster itself: a stack that moves to another cluster is a new stack.
  const bi = options.baseConfig?.cluster.identity;
  const ci = options.currentConfig?.cluster.identity;
  if (bi && ci && (bi.kubeSystemUid !== ci.kubeSystemUid || bi.server !== ci.server)) {
    findings.push({
      kind: "cluster-identity",
      blocking: true,
      urn: current.find((r) => r.type === "pulumi:providers:kubernetes")?.urn ?? "",
      message: `cluster.identity changes (${bi.kubeSystemUid ?? bi.server} → ${ci.kubeSystemUid ?? ci.server}): the state describes objects in the old cluster, and \`pulumi up\` would apply the difference to another one. Deploy a new stack to the new cluster instead`,
    });
  }

  // GPU servers that go down, with how long they take to serve again (an estimate).
  const cardGiB = Math.max(0, ...Object.values(options.currentConfig?.host.nodes ?? {}).map((n) => n.gpuMemoryGiB ?? 0)) || 80;
  const bandwidth = options.loadBandwidthMiBps ?? DEFAULT_LOAD_BANDWIDTH_MIBPS;
  const gpuOutages: GpuOutage[] = [];
  for (const ch of changes) {
    if (ch.op === "create" || ch.op === "same") continue;
    const r = ch.op === "delete" ? baseByUrn.get(ch.urn)! : byCurrentUrn.get(ch.urn)!;
    if (!requestsGpu(r)) continue;
    const recreate =
      r.type === "docker:index/container:Container" || r.props.spec?.strategy?.type === "Recreate" || r.type === "kubernetes:apps/v1:StatefulSet";
    let why: string | undefined;
    if (ch.op === "delete") why = "removed";
    else if (ch.op === "replace")
      why = ch.deleteBeforeReplace || r.type === "docker:index/container:Container" ? "replaced: the old pods stop before the new ones load" : "replaced";
    else if (ch.restarts && recreate) why = "Recreate rollout: every pod stops before the new ones load";
    if (!why) continue;
    const args = vllmArgs(r);
    const model = args ? parseVllmArgs(args).model : undefined;
    const size = args ? checkpointGiB(args, cardGiB) : undefined;
    gpuOutages.push({
      urn: ch.urn,
      server: objectName(r) ?? r.name,
      op: ch.op,
      ...(model ? { model } : {}),
      ...(size !== undefined ? { checkpointGiB: Number(size.toFixed(2)), estimatedLoadSeconds: Math.ceil((size * 1024) / bandwidth) } : {}),
      ...(startupLimit(r) ? { startupLimitSeconds: startupLimit(r) } : {}),
      why,
    });
  }

  const notes: string[] = [];
  const pinning = [options.baseConfig?.images.pinning, options.currentConfig?.images.pinning];
  if (pinning.includes("resolve")) {
    notes.push(
      "images.pinning is resolve: digests are looked up in the registries at `pulumi up`, which the offline preview cannot reach; a tag moved upstream restarts its workloads then, although nothing here changes (commit digests with `npm run pin-digests -- --write`)",
    );
  }
  const unready = current.filter(
    (r) => r.type === "kubernetes:batch/v1:Job" && r.props.metadata?.annotations?.["pulumi.com/replaceUnready"] === "true" && results.get(r.urn)?.op === "same",
  );
  if (unready.length)
    notes.push(
      `${unready.length} Job(s) carry pulumi.com/replaceUnready: one that failed or never finished is replaced at \`pulumi up\` (the provider reads its status; the offline preview cannot)`,
    );
  if (gpuOutages.some((o) => o.estimatedLoadSeconds !== undefined)) {
    notes.push(
      `load times are estimates: checkpoint size (capacity catalog) ÷ ${bandwidth} MiB/s assumed read bandwidth of the model cache (--load-bandwidth), plus engine start (CUDA init, memory profiling, CUDA graph capture without --enforce-eager)`,
    );
  }

  const order: ChangeOp[] = ["replace", "delete", "create", "update", "same"];
  changes.sort((a, b) => order.indexOf(a.op) - order.indexOf(b.op) || a.urn.localeCompare(b.urn));
  const counts = Object.fromEntries(order.map((op) => [op, changes.filter((c) => c.op === op).length])) as Record<ChangeOp, number>;
  return {
    base: options.base ?? "base",
    changes,
    findings,
    gpuOutages,
    notes,
    counts,
    exitCode: findings.some((f) => f.blocking) ? 1 : 0,
  };
}

/** The base configuration: a stack file, or the stack file at a git ref (the program stays this working tree's). */
export interface BaseSource {
  description: string;
  stackFile: StackFile;
}

/**
 * `--base FILE|GIT_REF`: an existing file is a stack file; anything else is a git ref, and the base is
 * `git show <ref>:<the current stack file's path>` (its config only: both sides run this working
 * tree's program). The base is read as the current stack's (same stack name, so URNs line up).
 */
export function resolveBase(root: string, current: StackFile, base: string): BaseSource {
  if (existsSync(base)) {
    return { description: base, stackFile: { ...readStackFile(resolve(base), current.stack, root), stack: current.stack } };
  }
  // The repository that holds the current stack file (the project's, or another for --config).
  const where = dirname(current.file);
  let top: string;
  try {
    top = execFileSync("git", ["-C", where, "rev-parse", "--show-toplevel"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch {
    throw new PlanUsageError(`--base ${base}: no such file, and ${where} is not in a git work tree to read a ref from`);
  }
  const path = relative(top, current.file).split("\\").join("/");
  let text: string;
  try {
    text = execFileSync("git", ["-C", top, "show", `${base}:${path}`], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    const detail = String((error as { stderr?: string }).stderr ?? "")
      .trim()
      .split("\n")[0];
    throw new PlanUsageError(`--base ${base}: no such file, and not a git ref with ${path} (${detail || "git show failed"})`);
  }
  const dir = mkdtempSync(join(tmpdir(), "plan-base-"));
  try {
    const file = join(dir, `Pulumi.${current.stack}.yaml`);
    writeFileSync(file, text);
    const stackFile = readStackFile(file, current.stack, root);
    return { description: `${path} at ${base} (config only; program: this working tree)`, stackFile: { ...stackFile, file: `${base}:${path}` } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The base configuration fails validation under this program: nothing can be compared. */
export class BaseConfigError extends Error {
  constructor(
    readonly base: string,
    readonly issues: { path: string; message: string }[],
  ) {
    super(`the base configuration (${base}) does not validate with this program:\n${issues.map((i) => `  - ${i.path}: ${i.message}`).join("\n")}`);
  }
}

export interface PreviewOptions extends Omit<DiffOptions, "base" | "baseConfig" | "currentConfig"> {
  /** index.ts of the project. */
  program: string;
  /** Answers to provider functions per side (tests: registry lookups of `images.pinning: resolve`). */
  calls?: { base?: SynthesisOptions["calls"]; current?: SynthesisOptions["calls"] };
}

/** Runs the program for the base and the current configuration (keyed generated values) and diffs them. */
export async function previewChange(current: StackFile, base: BaseSource, options: PreviewOptions): Promise<PlanDiff> {
  const parse = (file: StackFile, what: string) => {
    try {
      return parsePlatformConfig(fromPulumiConfig(file.config));
    } catch (error) {
      if (error instanceof ConfigError) throw new BaseConfigError(what, error.issues);
      throw error;
    }
  };
  const baseConfig = parse(base.stackFile, base.description);
  const currentConfig = parse(current, current.file);
  const run = async (file: StackFile, calls?: SynthesisOptions["calls"]) =>
    (
      await synthesize({
        program: options.program,
        project: current.project,
        stack: current.stack,
        config: file.config,
        secretKeys: file.secretKeys,
        calls,
        keyGeneratedValues: true,
      })
    ).resources;
  const baseResources = await run(base.stackFile, options.calls?.base);
  const currentResources = await run(current, options.calls?.current);
  return diffPlans(baseResources, currentResources, { ...options, base: base.description, baseConfig, currentConfig });
}

const OP_MARK: Record<ChangeOp, string> = { create: "+", update: "~", replace: "+-", delete: "-", same: " " };

/** Table cells: no pipes or newlines (GitHub renders the table in the PR comment). */
const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/**
 * The change preview as text: counts, a Markdown table of every resource that changes (the PR workflow
 * posts it as is), GPU servers that go down with their estimated load time, what blocks, and notes.
 */
export function changeReportLines(diff: PlanDiff): string[] {
  const c = diff.counts;
  const restarting = diff.changes.filter((ch) => ch.restarts);
  const lines = [
    `Changes against ${diff.base}: ${c.create} to create, ${c.update} to update, ${c.replace} to replace, ${c.delete} to delete, ${c.same} unchanged; ${restarting.length} workload(s) restart, ${diff.gpuOutages.length} GPU server(s) go down`,
  ];
  const shown = diff.changes.filter((ch) => ch.op !== "same");
  if (shown.length) {
    lines.push("", "| op | resource | restarts | why |", "|---|---|---|---|");
    for (const ch of shown) {
      const what = ch.object ?? `${ch.type.split(":").pop()} ${ch.urn.split("::").pop()}`;
      lines.push(
        `| ${OP_MARK[ch.op]} ${ch.op}${ch.deleteBeforeReplace ? " (delete first)" : ""} | ${cell(what)} | ${ch.restarts ? "yes" : ""} | ${cell(ch.reason)} |`,
      );
    }
  }
  if (diff.gpuOutages.length) {
    lines.push("", "GPU servers that go down:");
    for (const o of diff.gpuOutages) {
      const load =
        o.estimatedLoadSeconds !== undefined
          ? `; ~${o.estimatedLoadSeconds} s to read ${o.checkpointGiB} GiB of ${o.model} again (estimate)`
          : o.model
            ? `; ${o.model} is not in the capacity catalog: no load estimate`
            : "";
      lines.push(`  - ${o.server}: ${o.why}${load}${o.startupLimitSeconds ? `; the startup probe allows ${o.startupLimitSeconds} s` : ""}`);
    }
  }
  const blocking = diff.findings.filter((f) => f.blocking);
  const warnings = diff.findings.filter((f) => !f.blocking);
  if (blocking.length) {
    lines.push("", `REFUSED (${blocking.length}):`);
    for (const f of blocking) lines.push(`  [${f.kind}] ${f.message}`);
  }
  if (warnings.length) {
    lines.push("", "Warnings:");
    for (const f of warnings) lines.push(`  [${f.kind}] ${f.message}`);
  }
  for (const n of diff.notes) lines.push(`note: ${n}`);
  lines.push(
    diff.exitCode === 0
      ? "change: safe to apply — nothing protected or holding data is replaced or deleted, no consumer keeps a stale secret"
      : "change: REFUSED — see above",
  );
  return lines;
}

/** The `--json` fields of a change preview: `changes` as the issue specifies, the rest under `changePreview`. */
export function changesJson(diff: PlanDiff): {
  changes: { urn: string; type: string; op: ChangeOp; restarts: boolean; reason: string }[];
  changePreview: Record<string, unknown>;
} {
  return {
    changes: diff.changes.map(({ urn, type, op, restarts, reason }) => ({ urn, type, op, restarts, reason })),
    changePreview: {
      base: diff.base,
      counts: diff.counts,
      exitCode: diff.exitCode,
      findings: diff.findings,
      gpuOutages: diff.gpuOutages,
      notes: diff.notes,
      details: diff.changes
        .filter((ch) => ch.op !== "same")
        .map(({ urn, baseUrn, object, deleteBeforeReplace, paths }) => ({
          urn,
          ...(baseUrn ? { baseUrn } : {}),
          ...(object ? { object } : {}),
          ...(deleteBeforeReplace !== undefined ? { deleteBeforeReplace } : {}),
          paths: paths ?? [],
        })),
    },
  };
}
