import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { CatalogEntry } from "@llm-platform/capacity";
import { parseVllmArgs, renderVllmArgs, type VllmServeOptions } from "@llm-platform/capacity/vllmArgs";
import { imageVersion, selectorLabels, standardLabels } from "./labels";
import { restrictedContainerSecurity, restrictedPodSecurity } from "./security";
import { MODEL_CACHE_HF_HOME, MODEL_CACHE_MOUNT } from "./modelCache";

export const VLLM_PORT = 8000;
/** Each LoRA adapter's own volume is mounted at `/adapters/<adapter>`. */
export const ADAPTERS_MOUNT = "/adapters";
/** The writable home of the vLLM user (an emptyDir): the image (v0.19.0) has no passwd entry for UID 1000. */
export const VLLM_HOME = "/home/vllm";
const PROBE_PERIOD_SECONDS = 10;
/** What the await allows beyond the startup probe: scheduling, pulling the ~10 GiB image, Recreate's old pod stopping. */
export const DEFAULT_AWAIT_MARGIN_SECONDS = 900;
export const DEFAULT_STARTUP_TIMEOUT_SECONDS = 1800;
/** Seconds a vLLM pod gets to stop: in-flight requests drain, then the process exits and frees the card. */
export const DEFAULT_TERMINATION_GRACE_SECONDS = 60;

/** How a server's pods are replaced (`Recreate` frees the GPU slice and VRAM before the new pod starts). */
export const RolloutStrategy = {
  Recreate: "Recreate",
  RollingUpdate: "RollingUpdate",
} as const;
export type RolloutStrategy = (typeof RolloutStrategy)[keyof typeof RolloutStrategy];

// ---------------------------------------------------------------------------------------------
// The `vllm serve` command line (what the capacity model plans and the pod runs)
// ---------------------------------------------------------------------------------------------

/** An endpoint name clients (and the gateway) use, served by a vLLM server. */
export interface HostedAdapter {
  name: string;
  /** A LoRA fine-tune; without it the adapter is an alias the gateway maps to the server's own name. */
  lora?: { source: string };
}

export interface ServedModel {
  alias: string;
  id: string;
  revision?: string;
  runtimeQuantization?: "fp8";
  entry: CatalogEntry;
}

/** The engine settings the command line is rendered from (a structural subset of a server's settings). */
export interface VllmEngineSettings {
  task: "generate" | "embed" | "score";
  gpus: number;
  maxModelLen: number;
  maxNumSeqs: number;
  maxNumBatchedTokens?: number;
  kvCacheDtype: "auto" | "fp8";
  enforceEager: boolean;
  lora?: { maxLoraRank: number; maxLoras?: number };
  extraArgs: string[];
}

/** What the command line depends on: enough to render it before any Kubernetes detail is known. */
export interface VllmServeInputs {
  /** The server's name: its one `--served-model-name`. */
  name: string;
  server: VllmEngineSettings;
  model: ServedModel;
  adapters: HostedAdapter[];
  /** Resolved `--gpu-memory-utilization` (the config may say "auto"). */
  gpuMemoryUtilization: number;
  gpu: {
    /** Tensor parallelism across whole GPUs is possible only without sharing. */
    allowTensorParallel: boolean;
  };
  /** The kernels the card runs (capacity/kernels.ts planKernels); absent: the checkpoint's defaults. */
  kernels?: VllmKernelFlags;
}

/** Flags that select the kernels a card can run. */
export interface VllmKernelFlags {
  /** `--quantization` (awq_marlin, awq, gptq_marlin, gptq, fp8); absent: read from the checkpoint. */
  quantization?: string;
  /** `--dtype` (bfloat16 becomes float16 below compute capability 8.0). */
  dtype: "bfloat16" | "float16" | "float32";
  kvCacheDtype: "auto" | "fp8";
  /**
   * `--attention-backend`, pinned where only one backend runs the KV cache dtype (fp8 below 8.9:
   * FLASHINFER). vLLM's AttentionConfig.backend; the VLLM_ATTENTION_BACKEND variable was deprecated
   * (vllm-project/vllm#26315, docs #30564) and is no longer read by v0.19.
   */
  attentionBackend?: string;
}

