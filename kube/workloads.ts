/**
 * Where each Kubernetes workload kind keeps its pod spec, by Pulumi type token. Shared by the policies
 * (which count pods) and the program (which pins their images); pure data, no Kubernetes SDK.
 */
export const WORKLOAD_KINDS: Record<string, { kind: string; podSpecPath: readonly string[] }> = {
  "kubernetes:apps/v1:Deployment": { kind: "Deployment", podSpecPath: ["spec", "template", "spec"] },
  "kubernetes:apps/v1:StatefulSet": { kind: "StatefulSet", podSpecPath: ["spec", "template", "spec"] },
  "kubernetes:apps/v1:DaemonSet": { kind: "DaemonSet", podSpecPath: ["spec", "template", "spec"] },
  "kubernetes:batch/v1:Job": { kind: "Job", podSpecPath: ["spec", "template", "spec"] },
  "kubernetes:batch/v1:CronJob": { kind: "CronJob", podSpecPath: ["spec", "jobTemplate", "spec", "template", "spec"] },
  "kubernetes:core/v1:Pod": { kind: "Pod", podSpecPath: ["spec"] },
};

/** The pod spec inside a workload's props, or undefined for other types or an incomplete spec. */
export function podSpecIn(type: string, props: Record<string, any> | undefined): Record<string, any> | undefined {
  return WORKLOAD_KINDS[type]?.podSpecPath.reduce<any>((node, key) => node?.[key], props ?? {});
}
