import { GiB, parseByteQuantity, parseQuantity } from "@llm-platform/kube";
import type { Policy } from "@pulumi/policy";
import type { PlatformConfig } from "../config/schema";
import { configFor, DEFAULT_POLICY_CONFIG, type HostPolicyConfig, type PolicySettings } from "../policies/config";
import { allPolicies } from "../policies/pack";

const bytesToGiB = (q: string | number) => (parseByteQuantity(q) ?? 0) / GiB;

/** The policy pack's settings for a stack: its `host` and `gpuSharing` inventory, its namespaces and backup label. */
export function policyConfigFromPlatform(config: PlatformConfig): HostPolicyConfig {
  const sharing = config.gpuSharing;
  const ns = config.namespaces;
  return {
    ...DEFAULT_POLICY_CONFIG,
    nodes: Object.entries(config.host.nodes).map(([name, node]) => ({
      name,
      gpus: node.gpus,
      ...(node.gpuProduct ? { gpuProduct: node.gpuProduct } : {}),
      // The usable memory the program planned with: the override, else the catalog's CUDA total.
      ...(node.gpuMemoryGiB !== undefined ? { gpuMemoryGiB: node.gpuMemoryGiB } : {}),
      cpu: parseQuantity(node.cpu) ?? 0,
      memoryGiB: bytesToGiB(node.memory),
    })),
    sharing: { mode: sharing.mode, replicas: sharing.mode === "none" || sharing.mode === "dra" ? 1 : sharing.replicas },
    systemReserved: { cpu: parseQuantity(config.host.systemReserved.cpu) ?? 0, memoryGiB: bytesToGiB(config.host.systemReserved.memory) },
    storageGiB: Object.fromEntries(Object.entries(config.host.storageCapacity).map(([cls, size]) => [cls, bytesToGiB(size)])),
    // Host daemons may be privileged; the operators' charts (ingress controller, cert-manager, External
    // Secrets) run under "baseline", which is what the program labels their namespaces with.
    privilegedNamespaces: [...new Set(["kube-system", ns.devicePlugin])],
    baselineNamespaces: [...new Set([ns.ingress, ns.certManager, ns.externalSecrets])],
    backupTierLabel: config.storage.backupTierLabel,
  };
}

/**
 * The file `pulumi preview --policy-pack policies --policy-pack-config FILE` takes: for every policy
 * that has settings, exactly the keys its config schema declares (`{host}` for the budget policies,
 * `{backupTierLabel, protectedStacks}` for stateful-protected-in-prod, ...). The engine validates each
 * entry against that policy's schema, so a key a policy does not declare never appears.
 */
export function policyPackConfigFile(config: HostPolicyConfig, policies: readonly Policy[] = allPolicies): Record<string, PolicySettings> {
  return Object.fromEntries(policies.filter((p) => Object.keys(p.configSchema?.properties ?? {}).length > 0).map((p) => [p.name, configFor(p, config)]));
}
