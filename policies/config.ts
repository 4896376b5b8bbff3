import type { Policy, PolicyConfigSchema } from "@pulumi/policy";
import { lookupGpu } from "@llm-platform/capacity";

/** The cluster a plan must fit: the `host` setting of every budget policy. */
export interface HostInventory {
  /**
   * `gpuProduct`: the `nvidia.com/gpu.product` label (the GPU catalog entry: usable memory, compute
   * capability); `gpuMemoryGiB`: the CUDA-reported memory of one card, overriding the catalog's.
   */
  nodes: { name: string; gpus: number; gpuMemoryGiB?: number; gpuProduct?: string; cpu: number; memoryGiB: number }[];
  /** dra: Dynamic Resource Allocation claims pin pods to cards (one ResourceClaim per card). */
  sharing: { mode: "time-slicing" | "mps" | "none" | "dra"; replicas: number };
  /** CPU cores and GiB of memory the kubelet and system keep on every node. */
  systemReserved: { cpu: number; memoryGiB: number };
  /** Σ limits may exceed allocatable by these factors (1 = no overcommit). */
  overcommit: { cpu: number; memory: number };
  /** GiB each storage class can provision; "default" is used for claims without a class. */
  storageGiB: Record<string, number>;
}

/**
 * Every setting of the pack, flat: the host inventory plus the settings of the other policies. The
 * offline plan and the tests pass this in-process; the engine gives each policy only the slice its
 * own config schema declares (`configFor`), e.g. `{host}` to the budget policies and
 * `{backupTierLabel, protectedStacks}` to `stateful-protected-in-prod`.
 */
export interface HostPolicyConfig extends HostInventory {
  /** Stacks whose stateful resources must be protected and whose images must be pinned by digest. */
  protectedStacks: string[];
  /** Namespaces allowed to run privileged pods (host daemons such as the GPU device plugin). */
  privilegedNamespaces: string[];
  /** Namespaces of operators whose charts need Pod Security "baseline" (not "restricted"). */
  baselineNamespaces: string[];
  /** The PVC label the cluster's backup system selects on (`storage.backupTierLabel` of the program). */
  backupTierLabel: string;
  /** The shortest startupProbe window (period × failureThreshold) a vLLM container may have. */
  minStartupSeconds: number;
  /** Charts the cluster already runs outside the stack: their CRDs exist before `pulumi up` (policies/ordering.ts). */
  preinstalledCharts: string[];
}

/** Slices per GPU a time-slicing or MPS `sharing` without `replicas` is taken to offer (the device plugin's usual 4). */
export const DEFAULT_SHARED_REPLICAS = 4;

/**
 * The defaults: the seed host as prod runs it (one node, 2 RTX 3080 10 GB — 9.78 GiB usable — 64
 * threads, 128 GiB RAM, GPUs shared with DRA: one ResourceClaim per card) and the program's default
 * namespaces (config/schema.ts `namespaces`), so the pack accepts the program's own prod plan without
 * `--policy-pack-config`.
 */
export const DEFAULT_POLICY_CONFIG: HostPolicyConfig = {
  nodes: [{ name: "gpu-node", gpus: 2, gpuProduct: "NVIDIA-GeForce-RTX-3080", cpu: 64, memoryGiB: 128 }],
  sharing: { mode: "dra", replicas: 1 },
  systemReserved: { cpu: 4, memoryGiB: 12 },
  overcommit: { cpu: 2, memory: 1.25 },
  storageGiB: { default: 500 },
  protectedStacks: ["prod"],
  privilegedNamespaces: ["nvidia-device-plugin", "kube-system"],
  baselineNamespaces: ["ingress-nginx", "cert-manager", "external-secrets"],
  backupTierLabel: "backup-tier",
  minStartupSeconds: 600,
  preinstalledCharts: [],
};

/** The top-level keys a policy's config may have, in the pack's config file. */
export type SettingKey =
  "host" | "protectedStacks" | "privilegedNamespaces" | "baselineNamespaces" | "backupTierLabel" | "minStartupSeconds" | "preinstalledCharts";

export function inventoryOf(config: HostInventory): HostInventory {
  return { nodes: config.nodes, sharing: config.sharing, systemReserved: config.systemReserved, overcommit: config.overcommit, storageGiB: config.storageGiB };
}

const names = (description: string, fallback: string[]) => ({
  type: "array",
  items: { type: "string", minLength: 1 },
  uniqueItems: true,
  description,
  default: fallback,
});

