import type { Policies } from "@pulumi/policy";
import { computeWithinHost } from "./compute";
import { pvcBackupTier, statefulProtectedInProd } from "./dataProtection";
import { corsNoWildcardWithCredentials, gatewayTls, ingressTls } from "./edge";
import { gpuLimitsWhole, gpuMemoryPerCard, gpuRolloutNoDeadlock, gpuSlicesWithinHost, vllmKvCacheFits } from "./gpu";
import { networkPolicyPerNamespace } from "./network";
import { namespaceEnforcesRestricted, podSecurityRestricted } from "./podSecurity";
import { sharedVolumesRwx, storageWithinClasses } from "./storage";
import { imagesPinned, noSecretEnvLiterals, prodImageDigests, requestsAndLimits, vllmStartupProbe } from "./workloadHygiene";

export const PACK_NAME = "llm-platform";

/** Every policy of the pack; `index.ts` hands them to PolicyPack, the offline plan and tests evaluate them directly. */
export const allPolicies: Policies = [
  gpuSlicesWithinHost,
  gpuMemoryPerCard,
  vllmKvCacheFits,
  gpuLimitsWhole,
  gpuRolloutNoDeadlock,
  computeWithinHost,
  storageWithinClasses,
  sharedVolumesRwx,
  vllmStartupProbe,
  requestsAndLimits,
  imagesPinned,
  prodImageDigests,
  noSecretEnvLiterals,
  podSecurityRestricted,
  namespaceEnforcesRestricted,
  ingressTls,
  gatewayTls,
  corsNoWildcardWithCredentials,
  networkPolicyPerNamespace,
  pvcBackupTier,
  statefulProtectedInProd,
];
