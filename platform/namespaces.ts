import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { namespaceSpec } from "../components/specs/namespace";
import type { PodSecurityLevel } from "../components/specs/security";

export interface NamespaceEntry {
  name: string;
  level: PodSecurityLevel;
  /**
   * The namespace holds volumes with data (Postgres, Qdrant, LoRA adapters, the model cache): deleting
   * it deletes every PVC in it, whatever `protect` or `retainOnDelete` say about the PVCs. Such a
   * namespace gets the stack's `platform.protectStatefulData` / `platform.retainStatefulData`.
   */
  holdsData?: boolean;
}

export type NamespacePlan = Record<string, NamespaceEntry | undefined>;

/** How the stack keeps its data: `platform.protectStatefulData` and `platform.retainStatefulData`, each on its own. */
export interface DataKeeping {
  protect: boolean;
  retainOnDelete: boolean;
}

/**
 * One Namespace per key (the key is the Pulumi name), each with its Pod Security level; undefined keys
 * are skipped. Namespaces that hold data are protected and retained as the stack's data is, so
 * `pulumi destroy` cannot take the volumes with them (docs/operations.md, destroy runbook).
 */
export function deployNamespaces(
  plan: NamespacePlan,
  keep: DataKeeping = { protect: false, retainOnDelete: false },
  opts: pulumi.CustomResourceOptions = {},
): Record<string, k8s.core.v1.Namespace> {
  const out: Record<string, k8s.core.v1.Namespace> = {};
  for (const [key, ns] of Object.entries(plan)) {
    if (!ns) continue;
    const dataOpts = ns.holdsData ? { protect: keep.protect, retainOnDelete: keep.retainOnDelete } : {};
    out[key] = new k8s.core.v1.Namespace(`ns-${key}`, namespaceSpec(ns.name, ns.level), { ...opts, ...dataOpts });
  }
  return out;
}