const VLLM_QUANTIZATION_FLAG: Record<string, string | undefined> = {
  awq: "awq_marlin",
  gptq: "gptq_marlin",
};

/** Absolute paths are on the adapter's own volume; anything else is a Hugging Face repo id (pre-downloaded into the model cache). */
export function loraPath(adapter: string, source: string): string {
  return source.startsWith("/") ? `${ADAPTERS_MOUNT}/${adapter}${source}` : source;
}

/** A LoRA adapter whose weights live on a volume of its own (a path source); repo-id sources come from the model cache. */
export function needsLoraVolume(adapter: HostedAdapter): boolean {
  return adapter.lora !== undefined && adapter.lora.source.startsWith("/");
}

/**
 * The name the gateway asks the server for to reach an adapter: a LoRA adapter is a module of its own
 * name; any other adapter is the server's own served name. Adding or renaming a non-LoRA adapter so
 * never touches the command line (issue #22: the GPU server does not restart).
 */
export function vllmModelFor(server: string, adapter: HostedAdapter): string {
  return adapter.lora ? adapter.name : server;
}

export function vllmServeOptions(a: VllmServeInputs): VllmServeOptions {
  const loraAdapters = a.adapters.filter((ad) => ad.lora);
  const loraSlots = a.server.lora?.maxLoras ?? Math.max(1, loraAdapters.length);
  const useLora = loraAdapters.length > 0 || a.server.lora !== undefined;
  const quantization = a.kernels ? a.kernels.quantization : (a.model.runtimeQuantization ?? VLLM_QUANTIZATION_FLAG[a.model.entry.quantization.method]);
  const backend = a.kernels?.attentionBackend;
  return {
    model: a.model.id,
    // vLLM's ModelConfig defaults tokenizer_revision to revision (vllm/config/model.py), so one flag pins both.
    revision: a.model.revision,
    servedModelNames: [a.name],
    task: a.server.task,
    dtype: a.kernels?.dtype ?? a.model.entry.dtype,
    quantization,
    maxModelLen: a.server.maxModelLen,
    maxNumSeqs: a.server.maxNumSeqs,
    maxNumBatchedTokens: a.server.maxNumBatchedTokens,
    gpuMemoryUtilization: a.gpuMemoryUtilization,
    kvCacheDtype: a.kernels?.kvCacheDtype ?? a.server.kvCacheDtype,
    enforceEager: a.server.enforceEager,
    tensorParallelSize: a.gpu.allowTensorParallel ? Math.max(1, a.server.gpus) : 1,
    lora: useLora
      ? {
          maxLoras: loraSlots,
          maxLoraRank: a.server.lora?.maxLoraRank ?? 16,
          maxCpuLoras: Math.max(loraSlots, loraAdapters.length),
          modules: loraAdapters.map((ad) => ({ name: ad.name, path: loraPath(ad.name, ad.lora!.source) })),
        }
      : undefined,
    port: VLLM_PORT,
    extraArgs: [...(backend ? ["--attention-backend", backend] : []), ...a.server.extraArgs],
  };
}

/** `vllm serve` arguments (after `serve`): the model, then flags. */
export function vllmArgs(a: VllmServeInputs): string[] {
  return renderVllmArgs(vllmServeOptions(a));
}

/**
 * The args the container runs: the caller's, with `--port` set to the port the Service and probes
 * use. A different `--port` would leave the Service and every probe pointing at nothing: refused.
 */
export function vllmContainerArgs(args: readonly string[], port: number = VLLM_PORT): string[] {
  const given = parseVllmArgs(args).flags.get("port");
  if (given === undefined) return [...args, "--port", String(port)];
  if (given[0] !== String(port))
    throw new Error(`vLLM args set --port ${given[0]}, but the server's Service and probes use ${port}; drop --port from the args`);
  return [...args];
}

/**
 * The model names a server answers to: its `--served-model-name`s (vLLM serves the model id when
 * there are none) and every `--lora-modules` name (`name=path` or the JSON form).
 */
