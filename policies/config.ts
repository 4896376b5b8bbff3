import type { PolicyConfigSchema } from "@pulumi/policy";

/** The cluster a plan must fit: what `--policy-pack-config` describes for each budget policy. */
export interface HostPolicyConfig {
  nodes: { name: string; gpus: number; gpuMemoryGiB: number; cpu: number; memoryGiB: number }[];
  sharing: { mode: "time-slicing" | "mps" | "none"; replicas: number };
  /** CPU cores and GiB of memory the kubelet and system keep on every node. */
  systemReserved: { cpu: number; memoryGiB: number };
  /** Σ limits may exceed allocatable by these factors (1 = no overcommit). */
  overcommit: { cpu: number; memory: number };
  /** GiB each storage class can provision; "default" is used for claims without a class. */
  storageGiB: Record<string, number>;
  /** Stacks whose stateful resources must be protected from deletion. */
  protectedStacks: string[];
  /** Namespaces allowed to run privileged pods (host daemons). */
  privilegedNamespaces: string[];
  /** The shortest startupProbe window (period × failureThreshold) a vLLM container may have. */
  minStartupSeconds: number;
}

/** The seed host: one node, 2 GPUs of 10 GiB, 64 threads, 128 GiB RAM, time-slicing 4 per GPU. */
export const DEFAULT_HOST: HostPolicyConfig = {
  nodes: [{ name: "gpu-node", gpus: 2, gpuMemoryGiB: 10, cpu: 64, memoryGiB: 128 }],
  sharing: { mode: "time-slicing", replicas: 4 },
  systemReserved: { cpu: 4, memoryGiB: 12 },
  overcommit: { cpu: 2, memory: 1.25 },
  storageGiB: { default: 500 },
  protectedStacks: ["prod"],
  privilegedNamespaces: ["nvidia-device-plugin", "kube-system"],
  minStartupSeconds: 600,
};

/** JSON schema of the `host` property every budget policy accepts (defaults: the seed host). */
export const hostConfigSchema: PolicyConfigSchema = {
  properties: {
    host: {
      type: "object",
      description: "Cluster inventory the plan must fit (nodes, GPUs, sharing, CPU/RAM, storage).",
      properties: {
        nodes: {
          type: "array",
          items: {
            type: "object",
            properties: {
              name: { type: "string" },
              gpus: { type: "integer", minimum: 0 },
              gpuMemoryGiB: { type: "number", minimum: 0 },
              cpu: { type: "number", exclusiveMinimum: 0 },
              memoryGiB: { type: "number", exclusiveMinimum: 0 },
            },
            required: ["name", "gpus", "cpu", "memoryGiB"],
          },
        },
        sharing: {
          type: "object",
          properties: { mode: { type: "string", enum: ["time-slicing", "mps", "none"] }, replicas: { type: "integer", minimum: 1 } },
          required: ["mode"],
        },
        systemReserved: { type: "object", properties: { cpu: { type: "number" }, memoryGiB: { type: "number" } } },
        overcommit: { type: "object", properties: { cpu: { type: "number", minimum: 1 }, memory: { type: "number", minimum: 1 } } },
        storageGiB: { type: "object", additionalProperties: { type: "number" } },
        protectedStacks: { type: "array", items: { type: "string" } },
        privilegedNamespaces: { type: "array", items: { type: "string" } },
        minStartupSeconds: { type: "integer", minimum: 0 },
      },
    },
  },
};

/** The seed host with whatever the given config overrides (top-level keys replace). */
export function resolvePolicyConfig(partial: Partial<HostPolicyConfig> | undefined): HostPolicyConfig {
  const merged = { ...DEFAULT_HOST, ...(partial ?? {}) };
  return { ...merged, sharing: { ...DEFAULT_HOST.sharing, ...merged.sharing, replicas: merged.sharing.mode === "none" ? 1 : (merged.sharing.replicas ?? DEFAULT_HOST.sharing.replicas) } };
}

/** Reads the host from a policy's config (`{host: {...}}`). */
export function hostFrom(args: { getConfig<T extends object>(): T }): HostPolicyConfig {
  return resolvePolicyConfig(args.getConfig<{ host?: Partial<HostPolicyConfig> }>().host);
}

export function slicesPerGpu(host: HostPolicyConfig): number {
  return host.sharing.mode === "none" ? 1 : host.sharing.replicas;
}

/** The smallest GPU a pod might land on. */
export function cardGiB(host: HostPolicyConfig): number {
  const cards = host.nodes.filter((n) => n.gpus > 0).map((n) => n.gpuMemoryGiB);
  return cards.length ? Math.min(...cards) : 0;
}

/** The stack a resource belongs to, from its URN (`urn:pulumi:<stack>::<project>::...`). */
export function stackOf(urn: string): string {
  return urn.split("::")[0]?.split(":").pop() ?? "";
}
