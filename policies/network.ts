import type { StackValidationPolicy } from "@pulumi/policy";
import { hostFrom, privilegedNamespacesConfigSchema } from "./config";
import { workloads, type ResourceLike } from "./workloads";

export const networkPolicyPerNamespace: StackValidationPolicy = {
  name: "network-policy-per-namespace",
  description: "Every app namespace that runs pods has a NetworkPolicy (default deny plus the flows it needs).",
  enforcementLevel: "mandatory",
  configSchema: privilegedNamespacesConfigSchema,
  validateStack: (args, reportViolation) => {
    const resources = args.resources as ResourceLike[];
    const privileged = hostFrom(args).privilegedNamespaces;
    const covered = new Set(resources.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((r) => r.props.metadata?.namespace ?? "default"));
    const appNamespaces = new Set(workloads(resources).map((w) => w.namespace).filter((ns) => !privileged.includes(ns)));
    for (const ns of appNamespaces) {
      if (!covered.has(ns)) {
        reportViolation(`namespace ${ns}: runs pods but has no NetworkPolicy, so every pod in the cluster can reach them. Add a default-deny policy and allow only the gateway/edge flows.`);
      }
    }
  },
};
