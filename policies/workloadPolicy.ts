import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { hostConfigSchema, hostFrom, type HostPolicyConfig } from "./config";
import { workloadOf, type ResourceLike, type Workload } from "./workloads";

export interface WorkloadCheck {
  host: HostPolicyConfig;
  args: ResourceValidationArgs;
  report: ReportViolation;
}

/** A policy over the pod template of every workload kind (Deployment … Pod), given the pack's host config. */
export function workloadPolicy(
  meta: Pick<ResourceValidationPolicy, "name" | "description" | "enforcementLevel">,
  check: (w: Workload, ctx: WorkloadCheck) => void,
): ResourceValidationPolicy {
  return {
    ...meta,
    configSchema: hostConfigSchema,
    validateResource: (args, report) => {
      const w = workloadOf(args as ResourceLike);
      if (w) check(w, { host: hostFrom(args), args, report });
    },
  };
}
