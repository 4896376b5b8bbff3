import * as pulumi from "@pulumi/pulumi";
import { lookupModel } from "@llm-platform/capacity";
import { ConfigError, fromPulumiConfig, keyPath } from "../config/load";
import type { AdapterConfig, PlatformConfig } from "../config/schema";
import type { S3TargetConfig } from "../config/gatewaySchema";
import { plainTextCredentialWarnings } from "../config/gatewayChecks";
import { litellmDurationSeconds } from "../config/formats";
import { BitwardenSecrets, type BitwardenSecretsArgs, type ExternalSecretSpec } from "../components/bitwardenSecrets";
import type { ClusterAddons } from "../components/clusterAddons";
import { LiteLLMGateway, type LiteLLMGatewayArgs, type ResourceQuantities, type S3BucketArgs } from "../components/liteLLMGateway";
import { QdrantStore, type QdrantStoreArgs } from "../components/qdrantStore";
import { liteLLMGatewayNames, qdrantStoreNames } from "../components/specs/gatewayNames";
import { LITELLM_PORT } from "../components/specs/gatewayWorkloads";
import type { GatewayModel } from "../components/specs/litellmConfig";
import { QDRANT_HTTP_PORT } from "../components/specs/qdrant";
import { configuredProviders, providerCredentials } from "../config/providers";
import { WORKSTATION_API_KEY_ENV, providerModel } from "./providers";
import { vllmBaseUrl, vllmModelFor } from "../components/specs/vllm";
import { workstationBaseUrl } from "../components/specs/workstation";
import type { PlannedServer } from "./servers";
import { stackScopedName } from "../config/clusterSchema";

/** Component names: every Kubernetes name of the gateway, Qdrant and the Bitwarden store derives from them. */
export const COMPONENTS = { gateway: "gateway", qdrant: "qdrant", secrets: "secrets" } as const;

function adapterLimits(adapter: AdapterConfig): Pick<GatewayModel, "maxParallelRequests" | "rpm" | "tpm"> {
  return { maxParallelRequests: adapter.maxParallelRequests, rpm: adapter.rpm, tpm: adapter.tpm };
}

/**
 * The gateway's model list: every adapter (in-cluster server or the default provider), every
 * embedding server, each configured provider under its own name, and `default` following
 * `providers.default` (seed 003).
 */
export function gatewayModels(config: PlatformConfig, servers: PlannedServer[]): GatewayModel[] {
  const workstationUrl = config.workstation ? workstationBaseUrl(config.workstation) : undefined;
  const byName = new Map(servers.map((s) => [s.name, s]));
  const provider = config.providers.default;
  const models: GatewayModel[] = [];
  for (const [name, adapter] of Object.entries(config.adapters)) {
    const server = adapter.server ? byName.get(adapter.server) : undefined;
    if (server) {
      models.push({
        name,
        // vLLM serves the server's own name (and LoRA modules by their names): a plain adapter is a
        // gateway alias, so adding one never changes the GPU server's command line.
        model: `hosted_vllm/${vllmModelFor(server.name, { name, lora: adapter.lora })}`,
        apiBase: vllmBaseUrl(server.name, config.namespaces.inference),
        mode: "chat",
        maxInputTokens: server.config.maxModelLen,
        ...adapterLimits(adapter),
      });
    } else if (provider !== "cluster") {
      models.push({ ...providerModel(config.providers, provider, name, workstationUrl), ...adapterLimits(adapter) });
    }
  }
  for (const server of servers.filter((s) => s.config.task === "embed")) {
    models.push({ name: server.name, model: `hosted_vllm/${server.name}`, apiBase: vllmBaseUrl(server.name, config.namespaces.inference), mode: "embedding" });
  }
  // A cross-encoder (task score): LiteLLM's /rerank (Cohere's request and response) to vLLM's /rerank;
  // LiteLLM's hosted_vllm provider supports /rerank (docs.litellm.ai/docs/providers/vllm "Supported Endpoints").
  for (const server of servers.filter((s) => s.config.task === "score")) {
    models.push({ name: server.name, model: `hosted_vllm/${server.name}`, apiBase: vllmBaseUrl(server.name, config.namespaces.inference), mode: "rerank" });
  }
  for (const name of configuredProviders(config.providers)) models.push(providerModel(config.providers, name, name, workstationUrl));
  const firstLocal = models.find((m) => m.mode === "chat" && m.model.startsWith("hosted_vllm/") && m.apiBase?.includes(".svc.cluster.local"));
  if (provider !== "cluster") models.push(providerModel(config.providers, provider, "default", workstationUrl));
  else if (firstLocal) models.push({ ...firstLocal, name: "default" });
  return models;
}

