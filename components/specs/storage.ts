import type * as k8s from "@pulumi/kubernetes";
import { PART_OF } from "./labels";

export type BackupTier = "gfs" | "daily" | "none";
export type AccessMode = "ReadWriteOnce" | "ReadWriteMany" | "ReadOnlyMany" | "ReadWriteOncePod";

export interface VolumeClaimArgs {
  name: string;
  namespace: string;
  size: string;
  accessMode: AccessMode;
  storageClass?: string;
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
