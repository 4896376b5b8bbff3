import type { ResourceValidationPolicy } from "@pulumi/policy";
import { hostConfigSchema, hostFrom, stackOf } from "./config";

const PVC = "kubernetes:core/v1:PersistentVolumeClaim";
const STATEFUL = [PVC, "kubernetes:apps/v1:StatefulSet"];
const TIERS = ["gfs", "daily", "none"];

export const pvcBackupTier: ResourceValidationPolicy = {
  name: "pvc-backup-tier",
  description: "Every PVC carries a backup-tier label (gfs for models and vector data, daily for caches, none).",
  enforcementLevel: "advisory",
  validateResource: (args, reportViolation) => {
    if (args.type !== PVC) return;
    const labels: Record<string, string> = args.props.metadata?.labels ?? {};
    const tier = labels["backup-tier"] ?? Object.entries(labels).find(([k]) => k.endsWith("backup-tier"))?.[1];
    if (!tier || !TIERS.includes(tier)) {
      reportViolation(`PVC ${args.props.metadata?.name ?? args.name}: backup-tier label is ${tier ? `"${tier}"` : "missing"}; the backup system will not select it. Label it backup-tier: gfs | daily | none.`);
    }
  },
};

export const statefulProtectedInProd: ResourceValidationPolicy = {
  name: "stateful-protected-in-prod",
  description: "In protected stacks, volumes and stateful sets are protected from deletion (protect / retainOnDelete).",
  enforcementLevel: "mandatory",
  configSchema: hostConfigSchema,
  validateResource: (args, reportViolation) => {
    if (!STATEFUL.includes(args.type)) return;
    const stack = stackOf(args.urn);
    if (!hostFrom(args).protectedStacks.includes(stack)) return;
    if (args.props.metadata?.labels?.["backup-tier"] === "none") return;
    if (!args.opts?.protect) {
      reportViolation(`${args.type.split(":").pop()} ${args.props.metadata?.name ?? args.name} in stack ${stack}: not protected; a refactor or destroy deletes its data. Set protect: true and retainOnDelete: true (platform.protectStatefulData).`);
    }
  },
};
