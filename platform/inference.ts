import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config/schema";
import { ModelCache, type CachedModel } from "../components/modelCache";
import { VllmServer, type VllmSchedule } from "../components/vllmServer";
import { GpuCardClaims } from "../components/gpuCardClaims";
import { WorkstationInference } from "../components/workstationInference";
import { gpuResourceName, type GpuSharing } from "../components/specs/devicePlugin";
import { gpuClaimName, gpuClaimSpec } from "../components/specs/gpuClaims";
import { scaledObjectSpec } from "../components/specs/schedule";
import { DEFAULT_TERMINATION_GRACE_SECONDS } from "../components/specs/vllm";
import type { ResourceLike } from "../policies/workloads";
import { needsLoraVolume, servedModelNamesOf, vllmBaseUrl } from "../components/specs/vllm";
import { hostCards, memoryOverrideWarnings, type PlannedServer } from "./servers";

/** The GpuCardClaims component's name: claims are `gpu-<node>-gpu<i>`. */
export const GPU_CLAIMS = "gpu";

/** The cards any server is placed on (dra), in inventory order. */
export function placedCards(config: PlatformConfig, servers: PlannedServer[]): { card: string; node: string; index: number; product: string }[] {
  const used = new Set(servers.flatMap((s) => s.cards));
  return hostCards(config.host)
    .filter((c) => used.has(c.id))
    .map((c) => ({ card: c.id, node: c.node, index: c.index, product: c.spec.product }));
}

/** The device plugin's sharing settings for the resource name GPU pods ask for (DRA pods ask for none). */
export function devicePluginSharing(config: PlatformConfig): GpuSharing {
  const s = config.gpuSharing;
  if (s.mode === "time-slicing") return { mode: s.mode, replicas: s.replicas, renameByDefault: s.renameByDefault };
  if (s.mode === "mps") return { mode: s.mode, replicas: s.replicas };
  return { mode: "none" };
}

const claimNameOf = (card: string) => gpuClaimName(GPU_CLAIMS, { node: card.split("/")[0]!, index: Number(card.split("/gpu")[1]) });

/**
 * The GPU objects of the plan as the policy pack reads them — each server's Deployment (GPU limit or
 * DRA claims, vLLM args, replicas, rollout, grace), the per-card ResourceClaims and the KEDA
 * ScaledObjects of scheduled servers — built from the planned servers the way the components render
 * them (tests/program checks the per-card plan from these equals the one from the rendered objects).
 */
export function plannedGpuResources(config: PlatformConfig, servers: PlannedServer[]): ResourceLike[] {
  const ns = config.namespaces.inference;
  const dra = config.gpuSharing.mode === "dra";
  const resource = gpuResourceName(devicePluginSharing(config));
  const out: ResourceLike[] = [];
  if (dra) {
    for (const c of placedCards(config, servers)) {
      const spec = gpuClaimSpec(GPU_CLAIMS, ns, c);
      out.push({ type: "kubernetes:resource.k8s.io/v1:ResourceClaim", name: spec.metadata.name, urn: spec.metadata.name, props: spec });
    }
  }
  for (const s of servers.filter((x) => x.config.gpus > 0)) {
    const name = `vllm-${s.name}`;
    const claims = dra ? s.cards.map(claimNameOf) : [];
    const schedule = serverSchedule(config, s);
    out.push({
      type: "kubernetes:apps/v1:Deployment",
      name,
      urn: name,
      props: {
        metadata: { name, namespace: ns, labels: { "llm-platform.io/server": s.name } },
        spec: {
          replicas: schedule ? 0 : s.config.replicas,
          strategy: s.config.rollout === "Recreate" ? { type: "Recreate" } : { type: "RollingUpdate" },
          template: {
            spec: {
              terminationGracePeriodSeconds: DEFAULT_TERMINATION_GRACE_SECONDS,
              ...(claims.length ? { resourceClaims: claims.map((c, i) => ({ name: `gpu-${i}`, resourceClaimName: c })) } : {}),
              containers: [
                {
                  name: "vllm",
                  image: config.images.vllm,
                  args: s.args,
                  resources: claims.length ? { claims: claims.map((_, i) => ({ name: `gpu-${i}` })) } : { limits: { [resource]: String(s.config.gpus) } },
                },
              ],
            },
          },
        },
      },
    });
    if (schedule) {
      const so = scaledObjectSpec({
        name: `${name}-schedule`,
        namespace: ns,
        deployment: name,
        labels: {},
        replicas: s.config.replicas,
        windows: schedule.windows,
        pollingIntervalSeconds: schedule.pollingIntervalSeconds!,
        cooldownPeriodSeconds: schedule.cooldownPeriodSeconds!,
      });
      so.spec.triggers = so.spec.triggers.map((t: any) => ({ ...t, metadata: { ...t.metadata, desiredReplicas: String(s.config.replicas) } }));
      out.push({ type: "kubernetes:keda.sh/v1alpha1:ScaledObject", name: `${name}-schedule`, urn: `${name}-schedule`, props: so });
    }
  }
  return out;
}

