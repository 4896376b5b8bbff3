import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { PART_OF } from "./labels";

/** The backup-tier label value a volume carries (what the cluster's backup system does with it). */
export const BackupTier = { Gfs: "gfs", Daily: "daily", None: "none" } as const;
export type BackupTier = (typeof BackupTier)[keyof typeof BackupTier];
export type AccessMode = "ReadWriteOnce" | "ReadWriteMany" | "ReadOnlyMany" | "ReadWriteOncePod";

export interface VolumeClaimArgs {
  name: string;
  namespace: pulumi.Input<string>;
  size: pulumi.Input<string>;
  accessMode: AccessMode;
  storageClass?: pulumi.Input<string>;
  backupTier: BackupTier;
  backupTierLabel: string;
  labels?: Record<string, string>;
}

/** A PVC with the backup-tier label the cluster's backup system selects on. */
export function volumeClaimSpec(a: VolumeClaimArgs): k8s.core.v1.PersistentVolumeClaimArgs {
  return {
    metadata: {
      name: a.name,
      namespace: a.namespace,
      labels: { "app.kubernetes.io/part-of": PART_OF, [a.backupTierLabel]: a.backupTier, ...a.labels },
    },
    spec: {
      accessModes: [a.accessMode],
      storageClassName: a.storageClass,
      resources: { requests: { storage: a.size } },
    },
  };
}
