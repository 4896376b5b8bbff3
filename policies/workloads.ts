import { WORKLOAD_KINDS, parseByteQuantity, parseQuantity, podSpecIn } from "@llm-platform/kube";

/** Just what the policies read from a resource: its type, name, URN, inputs and options. */
export interface ResourceLike {
  type: string;
  name: string;
  urn: string;
  props: Record<string, any>;
  opts?: { protect?: boolean; retainOnDelete?: boolean };
}

export const GPU_RESOURCES = ["nvidia.com/gpu", "nvidia.com/gpu.shared"];
export { GiB } from "@llm-platform/kube";

/** A workload's pod template, how many pods it runs at once and how many a rollout adds. */
export interface Workload {
  resource: ResourceLike;
  kind: string;
  label: string;
  namespace: string;
  podSpec: Record<string, any>;
  replicas: number;
  surge: number;
  containers: Record<string, any>[];
}

/** Extra pods a RollingUpdate starts before old ones stop (maxSurge, default 25% rounded up). */
export function surgePods(r: ResourceLike, replicas: number): number {
  if (r.type !== "kubernetes:apps/v1:Deployment") return 0;
  const strategy = r.props?.spec?.strategy;
  if (strategy?.type === "Recreate") return 0;
  const surge = strategy?.rollingUpdate?.maxSurge ?? "25%";
  if (typeof surge === "number") return surge;
  const pct = /^(\d+)%$/.exec(String(surge));
  return pct ? Math.ceil((replicas * Number(pct[1])) / 100) : Number(surge) || 0;
}

export function workloadOf(r: ResourceLike): Workload | undefined {
  const kind = WORKLOAD_KINDS[r.type]?.kind;
  const podSpec = podSpecIn(r.type, r.props);
  if (!kind || !podSpec) return undefined;
  let replicas = 1;
  if (kind === "Deployment" || kind === "StatefulSet") replicas = r.props.spec?.replicas ?? 1;
  if (kind === "Job") replicas = r.props.spec?.parallelism ?? 1;
  const namespace = r.props.metadata?.namespace ?? "default";
  const name = r.props.metadata?.name ?? r.name;
  return {
    resource: r,
    kind,
    label: `${kind} ${namespace}/${name}`,
    namespace,
    podSpec,
    replicas: typeof replicas === "number" ? replicas : 1,
    surge: surgePods(r, typeof replicas === "number" ? replicas : 1),
    containers: [...(podSpec.containers ?? []), ...(podSpec.initContainers ?? [])],
  };
}

export function workloads(resources: ResourceLike[]): Workload[] {
  return resources.map(workloadOf).filter((w): w is Workload => w !== undefined);
}

/** GPU slices one pod asks for (0 without a GPU limit); NaN when the limit is not a whole number. */
export function gpuSlices(container: Record<string, any>): number {
  let total = 0;
  for (const name of GPU_RESOURCES) {
    const value = container.resources?.limits?.[name];
    if (value === undefined) continue;
    const n = Number(value);
    total += Number.isInteger(n) ? n : NaN;
  }
  return total;
}

export function podGpuSlices(w: Workload): number {
  return w.containers.reduce((sum, c) => sum + gpuSlices(c), 0);
}

/**
 * The `vllm serve` arguments of a container, if it runs vLLM: its command names vLLM, or it runs the
 * entrypoint (no command) of a vLLM image. A vLLM image with a command of its own runs something else
 * (e.g. the `wait-for-gpu-memory` init container's `python3 -c …`), not a server.
 */
export function vllmArgsOf(container: Record<string, any>): string[] | undefined {
  const image = String(container.image ?? "");
  const command: string[] = Array.isArray(container.command) ? container.command.map(String) : [];
  const args: string[] = Array.isArray(container.args) ? container.args.map(String) : [];
  const commandRunsVllm = command.some((c) => /(^|[/\s.])vllm([\s.]|$)/.test(c));
  if (commandRunsVllm || (command.length === 0 && image.includes("vllm"))) {
    const serve = args.indexOf("serve");
    return serve >= 0 ? args.slice(serve + 1) : args;
  }
  return undefined;
}

/** Memory an emptyDir with medium Memory (e.g. /dev/shm) can take: it is charged to the pod. */
export function memoryVolumesBytes(podSpec: Record<string, any>): number {
  return (podSpec.volumes ?? [])
    .filter((v: any) => v.emptyDir?.medium === "Memory")
    .reduce((sum: number, v: any) => sum + (parseByteQuantity(v.emptyDir.sizeLimit ?? "0") ?? 0), 0);
}

export function quantity(value: unknown): number {
  if (value === undefined || value === null) return 0;
  return parseQuantity(value as string | number) ?? 0;
}