/**
 * JSON schema of each setting, with its default. The engine fills in `default` for settings a config
 * file leaves out, validates the result against the schema and hands it to the pack with `Configure`
 * (pulumi/pulumi pkg/resource/analyzer/config.go: createConfigWithDefaults, ReconcilePolicyPackConfig).
 */
const SETTING_SCHEMAS: Record<SettingKey, Record<string, unknown>> = {
  host: {
    type: "object",
    description: "Cluster inventory the plan must fit: nodes, GPU sharing, system reservations, overcommit, storage per class.",
    additionalProperties: false,
    properties: {
      nodes: {
        type: "array",
        minItems: 1,
        items: {
          type: "object",
          additionalProperties: false,
          properties: {
            name: { type: "string", minLength: 1 },
            gpus: { type: "integer", minimum: 0 },
            gpuMemoryGiB: { type: "number", exclusiveMinimum: 0 },
            gpuProduct: { type: "string", minLength: 1 },
            cpu: { type: "number", exclusiveMinimum: 0 },
            memoryGiB: { type: "number", exclusiveMinimum: 0 },
          },
          required: ["name", "gpus", "cpu", "memoryGiB"],
        },
      },
      sharing: {
        type: "object",
        additionalProperties: false,
        properties: { mode: { type: "string", enum: ["time-slicing", "mps", "none", "dra"] }, replicas: { type: "integer", minimum: 1 } },
        required: ["mode"],
      },
      systemReserved: {
        type: "object",
        additionalProperties: false,
        properties: { cpu: { type: "number", minimum: 0 }, memoryGiB: { type: "number", minimum: 0 } },
      },
      overcommit: { type: "object", additionalProperties: false, properties: { cpu: { type: "number", minimum: 1 }, memory: { type: "number", minimum: 1 } } },
      storageGiB: { type: "object", additionalProperties: { type: "number", minimum: 0 } },
    },
    default: inventoryOf(DEFAULT_POLICY_CONFIG),
  },
  protectedStacks: names(
    "Stacks whose volumes and stateful sets must be protected and whose images must be pinned by digest.",
    DEFAULT_POLICY_CONFIG.protectedStacks,
  ),
  privilegedNamespaces: names(
    "Namespaces whose pods may be privileged (host daemons such as the GPU device plugin).",
    DEFAULT_POLICY_CONFIG.privilegedNamespaces,
  ),
  baselineNamespaces: names(
    "Namespaces of operators that need Pod Security baseline (ingress controller, cert-manager, External Secrets).",
    DEFAULT_POLICY_CONFIG.baselineNamespaces,
  ),
  backupTierLabel: {
    type: "string",
    minLength: 1,
    description: "The PVC label the backup system selects on (gfs | daily | none).",
    default: DEFAULT_POLICY_CONFIG.backupTierLabel,
  },
  minStartupSeconds: {
    type: "integer",
    minimum: 0,
    description: "Shortest startupProbe window (seconds) a vLLM container may have.",
    default: DEFAULT_POLICY_CONFIG.minStartupSeconds,
  },
  preinstalledCharts: names(
    "Charts the cluster already runs outside this stack (their CRDs exist before `pulumi up`).",
    DEFAULT_POLICY_CONFIG.preinstalledCharts,
  ),
};

function schemaOf(...keys: SettingKey[]): PolicyConfigSchema {
  return { properties: Object.fromEntries(keys.map((k) => [k, JSON.parse(JSON.stringify(SETTING_SCHEMAS[k]))])) as PolicyConfigSchema["properties"] };
}

/** `{host}`: the budget policies (GPU, CPU/RAM, storage). */
export const hostConfigSchema = schemaOf("host");
/** `{privilegedNamespaces, baselineNamespaces}`: the Pod Security policies. */
export const podSecurityConfigSchema = schemaOf("privilegedNamespaces", "baselineNamespaces");
/** `{privilegedNamespaces}`: the NetworkPolicy check (host daemons need none). */
export const privilegedNamespacesConfigSchema = schemaOf("privilegedNamespaces");
/** `{backupTierLabel}`: the backup-tier label check. */
export const backupTierConfigSchema = schemaOf("backupTierLabel");
/** `{backupTierLabel, protectedStacks}`: protection of stateful resources. */
export const dataProtectionConfigSchema = schemaOf("backupTierLabel", "protectedStacks");
/** `{protectedStacks}`: digest pinning in protected stacks. */
export const protectedStacksConfigSchema = schemaOf("protectedStacks");
/** `{minStartupSeconds}`: the vLLM startupProbe check. */
export const startupProbeConfigSchema = schemaOf("minStartupSeconds");
/** `{preinstalledCharts}`: custom resources after their operator (policies/ordering.ts). */
export const preinstalledChartsConfigSchema = schemaOf("preinstalledCharts");

