import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { hostFrom, type HostPolicyConfig } from "./config";
import { workloadOf, type ResourceLike, type Workload } from "./workloads";

export interface WorkloadCheck {
  /** The settings the policy runs with: its own config (per `configSchema`), the rest at their defaults. */
  host: HostPolicyConfig;
  args: ResourceValidationArgs;
  report: ReportViolation;
}

/**
 * A policy over the pod template of every workload kind (Deployment … Pod). A check that reads
 * settings names them with `configSchema` (e.g. `hostConfigSchema` for the inventory); one without
 * a schema takes no config.
 */
export function workloadPolicy(
  meta: Pick<ResourceValidationPolicy, "name" | "description" | "enforcementLevel" | "configSchema">,
  check: (w: Workload, ctx: WorkloadCheck) => void,
): ResourceValidationPolicy {
  return {
    ...meta,
    validateResource: (args, report) => {
      const w = workloadOf(args as ResourceLike);
      if (w) check(w, { host: hostFrom(args), args, report });
    },
  };
}
