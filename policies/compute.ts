import type { StackValidationPolicy } from "@pulumi/policy";
import { hostConfigSchema, hostFrom, type HostPolicyConfig } from "./config";
import { GiB, memoryVolumesBytes, quantity, workloads, type ResourceLike, type Workload } from "./workloads";

export interface ComputeBudget {
  allocatable: { cpu: number; memoryGiB: number };
  requests: { cpu: number; memoryGiB: number };
  limits: { cpu: number; memoryGiB: number };
  /** Largest contributors to memory requests, for messages. */
  top: { label: string; cpu: number; memoryGiB: number }[];
}

/**
 * The most replicas an autoscaler may give each workload: a HorizontalPodAutoscaler's maxReplicas, a
 * KEDA ScaledObject's maxReplicaCount (default 100), by `namespace/kind/name` of its target.
 */
export function autoscaledMaxima(resources: ResourceLike[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of resources) {
    const ns = r.props?.metadata?.namespace ?? "default";
    if (r.type === "kubernetes:autoscaling/v2:HorizontalPodAutoscaler") {
      const t = r.props.spec?.scaleTargetRef;
      if (t?.name) out.set(`${ns}/${t.kind ?? "Deployment"}/${t.name}`, r.props.spec?.maxReplicas ?? 1);
    } else if (r.type === "kubernetes:keda.sh/v1alpha1:ScaledObject") {
      const t = r.props.spec?.scaleTargetRef;
      if (t?.name) out.set(`${ns}/${t.kind ?? "Deployment"}/${t.name}`, r.props.spec?.maxReplicaCount ?? 100);
    }
  }
  return out;
}

function podsRunning(w: Workload, host: HostPolicyConfig, maxima: Map<string, number>): number {
  if (w.kind === "DaemonSet") return host.nodes.length;
  const name = w.resource.props.metadata?.name ?? w.resource.name;
  const max = maxima.get(`${w.namespace}/${w.kind}/${name}`);
  // An autoscaled workload counts at its maximum (KEDA-scheduled modes too: conservative, as if all were on).
  return (max !== undefined ? Math.max(max, w.replicas) : w.replicas) + w.surge;
}

/**
 * A pod's effective request (or limit) of a resource, as the scheduler computes it
 * (https://kubernetes.io/docs/concepts/workloads/pods/init-containers/#resource-sharing-within-containers):
 * the larger of Σ app containers + Σ sidecars (init containers with restartPolicy Always) and, for each
 * other init container, its own value + the sidecars started before it. A request defaults to the limit.
 */
export function effectivePodResource(podSpec: Record<string, any>, field: "requests" | "limits", res: "cpu" | "memory"): number {
  const value = (c: Record<string, any>) => quantity(c.resources?.[field]?.[res] ?? (field === "requests" ? c.resources?.limits?.[res] : undefined));
  let sidecars = 0;
  let initPeak = 0;
  for (const c of (podSpec.initContainers ?? []) as Record<string, any>[]) {
    if (c.restartPolicy === "Always") sidecars += value(c);
    else initPeak = Math.max(initPeak, sidecars + value(c));
  }
  const app = ((podSpec.containers ?? []) as Record<string, any>[]).reduce((s, c) => s + value(c), 0);
  return Math.max(app + sidecars, initPeak);
}

/** Σ requests and limits of every pod the plan runs at once (rollout surge and in-memory volumes such as /dev/shm included). */
export function computeBudget(resources: ResourceLike[], host: HostPolicyConfig): ComputeBudget {
  const allocatable = {
    cpu: host.nodes.reduce((s, n) => s + n.cpu - host.systemReserved.cpu, 0),
    memoryGiB: host.nodes.reduce((s, n) => s + n.memoryGiB - host.systemReserved.memoryGiB, 0),
  };
  const requests = { cpu: 0, memoryGiB: 0 };
  const limits = { cpu: 0, memoryGiB: 0 };
  const top: ComputeBudget["top"] = [];
  const maxima = autoscaledMaxima(resources);
  for (const w of workloads(resources)) {
    const pods = podsRunning(w, host, maxima);
    const shm = memoryVolumesBytes(w.podSpec) / GiB;
    const sum = (field: "requests" | "limits", res: "cpu" | "memory") => effectivePodResource(w.podSpec, field, res);
    const pod = { cpu: sum("requests", "cpu"), memoryGiB: sum("requests", "memory") / GiB + shm };
    requests.cpu += pods * pod.cpu;
    requests.memoryGiB += pods * pod.memoryGiB;
    limits.cpu += pods * sum("limits", "cpu");
    limits.memoryGiB += pods * (sum("limits", "memory") / GiB + shm);
    top.push({ label: `${w.label} ×${pods}`, cpu: pods * pod.cpu, memoryGiB: pods * pod.memoryGiB });
  }
  top.sort((a, b) => b.memoryGiB - a.memoryGiB);
  return { allocatable, requests, limits, top: top.slice(0, 4) };
}

const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1));

export const computeWithinHost: StackValidationPolicy = {
  name: "compute-within-host",
  description: "Σ CPU and memory requests fit the allocatable capacity; Σ limits stay within the overcommit factor.",
  enforcementLevel: "mandatory",
  configSchema: hostConfigSchema,
  validateStack: (args, reportViolation) => {
    const host = hostFrom(args);
    const b = computeBudget(args.resources as ResourceLike[], host);
    const biggest = (key: "cpu" | "memoryGiB") =>
      [...b.top]
        .sort((x, y) => y[key] - x[key])
        .slice(0, 3)
        .map((t) => `${t.label} ${fmt(t[key])}`)
        .join(", ");
    const fix = "Lower replicas or requests, or raise the host inventory in the policy config.";
    if (b.requests.cpu > b.allocatable.cpu) {
      reportViolation(
        `CPU requests ${fmt(b.requests.cpu)} cores > allocatable ${fmt(b.allocatable.cpu)} (nodes minus systemReserved); largest: ${biggest("cpu")}. ${fix}`,
      );
    }
    if (b.requests.memoryGiB > b.allocatable.memoryGiB) {
      reportViolation(
        `memory requests ${fmt(b.requests.memoryGiB)} GiB (incl. /dev/shm) > allocatable ${fmt(b.allocatable.memoryGiB)} GiB; largest: ${biggest("memoryGiB")}. ${fix}`,
      );
    }
    if (b.limits.cpu > b.allocatable.cpu * host.overcommit.cpu) {
      reportViolation(
        `CPU limits ${fmt(b.limits.cpu)} cores > ${host.overcommit.cpu} × allocatable ${fmt(b.allocatable.cpu)}. Lower limits or raise overcommit.cpu.`,
      );
    }
    if (b.limits.memoryGiB > b.allocatable.memoryGiB * host.overcommit.memory) {
      reportViolation(
        `memory limits ${fmt(b.limits.memoryGiB)} GiB > ${host.overcommit.memory} × allocatable ${fmt(b.allocatable.memoryGiB)} GiB: the node can run out of memory and the kernel OOM-kills pods. Lower limits or raise overcommit.memory.`,
      );
    }
  },
};
