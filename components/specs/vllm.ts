import type * as k8s from "@pulumi/kubernetes";
import type { CatalogEntry } from "@llm-platform/capacity";
import { renderVllmArgs, type VllmServeOptions } from "@llm-platform/capacity/vllmArgs";
import type { ServerConfig } from "../../config/schema";
import { imageVersion, selectorLabels, standardLabels } from "./labels";
import { restrictedContainerSecurity, restrictedPodSecurity } from "./security";

export const VLLM_PORT = 8000;
export const BASE_MODELS_MOUNT = "/models";
export const ADAPTERS_MOUNT = "/adapters";
const PROBE_PERIOD_SECONDS = 10;

/** An endpoint name clients (and the gateway) use, served by a vLLM server. */
export interface HostedAdapter {
  name: string;
  /** A LoRA fine-tune; without it the adapter is another served name of the base model. */
  lora?: { source: string };
}

export interface ServedModel {
  alias: string;
  id: string;
  revision?: string;
  runtimeQuantization?: "fp8";
  entry: CatalogEntry;
}

export interface VllmServerSpecArgs {
  name: string;
  namespace: string;
  server: ServerConfig;
  model: ServedModel;
  adapters: HostedAdapter[];
  /** Resolved `--gpu-memory-utilization` (the config may say "auto"). */
  gpuMemoryUtilization: number;
  image: string;
  gpu: {
    resourceName: string;
    nodeSelector: Record<string, string>;
    tolerations: k8s.types.input.core.v1.Toleration[];
    /** Tensor parallelism across whole GPUs is possible only without sharing. */
    allowTensorParallel: boolean;
  };
  baseModelsClaim: string;
  /** PVC name per hosted adapter (its RWO volume). */
  adapterClaims: Record<string, string>;
  hfTokenSecret?: { name: string; key: string };
}

const VLLM_QUANTIZATION_FLAG: Record<string, string | undefined> = {
  awq: "awq_marlin",
  gptq: "gptq_marlin",
};

/** Absolute paths are on the adapter's own volume; anything else is a Hugging Face repo id. */
export function loraPath(adapter: string, source: string): string {
  return source.startsWith("/") ? `${ADAPTERS_MOUNT}/${adapter}${source}` : source;
}

export function servedModelNames(server: string, adapters: HostedAdapter[]): string[] {
  return [...new Set([server, ...adapters.filter((a) => !a.lora).map((a) => a.name)])];
}

/** What the command line depends on: enough to render it before any Kubernetes detail is known. */
export type VllmServeInputs = Pick<VllmServerSpecArgs, "name" | "server" | "model" | "adapters" | "gpuMemoryUtilization"> & {
  gpu: Pick<VllmServerSpecArgs["gpu"], "allowTensorParallel">;
};

export function vllmServeOptions(a: VllmServeInputs): VllmServeOptions {
  const loraAdapters = a.adapters.filter((ad) => ad.lora);
  const loraSlots = a.server.lora?.maxLoras ?? Math.max(1, loraAdapters.length);
  const useLora = loraAdapters.length > 0 || a.server.lora !== undefined;
  const quantization = a.model.runtimeQuantization ?? VLLM_QUANTIZATION_FLAG[a.model.entry.quantization.method];
  return {
    model: a.model.id,
    revision: a.model.revision,
    servedModelNames: servedModelNames(a.name, a.adapters),
    task: a.server.task,
    dtype: a.model.entry.dtype,
    quantization,
    maxModelLen: a.server.maxModelLen,
    maxNumSeqs: a.server.maxNumSeqs,
    maxNumBatchedTokens: a.server.maxNumBatchedTokens,
    gpuMemoryUtilization: a.gpuMemoryUtilization,
    kvCacheDtype: a.server.kvCacheDtype,
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
    extraArgs: a.server.extraArgs,
  };
}

export function vllmArgs(a: VllmServeInputs): string[] {
  return renderVllmArgs(vllmServeOptions(a));
}

export function vllmLabels(a: Pick<VllmServerSpecArgs, "name" | "image">): Record<string, string> {
  return { ...standardLabels("vllm", a.name, "inference", imageVersion(a.image)), "llm-platform.io/server": a.name };
}

function gpuQuantity(a: VllmServerSpecArgs): Record<string, string> {
  return a.server.gpus > 0 ? { [a.gpu.resourceName]: String(a.server.gpus) } : {};
}