/** The defaults with whatever the given config overrides (top-level keys replace; `sharing` merges). */
export function resolvePolicyConfig(partial: Partial<HostPolicyConfig> | undefined): HostPolicyConfig {
  const merged = { ...DEFAULT_POLICY_CONFIG, ...(partial ?? {}) };
  const pinned = merged.sharing.mode === "none" || merged.sharing.mode === "dra";
  return {
    ...merged,
    sharing: { ...DEFAULT_POLICY_CONFIG.sharing, ...merged.sharing, replicas: pinned ? 1 : (merged.sharing.replicas ?? DEFAULT_SHARED_REPLICAS) },
  };
}

/** One policy's config as the engine passes it: `{host?: {...}, <setting>?: ...}`. */
export type PolicySettings = Partial<Record<Exclude<SettingKey, "host">, unknown>> & { host?: Partial<HostInventory> };

/** Flattens one policy's config (`{host: {...}, privilegedNamespaces: [...]}`) into settings. */
export function flattenSettings(config: PolicySettings | undefined): Partial<HostPolicyConfig> {
  const { host, ...rest } = config ?? {};
  const flat: Record<string, unknown> = { ...(host ?? {}) };
  for (const [key, value] of Object.entries(rest)) if (key in SETTING_SCHEMAS && value !== undefined) flat[key] = value;
  return flat as Partial<HostPolicyConfig>;
}

/**
 * The settings a policy runs with: its own config (what `--policy-pack-config` or the engine's schema
 * defaults give it), every setting it does not declare at its default.
 */
export function hostFrom(args: { getConfig<T extends object>(): T }): HostPolicyConfig {
  return resolvePolicyConfig(flattenSettings(args.getConfig<PolicySettings>()));
}

/** The config one policy gets from the full settings: exactly the keys its schema declares. */
export function configFor(policy: Pick<Policy, "configSchema">, config: HostPolicyConfig): PolicySettings {
  const keys = Object.keys(policy.configSchema?.properties ?? {}) as SettingKey[];
  return Object.fromEntries(keys.map((k) => [k, k === "host" ? inventoryOf(config) : config[k]]));
}

/** Settings from a `--policy-pack-config` file (`{<policy>: {...}}`): the union of every policy's slice. */
export function settingsFromPackConfig(file: Record<string, unknown>): Partial<HostPolicyConfig> {
  const flat: Partial<HostPolicyConfig> = {};
  for (const value of Object.values(file)) {
    if (value && typeof value === "object" && !Array.isArray(value)) Object.assign(flat, flattenSettings(value as PolicySettings));
  }
  return flat;
}

export function slicesPerGpu(host: HostInventory): number {
  return host.sharing.mode === "none" || host.sharing.mode === "dra" ? 1 : host.sharing.replicas;
}

/**
 * One card's usable memory on a node: the configured override, else what CUDA reports for the
 * product (the GPU catalog, capacity/gpus.ts), else 0 (nothing is planned onto an unknown card).
 */
export function nodeCardGiB(node: HostInventory["nodes"][number]): number {
  if (node.gpuMemoryGiB !== undefined) return node.gpuMemoryGiB;
  if (node.gpuProduct === undefined) return 0;
  try {
    return lookupGpu(node.gpuProduct).usableMemoryGiB;
  } catch {
    return 0;
  }
}

/** The smallest GPU a pod might land on. */
export function cardGiB(host: HostInventory): number {
  const cards = host.nodes.filter((n) => n.gpus > 0).map(nodeCardGiB);
  return cards.length ? Math.min(...cards) : 0;
}

/** The product of the smallest GPU a pod might land on (undefined when a GPU node names none). */
export function cardProduct(host: HostInventory): string | undefined {
  const nodes = host.nodes.filter((n) => n.gpus > 0).sort((a, b) => nodeCardGiB(a) - nodeCardGiB(b));
  return nodes[0]?.gpuProduct;
}

/** The stack a resource belongs to, from its URN (`urn:pulumi:<stack>::<project>::...`). */
export function stackOf(urn: string): string {
  return urn.split("::")[0]?.split(":").pop() ?? "";
}