/** A server's KEDA schedule: one cron window per mode it runs in; undefined for always-on servers. */
export function serverSchedule(config: PlatformConfig, server: PlannedServer): VllmSchedule | undefined {
  if (server.modes.length === 0) return undefined;
  return {
    windows: server.modes.map((mode) => {
      const s = config.modes[mode]!.schedule;
      return { name: mode, start: s.start, end: s.end, timezone: s.timezone };
    }),
    pollingIntervalSeconds: config.keda.pollingIntervalSeconds,
    cooldownPeriodSeconds: config.keda.cooldownPeriodSeconds,
  };
}

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
export function huggingFaceTokenExternalSecret(
  config: PlatformConfig,
): { namespace: string; secretName: string; key: string; bitwardenSecret: string } | undefined {
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

  for (const warning of memoryOverrideWarnings(config.host)) pulumi.log.warn(warning);
  // DRA: one ResourceClaim per card a server is placed on, shared by every pod placed there.
  const dra = config.gpuSharing.mode === "dra";
  const claims = dra
    ? new GpuCardClaims(
        GPU_CLAIMS,
        {
          namespace: config.namespaces.inference,
          cards: placedCards(config, servers),
          deviceClassName: config.gpuSharing.mode === "dra" ? config.gpuSharing.deviceClass : undefined,
        },
        { ...opts, dependsOn: [namespaces.inference, addons] },
      )
    : undefined;
  const cardsShared = (server: PlannedServer) => servers.some((o) => o !== server && o.cards.some((c) => server.cards.includes(c)));

  const deployed: Record<string, VllmServer> = {};
  for (const server of servers) {
    const s = server.config;
    const node = server.cards[0]?.split("/")[0];
    const nodeSelector = dra && node ? { ...config.host.gpuNodeSelector, "kubernetes.io/hostname": node } : config.host.gpuNodeSelector;
    deployed[server.name] = new VllmServer(
      server.name,
      {
        namespace: config.namespaces.inference,
        image: config.images.vllm,
        serveArgs: server.args,
        modelCacheClaim: modelCache.claimName,
        replicas: s.replicas,
        gpu: {
          count: s.gpus,
          resourceName: gpuResourceName(devicePluginSharing(config)),
          nodeSelector,
          tolerations: config.host.gpuTolerations,
          claims: dra ? server.cards.map(claimNameOf) : undefined,
          // A card shared with other servers (another mode's, or one still loading): wait for vLLM's budget to be free.
          waitForFreeMemory: dra && cardsShared(server) ? server.gpuMemoryUtilization : undefined,
        },
        schedule: serverSchedule(config, server),
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
      { ...opts, dependsOn: [modelCache, addons, ...(claims ? [claims] : [])] },
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
