import type * as k8s from "@pulumi/kubernetes";
import { PART_OF } from "./labels";
import { podSecurityLabels, type PodSecurityLevel } from "./security";

export function namespaceSpec(name: string, level: PodSecurityLevel): k8s.core.v1.NamespaceArgs {
  return { metadata: { name, labels: { "app.kubernetes.io/part-of": PART_OF, ...podSecurityLabels(level) } } };
}
