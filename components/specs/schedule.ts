import * as pulumi from "@pulumi/pulumi";

/** One window a workload runs in: a KEDA cron trigger. */
export interface CronWindowSpec {
  /** The mode's name: the trigger's `name`, which the policy pack reads to name modes. */
  name: string;
  start: string;
  end: string;
  timezone: string;
}

export interface ScaledObjectSpecArgs {
  name: string;
  namespace: pulumi.Input<string>;
  /** The Deployment it scales. */
  deployment: string;
  labels: Record<string, string>;
  /** Replicas inside a window. */
  replicas: pulumi.Input<number>;
  windows: CronWindowSpec[];
  pollingIntervalSeconds: number;
  cooldownPeriodSeconds: number;
}

/** Annotation with the modes a ScaledObject runs its workload in (comma-separated). */
export const MODES_ANNOTATION = "llm-platform.io/modes";

/**
 * A KEDA ScaledObject (keda.sh/v1alpha1) that runs a Deployment only inside cron windows. KEDA v2.20's
 * cron scaler (pkg/scalers/cron_scaler.go) reports `desiredReplicas` between each `start` and the
 * next `end` in `timezone` and 0 outside; with `minReplicaCount: 0` KEDA scales the Deployment to zero
 * `cooldownPeriod` seconds after the last window closed, and back to `desiredReplicas` within
 * `pollingInterval` seconds of the next start. Metadata values are strings (the CRD's
 * `additionalProperties: string`).
 */
export function scaledObjectSpec(a: ScaledObjectSpecArgs): { metadata: Record<string, any>; spec: Record<string, any> } {
  return {
    metadata: { name: a.name, namespace: a.namespace, labels: a.labels, annotations: { [MODES_ANNOTATION]: a.windows.map((w) => w.name).join(",") } },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: a.deployment },
      minReplicaCount: 0,
      maxReplicaCount: a.replicas,
      pollingInterval: a.pollingIntervalSeconds,
      cooldownPeriod: a.cooldownPeriodSeconds,
      triggers: a.windows.map((w) => ({
        type: "cron",
        name: w.name,
        metadata: { timezone: w.timezone, start: w.start, end: w.end, desiredReplicas: pulumi.output(a.replicas).apply(String) },
      })),
    },
  };
}