export function servedModelNamesOf(args: readonly string[]): string[] {
  const parsed = parseVllmArgs(args);
  const served = parsed.flags.get("served-model-name") ?? [];
  const names = served.length > 0 ? [...served] : parsed.model ? [parsed.model] : [];
  for (const module of parsed.flags.get("lora-modules") ?? []) {
    const name = module.trim().startsWith("{") ? (JSON.parse(module) as { name?: string }).name : module.split("=")[0];
    if (name) names.push(name);
  }
  return [...new Set(names)];
}

// ---------------------------------------------------------------------------------------------
// Timeouts: Pulumi's await must outlast the startup probe (issue #13 item 5)
// ---------------------------------------------------------------------------------------------

/** Seconds the startup probe allows (period × failureThreshold) for a configured startup timeout. */
export function startupWindowSeconds(startupTimeoutSeconds: number): number {
  return PROBE_PERIOD_SECONDS * Math.ceil(startupTimeoutSeconds / PROBE_PERIOD_SECONDS);
}

/**
 * How long `pulumi up` waits for the Deployment. The pulumi-kubernetes provider awaits a Deployment
 * until its new ReplicaSet is available and gives up after 10 minutes unless `customTimeouts` says
 * otherwise (provider/pkg/await/deployment.go, DefaultDeploymentTimeoutMins) — shorter than a first
 * model load. The Deployment's own `progressDeadlineSeconds` gets the same value, so the controller
 * does not report ProgressDeadlineExceeded (which the awaiter logs as a failure) while a model loads.
 */
export function vllmAwaitSeconds(startupTimeoutSeconds: number, marginSeconds: number = DEFAULT_AWAIT_MARGIN_SECONDS): number {
  return startupWindowSeconds(startupTimeoutSeconds) + marginSeconds;
}

// ---------------------------------------------------------------------------------------------
// The pod: UID 1000 in an image without a passwd entry, read-only root, read-only model cache
// ---------------------------------------------------------------------------------------------

export interface VllmGpuSpec {
  /** GPUs (slices) per pod; 0 runs on CPU. */
  count: number;
  /**
   * Dynamic Resource Allocation: the ResourceClaims (one per card) the pod shares with the other pods
   * placed on those cards. With claims the pod asks for no extended resource: the claim is the GPU.
   */
  claims?: pulumi.Input<string>[];
  /** Extended resource the pod requests (`nvidia.com/gpu`, `nvidia.com/gpu.shared`): a key of the limits, so plain. */
  resourceName: string;
  nodeSelector?: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
  tolerations?: pulumi.Input<pulumi.Input<k8s.types.input.core.v1.Toleration>[]>;
}

export interface VllmComputeResources {
  requests: { cpu: pulumi.Input<string>; memory: pulumi.Input<string> };
  limits: { cpu: pulumi.Input<string>; memory: pulumi.Input<string> };
}

/** Everything the Deployment and Service are built from: plain structure, pass-through Inputs. */
export interface VllmWorkloadSpec {
  /** The component's name: Kubernetes names are `vllm-<name>`. */
  name: string;
  namespace: pulumi.Input<string>;
  image: pulumi.Input<string>;
  /** The container args (`vllmContainerArgs`), as given or as an Output. */
  args: pulumi.Input<pulumi.Input<string>[]>;
  replicas: pulumi.Input<number>;
  gpu: VllmGpuSpec;
  resources: VllmComputeResources;
  shmSize: pulumi.Input<string>;
  rollout: RolloutStrategy;
  startupTimeoutSeconds: number;
  /** The Deployment's progressDeadlineSeconds (`vllmAwaitSeconds`). */
  progressDeadlineSeconds: number;
  /** The shared model cache (Hugging Face layout under `huggingface/`), mounted read-only. */
  modelCacheClaim: pulumi.Input<string>;
  /** LoRA adapters with a volume of their own, mounted read-only at `/adapters/<adapter>`. */
  loraVolumes: { adapter: string; claimName: pulumi.Input<string> }[];
  /** Size of the writable home (caches: torch.compile, Triton, FlashInfer JIT); default 8Gi. */
  homeSize?: pulumi.Input<string>;
  /**
   * Replicas are another controller's (a KEDA ScaledObject): the Deployment is created with 0 and
   * `spec.replicas` is left to that controller afterwards.
   */
  externallyScaled?: boolean;
  /** Wait in an init container until the card has this fraction of its memory free (see waitForGpuMemoryContainer). */
  waitForGpuMemory?: { gpuMemoryUtilization: number; timeoutSeconds: number };
  /** Seconds the pod gets to stop (vLLM drains in-flight requests); default 60. */
  terminationGracePeriodSeconds?: number;
}

