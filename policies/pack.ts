import type { Policies } from "@pulumi/policy";
import { computeWithinHost } from "./compute";
import { pvcBackupTier, statefulProtectedInProd } from "./dataProtection";
import { corsNoWildcardWithCredentials, gatewayTls, ingressTls } from "./edge";
import { gpuPolicies } from "./gpu";
import { allowRulesNamePods, defaultDenyEveryNamespace, networkPolicyPerNamespace } from "./network";
import { customResourcesAfterTheirOperator, releasesAfterTheSecretsTheyMount } from "./ordering";
import { namespaceEnforcesRestricted, podSecurityRestricted } from "./podSecurity";
import { modelVolumesReadOnly, podsWithoutServiceAccountToken, prodModelRevisionsPinned } from "./security";
import { sharedVolumesRwx, storageWithinClasses } from "./storage";
import { imagesPinned, noSecretEnvLiterals, prodImageDigests, requestsAndLimits, vllmStartupProbe } from "./workloadHygiene";

export const PACK_NAME = "llm-platform";

/** Every policy of the pack; `index.ts` hands them to PolicyPack, the offline plan and tests evaluate them directly. */
export const allPolicies: Policies = [
  ...gpuPolicies,
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
  customResourcesAfterTheirOperator,
  releasesAfterTheSecretsTheyMount,
  defaultDenyEveryNamespace,
  allowRulesNamePods,
  podsWithoutServiceAccountToken,
  modelVolumesReadOnly,
  prodModelRevisionsPinned,
];