/**
 * Fallbacks of models that run only in a mode's window: outside it their server is scaled to zero,
 * the gateway's call fails to connect and LiteLLM's router retries on the mode's `fallback` (an
 * adapter of another mode or of an always-on server, or a provider). Configured fallbacks come first.
 */
export function modeFallbacks(config: PlatformConfig): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const always = (server: string) => !Object.values(config.modes).some((m) => m.servers.includes(server));
  for (const mode of Object.values(config.modes)) {
    if (!mode.fallback) continue;
    // Chat adapters only: an embedding or rerank model has no chat fallback (its vectors would not match).
    const names = Object.entries(config.adapters)
      .filter(([, a]) => a.server && mode.servers.includes(a.server) && !always(a.server) && config.servers[a.server]?.task === "generate")
      .map(([n]) => n);
    for (const name of names) out[name] = [...new Set([...(config.gateway.fallbacks[name] ?? []), mode.fallback])];
  }
  return out;
}

/** Vector size of the RAG collection: the in-cluster embedding model's, else `qdrant.collection.vectorSize`. */
export function collectionVectorSize(config: PlatformConfig, servers: PlannedServer[]): number {
  const embed = servers.find((s) => s.config.task === "embed");
  const size = embed ? lookupModel(embed.model.id).embeddingDimension : config.qdrant.collection.vectorSize;
  if (!size) {
    throw new ConfigError([
      { path: keyPath(["qdrant", "collection", "vectorSize"]), message: "is required when no in-cluster embedding server (task: embed) gives the vector size" },
    ]);
  }
  return size;
}

/**
 * The in-cluster Services the public routes reach, by route backend. The edge must route to these
 * names (they derive from the component names: `gateway-litellm`, `qdrant`).
 */
export function gatewayServiceRefs(config: PlatformConfig): Record<"gateway" | "vector-store", { name: string; namespace: string; port: number }> {
  return {
    gateway: { name: liteLLMGatewayNames(COMPONENTS.gateway).litellm, namespace: config.namespaces.gateway, port: LITELLM_PORT },
    "vector-store": { name: qdrantStoreNames(COMPONENTS.qdrant).qdrant, namespace: config.namespaces.data, port: QDRANT_HTTP_PORT },
  };
}

const quantities = (r: PlatformConfig["gateway"]["resources"]): ResourceQuantities => ({
  requests: { cpu: String(r.requests.cpu), memory: String(r.requests.memory) },
  limits: { cpu: String(r.limits.cpu), memory: String(r.limits.memory) },
});

const S3_KEYS = { accessKeyId: "AWS_ACCESS_KEY_ID", secretAccessKey: "AWS_SECRET_ACCESS_KEY" } as const;

function s3Bucket(s3: S3TargetConfig, credentialsSecret: string): S3BucketArgs {
  return { endpoint: s3.endpoint, bucket: s3.bucket, region: s3.region, prefix: s3.prefix, credentialsSecret };
}

function s3Secret(s3: S3TargetConfig, namespace: string, secretName: string): ExternalSecretSpec {
  return {
    namespace,
    secretName,
    data: [
      { secretKey: S3_KEYS.accessKeyId, bitwardenSecret: s3.accessKeyId.bitwardenSecret },
      { secretKey: S3_KEYS.secretAccessKey, bitwardenSecret: s3.secretAccessKey.bitwardenSecret },
    ],
  };
}

