import type { StackValidationPolicy } from "@pulumi/policy";
import { parseByteQuantity } from "@llm-platform/kube";
import { hostConfigSchema, hostFrom } from "./config";
import { GiB, workloads, type ResourceLike } from "./workloads";

const PVC = "kubernetes:core/v1:PersistentVolumeClaim";

/** GiB requested per storage class ("default" for claims without one). */
export function storageBudget(resources: ResourceLike[]): Record<string, number> {
  const perClass: Record<string, number> = {};
  for (const r of resources.filter((r) => r.type === PVC)) {
    const cls = r.props.spec?.storageClassName ?? "default";
    perClass[cls] = (perClass[cls] ?? 0) + (parseByteQuantity(r.props.spec?.resources?.requests?.storage ?? "0") ?? 0) / GiB;
  }
  // StatefulSet volumeClaimTemplates create one claim per replica.
  for (const w of workloads(resources).filter((w) => w.kind === "StatefulSet")) {
    for (const t of w.resource.props.spec?.volumeClaimTemplates ?? []) {
      const cls = t.spec?.storageClassName ?? "default";
      perClass[cls] = (perClass[cls] ?? 0) + (w.replicas * (parseByteQuantity(t.spec?.resources?.requests?.storage ?? "0") ?? 0)) / GiB;
    }
  }
  return perClass;
}

export const storageWithinClasses: StackValidationPolicy = {
  name: "storage-within-classes",
  description: "Requested capacity per storage class fits what the class can provision.",
  enforcementLevel: "mandatory",
  configSchema: hostConfigSchema,
  validateStack: (args, reportViolation) => {
    const host = hostFrom(args);
    for (const [cls, requested] of Object.entries(storageBudget(args.resources as ResourceLike[]))) {
      const capacity = host.storageGiB[cls] ?? host.storageGiB.default;
      if (capacity === undefined) {
        reportViolation(
          `storage class "${cls}": ${requested.toFixed(0)} GiB requested but the policy config lists no capacity for it (storageGiB.${cls}). Add it or use a known class.`,
        );
      } else if (requested > capacity) {
        reportViolation(
          `storage class "${cls}": ${requested.toFixed(0)} GiB requested > ${capacity} GiB available. Shrink volumes or add capacity (storageGiB.${cls}).`,
        );
      }
    }
  },
};

export const sharedVolumesRwx: StackValidationPolicy = {
  name: "shared-volumes-rwx",
  description: "A claim mounted by several pods (replicas, rollouts or workloads) is ReadWriteMany when pods may run on different nodes.",
  enforcementLevel: "mandatory",
  configSchema: hostConfigSchema,
  validateStack: (args, reportViolation) => {
    const host = hostFrom(args);
    if (host.nodes.length < 2) return; // RWO is per node: every pod of a one-node host can mount it.
    const claims = new Map<string, ResourceLike>();
    for (const r of (args.resources as ResourceLike[]).filter((r) => r.type === PVC)) {
      claims.set(`${r.props.metadata?.namespace ?? "default"}/${r.props.metadata?.name}`, r);
    }
    const mounts = new Map<string, { pods: number; by: string[] }>();
    for (const w of workloads(args.resources as ResourceLike[])) {
      for (const v of w.podSpec.volumes ?? []) {
        const claim = v.persistentVolumeClaim?.claimName;
        if (!claim) continue;
        const key = `${w.namespace}/${claim}`;
        const entry = mounts.get(key) ?? { pods: 0, by: [] };
        entry.pods += w.replicas + w.surge;
        entry.by.push(w.label);
        mounts.set(key, entry);
      }
    }
    for (const [key, m] of mounts) {
      const pvc = claims.get(key);
      const modes: string[] = pvc?.props.spec?.accessModes ?? [];
      if (pvc && m.pods > 1 && !modes.includes("ReadWriteMany") && !modes.includes("ReadOnlyMany")) {
        reportViolation(
          `PVC ${key} (${modes.join(",")}) is mounted by ${m.pods} pods (${m.by.join(", ")}) on a ${host.nodes.length}-node cluster: pods on another node cannot attach it. Use ReadWriteMany or one claim per pod.`,
        );
      }
    }
  },
};
