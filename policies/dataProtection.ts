import type { ResourceValidationPolicy } from "@pulumi/policy";
import { backupTierConfigSchema, dataProtectionConfigSchema, hostFrom, stackOf } from "./config";

const PVC = "kubernetes:core/v1:PersistentVolumeClaim";
const STATEFUL = [PVC, "kubernetes:apps/v1:StatefulSet"];
const TIERS = ["gfs", "daily", "none"];

export const pvcBackupTier: ResourceValidationPolicy = {
  name: "pvc-backup-tier",
  description: "Every PVC carries the backup-tier label the backup system selects on (gfs for models and vector data, daily for caches, none).",
  enforcementLevel: "advisory",
  configSchema: backupTierConfigSchema,
  validateResource: (args, reportViolation) => {
    if (args.type !== PVC) return;
    const label = hostFrom(args).backupTierLabel;
    const tier: unknown = args.props.metadata?.labels?.[label];
    if (typeof tier !== "string" || !TIERS.includes(tier)) {
      reportViolation(
        `PVC ${args.props.metadata?.name ?? args.name}: ${label} label is ${tier === undefined ? "missing" : `"${String(tier)}"`}; the backup system will not select it. ` +
          `Label it ${label}: gfs | daily | none, or set backupTierLabel to the label your backup system selects on.`,
      );
    }
  },
};

export const statefulProtectedInProd: ResourceValidationPolicy = {
  name: "stateful-protected-in-prod",
  description: "In protected stacks, volumes and stateful sets are protected from deletion (protect / retainOnDelete) unless their backup tier is none.",
  enforcementLevel: "mandatory",
  configSchema: dataProtectionConfigSchema,
  validateResource: (args, reportViolation) => {
    if (!STATEFUL.includes(args.type)) return;
    const settings = hostFrom(args);
    const stack = stackOf(args.urn);
    if (!settings.protectedStacks.includes(stack)) return;
    if (args.props.metadata?.labels?.[settings.backupTierLabel] === "none") return;
    if (!args.opts?.protect) {
      reportViolation(
        `${args.type.split(":").pop()} ${args.props.metadata?.name ?? args.name} in stack ${stack}: not protected; a refactor or destroy deletes its data. ` +
          `Set protect: true and retainOnDelete: true (platform.protectStatefulData), or label it ${settings.backupTierLabel}: none if it holds nothing to keep.`,
      );
    }
  },
};