/** LiteLLMGateway args from the stack config. */
export function gatewayArgs(config: PlatformConfig, servers: PlannedServer[], workstationApiKey?: pulumi.Input<string>): LiteLLMGatewayArgs {
  const g = config.gateway;
  const names = liteLLMGatewayNames(COMPONENTS.gateway);
  const backup = g.postgres.backup;
  return {
    namespace: config.namespaces.gateway,
    image: g.image,
    replicas: g.replicas,
    resources: quantities(g.resources),
    models: gatewayModels(config, servers),
    numRetries: g.numRetries,
    timeoutSeconds: g.timeoutSeconds,
    fallbacks: { ...g.fallbacks, ...modeFallbacks(config) },
    autoscaling: g.autoscaling
      ? {
          minReplicas: g.autoscaling.minReplicas,
          maxReplicas: g.autoscaling.maxReplicas,
          targetCpuUtilizationPercent: g.autoscaling.targetCpuUtilizationPercent,
        }
      : undefined,
    contextWindowFallbacks: g.contextWindowFallbacks,
    limits: g.limits,
    clients: Object.fromEntries(
      Object.entries(g.clients).map(([name, c]) => [
        name,
        {
          rpm: c.rpm,
          tpm: c.tpm,
          maxParallelRequests: c.maxParallelRequests,
          maxBudget: c.maxBudget,
          budgetDuration: c.budgetDuration,
          models: c.models,
          maxTokens: c.maxTokens,
        },
      ]),
    ),
    providerEnv: providerCredentials(config.providers).map((c) => c.env),
    providerSecretName: names.providerKeys,
    // The dev workstation's vLLM asks for the key it was started with (the provider entry reads it from env).
    ...(workstationApiKey ? { extraSecretEnv: { [WORKSTATION_API_KEY_ENV]: workstationApiKey } } : {}),
    // Prometheus scrapes LiteLLM with a key that may read only /metrics (docs/observability.md).
    metrics: config.monitoring?.gateway.litellmMetrics ?? false,
    // The edge answers CORS (edge.cors); LiteLLM answers none, or browsers would get two answers.
    corsOrigins: [],
    postgres: {
      image: g.postgres.image,
      resources: quantities(g.postgres.resources),
      storage: {
        size: String(config.storage.postgres.size),
        storageClass: config.storage.postgres.storageClass,
        backupTier: config.storage.postgres.backupTier,
      },
    },
    backups: {
      schedule: backup.schedule,
      retain: backup.retain,
      volume: backup.s3
        ? undefined
        : { size: String(backup.size), storageClass: config.storage.backups.storageClass, backupTier: config.storage.backups.backupTier },
      s3: backup.s3 ? s3Bucket(backup.s3, names.backupCredentials) : undefined,
    },
    redis: { image: g.redis.image, resources: quantities(g.redis.resources) },
    curlImage: config.images.curl,
    backupTierLabel: config.storage.backupTierLabel,
    rotation: {
      ...g.rotation,
      clients: Object.fromEntries(Object.entries(g.clients).map(([name, c]) => [name, c.rotation])),
    },
    protect: config.platform.protectStatefulData,
    retainOnDelete: config.platform.retainStatefulData,
  };
}

/**
 * Expiry of a Qdrant client token: tokens are issued per calendar month (UTC), each valid `validFor`
 * from the month's start. Every deploy in a month signs the same token; the first deploy of the next
 * month issues a new one while the old stays valid (validFor is at least 32 days).
 */
export function qdrantTokenExpiry(validFor: string, now: Date): number {
  const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1) / 1000;
  return monthStart + litellmDurationSeconds(validFor)!;
}

/** How long the metrics scraper's Qdrant token is valid from the month it is issued in (re-signed on every deploy of a later month). */
export const METRICS_TOKEN_VALID_FOR = "90d";

/** QdrantStore args from the stack config. */
export function qdrantArgs(config: PlatformConfig, vectorSize: number, now: Date = new Date()): QdrantStoreArgs {
  const q = config.qdrant;
  const names = qdrantStoreNames(COMPONENTS.qdrant);
  return {
    namespace: config.namespaces.data,
    image: q.image,
    resources: quantities(q.resources),
    collection: { name: q.collection.name, distance: q.collection.distance, vectorSize },
    storage: { size: String(config.storage.qdrant.size), storageClass: config.storage.qdrant.storageClass, backupTier: config.storage.qdrant.backupTier },
    snapshots: {
      schedule: q.snapshotSchedule,
      retain: q.snapshotRetain,
      stagingSize: String(q.snapshotStorage),
      volume: q.backup.s3
        ? undefined
        : { size: String(q.backup.size), storageClass: config.storage.backups.storageClass, backupTier: config.storage.backups.backupTier },
      s3: q.backup.s3 ? s3Bucket(q.backup.s3, names.backupCredentials) : undefined,
    },
    clients: Object.fromEntries(Object.entries(q.clients).map(([name, c]) => [name, { access: c.access, expiresAt: qdrantTokenExpiry(c.validFor, now) }])),
    // Prometheus reads Qdrant's /metrics with its own read-only token, never the API key.
    ...(config.monitoring ? { metricsReader: { expiresAt: qdrantTokenExpiry(METRICS_TOKEN_VALID_FOR, now) } } : {}),
    curlImage: config.images.curl,
    backupTierLabel: config.storage.backupTierLabel,
    apiKeyRotation: q.rotation.apiKey,
    protect: config.platform.protectStatefulData,
    retainOnDelete: config.platform.retainStatefulData,
  };
}

