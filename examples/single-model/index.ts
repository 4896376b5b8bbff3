import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { GpuTimeSlicing, ModelCache, VllmServer } from "@llm-platform/components";

/**
 * A second program using the platform's components on their own, with its own small config (no
 * llm-platform schema, no capacity planning): the NVIDIA device plugin sharing each card between two
 * pods, a model cache filled by a download Job, and one vLLM server for a coder model behind a
 * ClusterIP Service. The same components are usable from other languages through
 * `pulumi package add <repo>/components` (see docs/components.md).
 */
const config = new pulumi.Config();
const namespaceName = config.get("namespace") ?? "coder";
const model = config.get("model") ?? "Qwen/Qwen2.5-Coder-7B-Instruct-AWQ";
const revision = config.get("revision") ?? "main";
const gpuNodes = { "feature.node.kubernetes.io/pci-10de.present": "true" };
const gpuTolerations = [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }];

const namespace = new k8s.core.v1.Namespace("namespace", {
  metadata: { name: namespaceName, labels: { "pod-security.kubernetes.io/enforce": "restricted" } },
});
const pluginNamespace = new k8s.core.v1.Namespace("plugin-namespace", {
  metadata: { name: "coder-device-plugin", labels: { "pod-security.kubernetes.io/enforce": "privileged" } },
});

const gpu = new GpuTimeSlicing(
  "coder-gpu",
  { namespace: pluginNamespace.metadata.name, mode: "time-slicing", replicas: 2, nodeSelector: gpuNodes, tolerations: gpuTolerations },
  { dependsOn: [pluginNamespace] },
);

const cache = new ModelCache(
  "coder-models",
  {
    namespace: namespace.metadata.name,
    image: "curlimages/curl:8.16.0",
    models: [{ id: model, revision }],
    volume: { size: "30Gi", storageClass: config.get("storageClass") },
  },
  { dependsOn: [namespace] },
);

const server = new VllmServer(
  "coder",
  {
    namespace: namespace.metadata.name,
    image: "vllm/vllm-openai:v0.19.0",
    serveArgs: [model, "--revision", revision, "--served-model-name", "coder", "--max-model-len", "8192", "--gpu-memory-utilization", "0.9"],
    modelCacheClaim: cache.claimName,
    gpu: { count: 1, resourceName: "nvidia.com/gpu", nodeSelector: gpuNodes, tolerations: gpuTolerations },
    resources: { requests: { cpu: "4", memory: "16Gi" }, limits: { cpu: "8", memory: "24Gi" } },
  },
  { dependsOn: [cache, gpu] },
);

export const baseUrl = server.baseUrl;
export const servedModelNames = server.servedModelNames;
export const gpuResource = gpu.resourceName;
