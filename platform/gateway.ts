import type * as pulumi from "@pulumi/pulumi";
import { lookupModel } from "@llm-platform/capacity";
import { ConfigError, keyPath } from "../config/load";
import type { AdapterConfig, PlatformConfig } from "../config/schema";
import { BitwardenSecrets } from "../components/bitwardenSecrets";
import type { ClusterAddons } from "../components/clusterAddons";
import { LiteLLMGateway } from "../components/liteLLMGateway";
import { QdrantStore } from "../components/qdrantStore";
import { GATEWAY_SECRETS } from "../components/specs/gatewayWorkloads";
import type { GatewayModel } from "../components/specs/litellmConfig";
import { configuredProviders, providerCredentials } from "../config/providers";
import { providerModel } from "./providers";
import { vllmBaseUrl } from "../components/specs/vllm";
import { workstationBaseUrl } from "../components/specs/workstation";
import type { PlannedServer } from "./servers";

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
        model: `hosted_vllm/${name}`,
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
  for (const name of configuredProviders(config.providers)) models.push(providerModel(config.providers, name, name, workstationUrl));
  const firstLocal = models.find((m) => m.mode === "chat" && m.model.startsWith("hosted_vllm/") && m.apiBase?.includes(".svc.cluster.local"));
  if (provider !== "cluster") models.push(providerModel(config.providers, provider, "default", workstationUrl));
  else if (firstLocal) models.push({ ...firstLocal, name: "default" });
  return models;
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

export interface GatewayLayer {
  gateway: LiteLLMGateway;
  qdrant: QdrantStore;
  secrets: BitwardenSecrets;
}

export function deployGatewayAndData(
  config: PlatformConfig,
  servers: PlannedServer[],
  namespaces: { gateway: pulumi.Resource; data: pulumi.Resource },
  vectorSize: number,
  addons: ClusterAddons,
): GatewayLayer {
  const protect = config.platform.protectStatefulData;
  const credentials = providerCredentials(config.providers);
  const secrets = new BitwardenSecrets(
    "secrets",
    {
      namespace: config.namespaces.externalSecrets,
      sdkServerUrl: addons.bitwardenSdkServerUrl,
      settings: config.externalSecrets,
      target: { namespace: config.namespaces.gateway, secretName: GATEWAY_SECRETS.providers },
      credentials,
    },
    { dependsOn: [addons, namespaces.gateway] },
  );
  const gateway = new LiteLLMGateway(
    "gateway",
    {
      namespace: config.namespaces.gateway,
      settings: config.gateway,
      models: gatewayModels(config, servers),
      providerEnv: credentials.map((c) => c.env),
      curlImage: config.images.curl,
      database: { storageClass: config.storage.qdrant.storageClass, backupTier: "gfs", backupTierLabel: config.storage.backupTierLabel, protect },
    },
    { dependsOn: [namespaces.gateway, secrets] },
  );
  const qdrant = new QdrantStore(
    "qdrant",
    {
      namespace: config.namespaces.data,
      settings: config.qdrant,
      collection: { name: config.qdrant.collection.name, distance: config.qdrant.collection.distance, vectorSize },
      storage: {
        size: String(config.storage.qdrant.size),
        storageClass: config.storage.qdrant.storageClass,
        backupTier: config.storage.qdrant.backupTier,
        backupTierLabel: config.storage.backupTierLabel,
      },
      protect,
      curlImage: config.images.curl,
    },
    { dependsOn: [namespaces.data] },
  );
  return { gateway, qdrant, secrets };
}
