import { GiB, parseByteQuantity, parseQuantity } from "@llm-platform/capacity";
import type { PlatformConfig } from "../config/schema";
import { DEFAULT_HOST, type HostPolicyConfig } from "../policies/config";
import { allPolicies } from "../policies/pack";

const bytesToGiB = (q: string | number) => (parseByteQuantity(q) ?? 0) / GiB;

/** The policy pack's host inventory, taken from the stack's own `host` and `gpuSharing` config. */
export function policyConfigFromPlatform(config: PlatformConfig): HostPolicyConfig {
  const sharing = config.gpuSharing;
  return {
    ...DEFAULT_HOST,
    nodes: Object.entries(config.host.nodes).map(([name, node]) => ({
      name,
      gpus: node.gpus,
      gpuMemoryGiB: node.gpuMemoryGiB ?? 0,
      cpu: parseQuantity(node.cpu) ?? 0,
      memoryGiB: bytesToGiB(node.memory),
    })),
    sharing: { mode: sharing.mode, replicas: sharing.mode === "none" ? 1 : sharing.replicas },
    systemReserved: { cpu: parseQuantity(config.host.systemReserved.cpu) ?? 0, memoryGiB: bytesToGiB(config.host.systemReserved.memory) },
    storageGiB: Object.fromEntries(Object.entries(config.host.storageCapacity).map(([cls, size]) => [cls, bytesToGiB(size)])),
    // Host daemons and operators whose charts need more than "restricted".
    privilegedNamespaces: [
      ...new Set([...DEFAULT_HOST.privilegedNamespaces, config.namespaces.devicePlugin, config.namespaces.externalSecrets, config.namespaces.ingress, config.namespaces.certManager]),
    ],
  };
}

/** The file `pulumi preview --policy-pack policies --policy-pack-config FILE` takes: `{host}` for every policy that reads it. */
export function policyPackConfigFile(host: HostPolicyConfig): Record<string, { host: HostPolicyConfig }> {
  return Object.fromEntries(allPolicies.filter((p) => p.configSchema?.properties?.host).map((p) => [p.name, { host }]));
}