export function vllmResourceNames(name: string): { deployment: string; service: string } {
  return { deployment: `vllm-${name}`, service: `vllm-${name}` };
}

/** The PVC of a LoRA adapter's own volume. */
export function loraVolumeClaimName(server: string, adapter: string): string {
  return `vllm-${server}-lora-${adapter}`;
}

export function vllmLabels(name: string, image: pulumi.Input<string>): Record<string, string> {
  return { ...standardLabels("vllm", name, "inference", typeof image === "string" ? imageVersion(image) : undefined), "llm-platform.io/server": name };
}

function httpProbe(periodSeconds: number, failureThreshold: number): k8s.types.input.core.v1.Probe {
  return {
    httpGet: { path: "/health", port: "http" },
    periodSeconds,
    failureThreshold,
    timeoutSeconds: 5,
  };
}

/**
 * The container's environment. The `vllm/vllm-openai:v0.19.0` image (2026-04-03) runs as root with
 * HOME=/root and WORKDIR /vllm-workspace and has no user for UID 1000: docker/Dockerfile got its first
 * non-root user (UID 2000) and a wrapper that sets USER/LOGNAME/HOME only with vllm-project/vllm#40275
 * (merged 2026-05-25, commit 3df1c7c). So under `runAsUser: 1000`:
 * - `getpass.getuser()` (torch inductor's default cache dir, at import) raises KeyError unless
 *   USER/LOGNAME are set (llm-d/llm-d-benchmark#1573 hit exactly this);
 * - every cache goes to the writable home: vLLM reads VLLM_CACHE_ROOT (default
 *   `$XDG_CACHE_HOME/vllm`) and VLLM_CONFIG_ROOT (vllm/envs.py), torch TORCHINDUCTOR_CACHE_DIR, Triton
 *   TRITON_CACHE_DIR, numba NUMBA_CACHE_DIR, outlines OUTLINES_CACHE_DIR, CUDA CUDA_CACHE_PATH;
 *   vLLM's IPC sockets (VLLM_RPC_BASE_PATH) and weight-file locks use tempfile.gettempdir() (/tmp);
 * - the model cache is read-only and offline (HF_HUB_OFFLINE=1): weights were downloaded by the
 *   model cache's Job; transformers' dynamic-module cache (HF_MODULES_CACHE, under HF_HOME by
 *   default) moves to the writable home.
 * No Hugging Face token: an offline server never calls the Hub.
 */
export function vllmEnv(): k8s.types.input.core.v1.EnvVar[] {
  const cache = `${VLLM_HOME}/.cache`;
  return [
    { name: "HOME", value: VLLM_HOME },
    { name: "USER", value: "vllm" },
    { name: "LOGNAME", value: "vllm" },
    { name: "TMPDIR", value: "/tmp" },
    { name: "XDG_CACHE_HOME", value: cache },
    { name: "XDG_CONFIG_HOME", value: `${VLLM_HOME}/.config` },
    { name: "VLLM_CACHE_ROOT", value: `${cache}/vllm` },
    { name: "VLLM_CONFIG_ROOT", value: `${VLLM_HOME}/.config/vllm` },
    { name: "TORCHINDUCTOR_CACHE_DIR", value: `${cache}/torchinductor` },
    { name: "TRITON_CACHE_DIR", value: `${cache}/triton` },
    { name: "NUMBA_CACHE_DIR", value: `${cache}/numba` },
    { name: "OUTLINES_CACHE_DIR", value: `${cache}/outlines` },
    { name: "CUDA_CACHE_PATH", value: `${cache}/nv` },
    { name: "HF_HOME", value: MODEL_CACHE_HF_HOME },
    { name: "HF_HUB_OFFLINE", value: "1" },
    { name: "HF_MODULES_CACHE", value: `${cache}/huggingface/modules` },
    { name: "HF_HUB_DISABLE_TELEMETRY", value: "1" },
    { name: "VLLM_NO_USAGE_STATS", value: "1" },
    { name: "DO_NOT_TRACK", value: "1" },
  ];
}