/**
 * Every Secret the stack's Bitwarden store fills: the provider keys (gateway namespace), the backup
 * buckets' credentials, and any `extra` a caller asks for (e.g. a gated model's token for inference).
 */
export function bitwardenSecretSpecs(config: PlatformConfig, extra: ExternalSecretSpec[] = []): ExternalSecretSpec[] {
  const specs: ExternalSecretSpec[] = [];
  const credentials = providerCredentials(config.providers);
  if (credentials.length > 0) {
    specs.push({
      namespace: config.namespaces.gateway,
      secretName: liteLLMGatewayNames(COMPONENTS.gateway).providerKeys,
      data: credentials.map((c) => ({ secretKey: c.env, bitwardenSecret: c.bitwardenSecret })),
    });
  }
  const pgS3 = config.gateway.postgres.backup.s3;
  if (pgS3) specs.push(s3Secret(pgS3, config.namespaces.gateway, liteLLMGatewayNames(COMPONENTS.gateway).backupCredentials));
  const qS3 = config.qdrant.backup.s3;
  if (qS3) specs.push(s3Secret(qS3, config.namespaces.data, qdrantStoreNames(COMPONENTS.qdrant).backupCredentials));
  return [...specs, ...extra];
}

/** BitwardenSecrets args, or undefined when the stack has no Bitwarden project. */
export function bitwardenArgs(config: PlatformConfig, sdkServerUrl: pulumi.Input<string>, extra: ExternalSecretSpec[] = []): BitwardenSecretsArgs | undefined {
  const bw = config.externalSecrets.bitwarden;
  if (!bw) return undefined;
  return {
    namespace: config.namespaces.externalSecrets,
    sdkServerUrl,
    bitwarden: bw,
    refreshInterval: config.externalSecrets.refreshInterval,
    secrets: bitwardenSecretSpecs(config, extra),
  };
}

/** Warnings (with the `pulumi config set --secret` fix) for credentials written in plain text in the stack file. */
export function credentialWarnings(all: Record<string, string> = pulumi.runtime.allConfig()): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- an internal module of @pulumi/pulumi (isConfigSecret) without typings of its own
  const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret?: (key: string) => boolean };
  const isSecret = (key: string) => runtimeConfig.isConfigSecret?.(key) ?? false;
  return plainTextCredentialWarnings(fromPulumiConfig(all), isSecret).map((w) => `${w.path}: ${w.message}`);
}

export interface GatewayLayer {
  gateway: LiteLLMGateway;
  qdrant: QdrantStore;
  /** Absent without a Bitwarden project. */
  secrets?: BitwardenSecrets;
}

export interface GatewayLayerOptions {
  /** Further Secrets other layers need from Bitwarden (their namespaces are added to the store's). */
  extraSecrets?: ExternalSecretSpec[];
  /** The clock Qdrant token expiries are computed from. */
  now?: Date;
  /** The API key of the dev workstation's vLLM, when the gateway sends requests there. */
  workstationApiKey?: pulumi.Input<string>;
  /** The stack's Kubernetes provider (platform/provider.ts): the components' children inherit it. */
  provider?: pulumi.ProviderResource;
}

export function deployGatewayAndData(
  config: PlatformConfig,
  servers: PlannedServer[],
  namespaces: { gateway: pulumi.Resource; data: pulumi.Resource },
  vectorSize: number,
  addons: ClusterAddons,
  options: GatewayLayerOptions = {},
): GatewayLayer {
  for (const warning of credentialWarnings()) pulumi.log.warn(warning);
  const bitwarden = bitwardenArgs(config, addons.bitwardenSdkServerUrl, options.extraSecrets);
  const provider = options.provider ? { provider: options.provider } : {};
  // Its ClusterSecretStore is cluster-scoped: a stack in a shared cluster names it after itself.
  const secretsName = config.cluster.shared ? stackScopedName(config.platform.environment, COMPONENTS.secrets) : COMPONENTS.secrets;
  const secrets = bitwarden
    ? new BitwardenSecrets(secretsName, bitwarden, { ...provider, dependsOn: [addons, namespaces.gateway, namespaces.data] })
    : undefined;
  const gateway = new LiteLLMGateway(COMPONENTS.gateway, gatewayArgs(config, servers, options.workstationApiKey), {
    ...provider,
    dependsOn: [namespaces.gateway, ...(secrets ? [secrets] : [])],
  });
  const qdrant = new QdrantStore(COMPONENTS.qdrant, qdrantArgs(config, vectorSize, options.now), {
    ...provider,
    dependsOn: [namespaces.data, ...(secrets ? [secrets] : [])],
  });
  return { gateway, qdrant, secrets };
}
