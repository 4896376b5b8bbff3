import * as k8s from "@pulumi/kubernetes";
import { namespaceSpec } from "../components/specs/namespace";
import type { PodSecurityLevel } from "../components/specs/security";

export type NamespacePlan = Record<string, { name: string; level: PodSecurityLevel } | undefined>;

/** One Namespace per key (the key is the Pulumi name), each with its Pod Security level; undefined keys are skipped. */
export function deployNamespaces(plan: NamespacePlan): Record<string, k8s.core.v1.Namespace> {
  const out: Record<string, k8s.core.v1.Namespace> = {};
  for (const [key, ns] of Object.entries(plan)) {
    if (ns) out[key] = new k8s.core.v1.Namespace(`ns-${key}`, namespaceSpec(ns.name, ns.level));
  }
  return out;
}
