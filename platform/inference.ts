import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config/schema";
import { ModelCache, type CachedModel } from "../components/modelCache";
import { VllmServer } from "../components/vllmServer";
import { WorkstationInference } from "../components/workstationInference";
import { gpuResourceName } from "../components/specs/devicePlugin";
import { needsLoraVolume, servedModelNamesOf, vllmBaseUrl } from "../components/specs/vllm";
import type { PlannedServer } from "./servers";

/** The model cache's name, and so its PVC's (the name the volume has always had). */
export const BASE_MODELS_CLAIM = "base-models";

export interface InferenceLayer {
  modelCache?: ModelCache;
  servers: Record<string, VllmServer>;
  /** Per server: the in-cluster base URL (plain, from the Service name). */
  baseUrls: Record<string, string>;
  /** Per server: the names it answers to (its own, plus LoRA modules). */
  servedModelNames: Record<string, string[]>;
}

/**
 * What the model cache downloads: each served model at its configured revision (gated as configured),
 * and every LoRA adapter given as a Hugging Face repo (at `main`: vLLM resolves an offline repo id
 * through `refs/main`).
 */
export function cachedModels(config: PlatformConfig, servers: PlannedServer[]): CachedModel[] {
  const models = new Map<string, CachedModel>();
  for (const server of servers) {
    const model = config.models[server.model.alias]!;
    models.set(`${model.id}@${model.revision ?? "main"}`, { id: model.id, revision: model.revision, gated: model.gated });
    for (const adapter of server.adapters) {
      if (adapter.lora && !needsLoraVolume(adapter)) models.set(`${adapter.lora.source}@main`, { id: adapter.lora.source });
    }
  }
  return [...models.values()];
}

/**
 * The ExternalSecret the Hugging Face token needs, when it comes from Bitwarden: the Secret
 * `huggingFace.tokenSecret.name` in the inference namespace, key `huggingFace.tokenSecret.key`, from
 * Bitwarden secret `bitwardenSecret`. The gateway layer's BitwardenSecrets creates it.
 */
export function huggingFaceTokenExternalSecret(config: PlatformConfig): { namespace: string; secretName: string; key: string; bitwardenSecret: string } | undefined {
  const token = config.huggingFace.tokenSecret;
  if (!token?.bitwardenSecret || !config.externalSecrets.bitwarden) return undefined;
  return { namespace: config.namespaces.inference, secretName: token.name, key: token.key, bitwardenSecret: token.bitwardenSecret };
}

/**
 * The GPU half of the platform: the shared model cache (one RWX volume, one download Job per model
 * revision; servers mount it read-only and run offline) and one VllmServer per server, after the
 * downloads and the device plugin (ClusterAddons).
 */
export function deployInference(
  config: PlatformConfig,
  servers: PlannedServer[],
  namespaces: { inference: pulumi.Resource },
  addons: pulumi.Resource,
  /** Carries the stack's Kubernetes provider (platform/provider.ts) to the components. */
  opts: pulumi.ComponentResourceOptions = {},
): InferenceLayer {
  if (servers.length === 0) return { servers: {}, baseUrls: {}, servedModelNames: {} };

  const protect = config.platform.protectStatefulData;
  const storage = config.storage;
  const token = config.huggingFace.tokenSecret;
  const modelCache = new ModelCache(
    BASE_MODELS_CLAIM,
    {
      namespace: config.namespaces.inference,
      image: config.images.curl,
      // network.modelDownloads off: the volume is seeded by hand, and nothing reaches the Hub.
      models: config.network.modelDownloads ? cachedModels(config, servers) : [],
      volume: {
        size: String(storage.baseModels.size),
        storageClass: storage.baseModels.storageClass,
        labels: { [storage.backupTierLabel]: storage.baseModels.backupTier },
      },
      protect,
      // Retention is its own setting (#22): the cache stays in the cluster when it leaves the stack.
      retainOnDelete: config.platform.retainStatefulData,
      hfTokenSecret: token ? { name: token.name, key: token.key } : undefined,
      downloadTimeoutSeconds: config.huggingFace.downloadTimeoutSeconds,
    },
    { ...opts, dependsOn: [namespaces.inference] },
  );

  const deployed: Record<string, VllmServer> = {};
  for (const server of servers) {
    const s = server.config;
    deployed[server.name] = new VllmServer(
      server.name,
      {
        namespace: config.namespaces.inference,
        image: config.images.vllm,
        serveArgs: server.args,
        modelCacheClaim: modelCache.claimName,
        replicas: s.replicas,
        gpu: { count: s.gpus, resourceName: gpuResourceName(config.gpuSharing), nodeSelector: config.host.gpuNodeSelector, tolerations: config.host.gpuTolerations },
        resources: {
          requests: { cpu: String(s.resources.requests.cpu), memory: String(s.resources.requests.memory) },
          limits: { cpu: String(s.resources.limits.cpu), memory: String(s.resources.limits.memory) },
        },
        shmSize: String(s.shmSize),
        rollout: s.rollout,
        startupTimeoutSeconds: s.startupTimeoutSeconds,
        loraVolumes: server.adapters.filter(needsLoraVolume).map((a) => a.name),
        loraVolume: {
          size: String(storage.adapters.size),
          storageClass: storage.adapters.storageClass,
          labels: { [storage.backupTierLabel]: storage.adapters.backupTier },
        },
        protectVolumes: protect,
        retainVolumes: protect,
      },
      // The cache component stands for its download Jobs: every server starts after the weights are there.
      { ...opts, dependsOn: [modelCache, addons] },
    );
  }
  return {
    modelCache,
    servers: deployed,
    baseUrls: Object.fromEntries(servers.map((s) => [s.name, vllmBaseUrl(s.name, config.namespaces.inference)])),
    servedModelNames: Object.fromEntries(servers.map((s) => [s.name, servedModelNamesOf(s.args)])),
  };
}

/** Dev (seed 003): inference on a GPU workstation outside the cluster, published on one address with an API key. */
export function deployWorkstation(config: PlatformConfig): WorkstationInference | undefined {
  const w = config.workstation;
  if (!w) return undefined;
  return new WorkstationInference("workstation", {
    dockerHost: w.dockerHost,
    engine: w.engine,
    image: w.image,
    model: w.model,
    address: w.address,
    bindAddress: w.bindAddress,
    allowAllInterfaces: w.allowAllInterfaces,
    port: w.port,
    gpus: w.gpus,
    gpuMemoryUtilization: w.gpuMemoryUtilization,
    maxModelLen: w.maxModelLen,
    extraArgs: w.extraArgs,
    modelCacheVolume: w.modelCacheVolume,
    hfToken: config.huggingFace.token ? pulumi.secret(config.huggingFace.token) : undefined,
  });
}