function httpProbe(periodSeconds: number, failureThreshold: number): k8s.types.input.core.v1.Probe {
  return {
    httpGet: { path: "/health", port: "http" },
    periodSeconds,
    failureThreshold,
    timeoutSeconds: 5,
  };
}

export function vllmContainer(a: VllmServerSpecArgs): k8s.types.input.core.v1.Container {
  const env: k8s.types.input.core.v1.EnvVar[] = [
    { name: "HF_HOME", value: `${BASE_MODELS_MOUNT}/huggingface` },
    { name: "HOME", value: "/home/vllm" },
    { name: "VLLM_NO_USAGE_STATS", value: "1" },
    { name: "DO_NOT_TRACK", value: "1" },
  ];
  if (a.hfTokenSecret) {
    env.push({ name: "HF_TOKEN", valueFrom: { secretKeyRef: { name: a.hfTokenSecret.name, key: a.hfTokenSecret.key } } });
  }
  return {
    name: "vllm",
    image: a.image,
    imagePullPolicy: "IfNotPresent",
    args: vllmArgs(a),
    ports: [{ name: "http", containerPort: VLLM_PORT, protocol: "TCP" }],
    env,
    resources: {
      requests: { cpu: String(a.server.resources.requests.cpu), memory: String(a.server.resources.requests.memory), ...gpuQuantity(a) },
      limits: { cpu: String(a.server.resources.limits.cpu), memory: String(a.server.resources.limits.memory), ...gpuQuantity(a) },
    },
    // Download + load + CUDA graph capture can take many minutes; liveness waits for it.
    startupProbe: httpProbe(PROBE_PERIOD_SECONDS, Math.ceil(a.server.startupTimeoutSeconds / PROBE_PERIOD_SECONDS)),
    readinessProbe: httpProbe(PROBE_PERIOD_SECONDS, 3),
    livenessProbe: httpProbe(15, 6),
    securityContext: restrictedContainerSecurity(),
    volumeMounts: [
      { name: "base-models", mountPath: BASE_MODELS_MOUNT },
      { name: "dshm", mountPath: "/dev/shm" },
      { name: "home", mountPath: "/home/vllm" },
      ...a.adapters.map((ad) => ({ name: `adapter-${ad.name}`, mountPath: `${ADAPTERS_MOUNT}/${ad.name}` })),
    ],
  };
}

export function vllmDeploymentSpec(a: VllmServerSpecArgs): k8s.apps.v1.DeploymentArgs {
  const labels = vllmLabels(a);
  const selector = selectorLabels("vllm", a.name);
  return {
    metadata: { name: `vllm-${a.name}`, namespace: a.namespace, labels },
    spec: {
      replicas: a.server.replicas,
      selector: { matchLabels: selector },
      // A rolling update would start the new pod while the old one still holds its GPU slice and VRAM.
      strategy: a.server.rollout === "Recreate" ? { type: "Recreate" } : { type: "RollingUpdate" },
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
          nodeSelector: a.server.gpus > 0 ? a.gpu.nodeSelector : undefined,
          tolerations: a.server.gpus > 0 ? a.gpu.tolerations : undefined,
          terminationGracePeriodSeconds: 60,
          containers: [vllmContainer(a)],
          volumes: [
            { name: "base-models", persistentVolumeClaim: { claimName: a.baseModelsClaim } },
            { name: "dshm", emptyDir: { medium: "Memory", sizeLimit: String(a.server.shmSize) } },
            { name: "home", emptyDir: { sizeLimit: "4Gi" } },
            ...a.adapters.map((ad) => ({
              name: `adapter-${ad.name}`,
              persistentVolumeClaim: { claimName: a.adapterClaims[ad.name]! },
            })),
          ],
        },
      },
    },
  };
}

export function vllmServiceSpec(a: VllmServerSpecArgs): k8s.core.v1.ServiceArgs {
  return {
    metadata: { name: `vllm-${a.name}`, namespace: a.namespace, labels: vllmLabels(a) },
    spec: {
      type: "ClusterIP",
      selector: selectorLabels("vllm", a.name),
      ports: [{ name: "http", port: VLLM_PORT, targetPort: "http", protocol: "TCP" }],
    },
  };
}

/** In-cluster OpenAI-compatible base URL of a server. */
export function vllmBaseUrl(name: string, namespace: string): string {
  return `http://vllm-${name}.${namespace}.svc.cluster.local:${VLLM_PORT}/v1`;
}