function gpuQuantity(a: VllmWorkloadSpec): Record<string, pulumi.Input<string>> {
  return a.gpu.count > 0 && !a.gpu.claims?.length ? { [a.gpu.resourceName]: String(a.gpu.count) } : {};
}

/** The pod's claim references (`spec.resourceClaims`): `gpu-0`, `gpu-1`, … → the shared per-card ResourceClaims. */
export function vllmPodResourceClaims(a: Pick<VllmWorkloadSpec, "gpu">): k8s.types.input.core.v1.PodResourceClaim[] | undefined {
  const claims = a.gpu.claims ?? [];
  return claims.length > 0 ? claims.map((claim, i) => ({ name: `gpu-${i}`, resourceClaimName: claim })) : undefined;
}

/** A container's use of the pod's claims (`resources.claims`). */
function containerClaims(a: Pick<VllmWorkloadSpec, "gpu">): { name: string }[] | undefined {
  const claims = a.gpu.claims ?? [];
  return claims.length > 0 ? claims.map((_, i) => ({ name: `gpu-${i}` })) : undefined;
}

/**
 * An init container that waits until the card has the memory vLLM will request free: vLLM v0.19's
 * start-up check (`vllm/v1/worker/utils.py::request_memory`) fails at once when another process still
 * holds it — the outgoing mode's pods while they terminate, or another server still loading. It runs
 * the vLLM image's own torch (`torch.cuda.mem_get_info`), polls every 5 s and gives up after
 * `timeoutSeconds` (the pod then restarts it). Its CUDA context is released when it exits, before
 * vLLM starts.
 */
export function waitForGpuMemoryContainer(a: VllmWorkloadSpec, gpuMemoryUtilization: number, timeoutSeconds: number): k8s.types.input.core.v1.Container {
  const script = [
    "import sys, time, torch",
    `need, deadline = ${gpuMemoryUtilization}, time.time() + ${timeoutSeconds}`,
    "while True:",
    "    free, total = torch.cuda.mem_get_info()",
    "    if free >= need * total + 512 * 2**20: sys.exit(0)",
    "    if time.time() > deadline: sys.exit(f'GPU memory still held: {free / 2**30:.2f} of {total / 2**30:.2f} GiB free, {need} needed')",
    "    print(f'waiting: {free / 2**30:.2f} GiB free, {need * total / 2**30:.2f} GiB needed', flush=True)",
    "    time.sleep(5)",
  ].join("\n");
  return {
    name: "wait-for-gpu-memory",
    image: a.image,
    imagePullPolicy: "IfNotPresent",
    command: ["python3", "-c", script],
    env: vllmEnv(),
    resources: {
      requests: { cpu: "100m", memory: "1Gi", ...gpuQuantity(a) },
      limits: { cpu: "1", memory: "2Gi", ...gpuQuantity(a) },
      ...(containerClaims(a) ? { claims: containerClaims(a) } : {}),
    },
    securityContext: { ...restrictedContainerSecurity(), readOnlyRootFilesystem: true },
    volumeMounts: [
      { name: "home", mountPath: VLLM_HOME },
      { name: "tmp", mountPath: "/tmp" },
    ],
  };
}

export function vllmContainer(a: VllmWorkloadSpec): k8s.types.input.core.v1.Container {
  return {
    name: "vllm",
    image: a.image,
    imagePullPolicy: "IfNotPresent",
    args: a.args,
    ports: [{ name: "http", containerPort: VLLM_PORT, protocol: "TCP" }],
    env: vllmEnv(),
    workingDir: VLLM_HOME,
    resources: {
      requests: { cpu: a.resources.requests.cpu, memory: a.resources.requests.memory, ...gpuQuantity(a) },
      limits: { cpu: a.resources.limits.cpu, memory: a.resources.limits.memory, ...gpuQuantity(a) },
      ...(containerClaims(a) ? { claims: containerClaims(a) } : {}),
    },
    // Load + CUDA graph capture (the download ran before, in the model cache's Job); liveness waits for it.
    startupProbe: httpProbe(PROBE_PERIOD_SECONDS, startupWindowSeconds(a.startupTimeoutSeconds) / PROBE_PERIOD_SECONDS),
    readinessProbe: httpProbe(PROBE_PERIOD_SECONDS, 3),
    livenessProbe: httpProbe(15, 6),
    securityContext: { ...restrictedContainerSecurity(), readOnlyRootFilesystem: true },
    volumeMounts: [
      { name: "model-cache", mountPath: MODEL_CACHE_MOUNT, readOnly: true },
      { name: "dshm", mountPath: "/dev/shm" },
      { name: "home", mountPath: VLLM_HOME },
      { name: "tmp", mountPath: "/tmp" },
      ...a.loraVolumes.map((v) => ({ name: `lora-${v.adapter}`, mountPath: `${ADAPTERS_MOUNT}/${v.adapter}`, readOnly: true })),
    ],
  };
}

