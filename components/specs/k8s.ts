import type * as k8s from "@pulumi/kubernetes";

/**
 * Kubernetes helpers shared by every component's spec builders. Neutral: no component's constants,
 * no program config.
 */

/** CPU and memory as configured: quantities as strings or numbers ("500m", "2", "8Gi"). */
export interface ComputeResources {
  requests: { cpu: string | number; memory: string | number };
  limits: { cpu: string | number; memory: string | number };
}

export function resourcesOf(r: ComputeResources): k8s.types.input.core.v1.ResourceRequirements {
  return {
    requests: { cpu: String(r.requests.cpu), memory: String(r.requests.memory) },
    limits: { cpu: String(r.limits.cpu), memory: String(r.limits.memory) },
  };
}

/** An env var read from one key of a Secret (optional: the pod starts without it). */
export const fromSecret = (name: string, secret: string, key: string, optional = false): k8s.types.input.core.v1.EnvVar => ({
  name,
  valueFrom: { secretKeyRef: { name: secret, key, ...(optional ? { optional: true } : {}) } },
});

/** At most one pod voluntarily evicted at a time (drains proceed; with one replica it still may go). */
export function pdbSpec(namespace: string, name: string, selector: Record<string, string>): k8s.policy.v1.PodDisruptionBudgetArgs {
  return { metadata: { name, namespace }, spec: { maxUnavailable: 1, selector: { matchLabels: selector } } };
}