export function vllmDeploymentSpec(a: VllmWorkloadSpec): k8s.apps.v1.DeploymentArgs {
  const labels = vllmLabels(a.name, a.image);
  return {
    metadata: { name: vllmResourceNames(a.name).deployment, namespace: a.namespace, labels },
    spec: {
      replicas: a.externallyScaled ? 0 : a.replicas,
      selector: { matchLabels: selectorLabels("vllm", a.name) },
      // A rolling update would start the new pod while the old one still holds its GPU slice and VRAM.
      strategy: a.rollout === RolloutStrategy.Recreate ? { type: "Recreate" } : { type: "RollingUpdate" },
      progressDeadlineSeconds: a.progressDeadlineSeconds,
      template: {
        metadata: {
          labels,
          annotations: {
            "prometheus.io/scrape": "true",
            "prometheus.io/port": String(VLLM_PORT),
            "prometheus.io/path": "/metrics",
          },
        },
        spec: {
          securityContext: restrictedPodSecurity(),
          // vLLM never calls the Kubernetes API; and no service links: a Service named `vllm` would
          // inject VLLM_PORT=tcp://…, which vLLM reads as its own port (vllm/envs.py warns of it).
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          nodeSelector: a.gpu.count > 0 ? a.gpu.nodeSelector : undefined,
          tolerations: a.gpu.count > 0 ? a.gpu.tolerations : undefined,
          terminationGracePeriodSeconds: a.terminationGracePeriodSeconds ?? DEFAULT_TERMINATION_GRACE_SECONDS,
          ...(vllmPodResourceClaims(a) ? { resourceClaims: vllmPodResourceClaims(a) } : {}),
          ...(a.waitForGpuMemory
            ? { initContainers: [waitForGpuMemoryContainer(a, a.waitForGpuMemory.gpuMemoryUtilization, a.waitForGpuMemory.timeoutSeconds)] }
            : {}),
          containers: [vllmContainer(a)],
          volumes: [
            { name: "model-cache", persistentVolumeClaim: { claimName: a.modelCacheClaim, readOnly: true } },
            { name: "dshm", emptyDir: { medium: "Memory", sizeLimit: a.shmSize } },
            { name: "home", emptyDir: { sizeLimit: a.homeSize ?? "8Gi" } },
            { name: "tmp", emptyDir: { sizeLimit: "1Gi" } },
            ...a.loraVolumes.map((v) => ({ name: `lora-${v.adapter}`, persistentVolumeClaim: { claimName: v.claimName, readOnly: true } })),
          ],
        },
      },
    },
  };
}

export function vllmServiceSpec(a: Pick<VllmWorkloadSpec, "name" | "namespace" | "image">): k8s.core.v1.ServiceArgs {
  return {
    metadata: { name: vllmResourceNames(a.name).service, namespace: a.namespace, labels: vllmLabels(a.name, a.image) },
    spec: {
      type: "ClusterIP",
      selector: selectorLabels("vllm", a.name),
      ports: [{ name: "http", port: VLLM_PORT, targetPort: "http", protocol: "TCP" }],
    },
  };
}

/** In-cluster OpenAI-compatible base URL of a server. */
export function vllmBaseUrl(name: string, namespace: string): string {
  return `http://${vllmResourceNames(name).service}.${namespace}.svc.cluster.local:${VLLM_PORT}/v1`;
}
