import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config/schema";
import { VllmAdapter } from "../components/vllmAdapter";
import { gpuResourceName } from "../components/specs/devicePlugin";
import { volumeClaimSpec } from "../components/specs/storage";
import type { PlannedServer } from "./servers";

export const BASE_MODELS_CLAIM = "base-models";

export interface InferenceLayer {
  baseModels?: k8s.core.v1.PersistentVolumeClaim;
  servers: Record<string, VllmAdapter>;
}

/**
 * The GPU half of the platform: the shared RWX base-model volume (one download serves every server
 * and replica) and one VllmAdapter per server, after the device plugin (ClusterAddons) is up.
 */
export function deployInference(
  config: PlatformConfig,
  servers: PlannedServer[],
  namespaces: { inference: pulumi.Resource },
  addons: pulumi.Resource,
): InferenceLayer {
  if (servers.length === 0) return { servers: {} };

  const protect = config.platform.protectStatefulData;
  const baseModels = new k8s.core.v1.PersistentVolumeClaim(
    "base-models",
    volumeClaimSpec({
      name: BASE_MODELS_CLAIM,
      namespace: config.namespaces.inference,
      size: String(config.storage.baseModels.size),
      storageClass: config.storage.baseModels.storageClass,
      // Every server and replica mounts the same Hugging Face cache, on any node.
      accessMode: "ReadWriteMany",
      backupTier: config.storage.baseModels.backupTier,
      backupTierLabel: config.storage.backupTierLabel,
    }),
    { protect, retainOnDelete: protect, dependsOn: [namespaces.inference] },
  );

  const deployed: Record<string, VllmAdapter> = {};
  for (const server of servers) {
    deployed[server.name] = new VllmAdapter(
      server.name,
      {
        name: server.name,
        namespace: config.namespaces.inference,
        server: server.config,
        model: server.model,
        adapters: server.adapters,
        gpuMemoryUtilization: server.gpuMemoryUtilization,
        image: config.images.vllm,
        gpu: {
          resourceName: gpuResourceName(config.gpuSharing),
          nodeSelector: config.host.gpuNodeSelector,
          tolerations: config.host.gpuTolerations,
          allowTensorParallel: config.gpuSharing.mode === "none",
        },
        baseModelsClaim: BASE_MODELS_CLAIM,
        hfTokenSecret: config.huggingFace.tokenSecret,
        adapterVolume: {
          size: String(config.storage.adapters.size),
          storageClass: config.storage.adapters.storageClass,
          backupTier: config.storage.adapters.backupTier,
          backupTierLabel: config.storage.backupTierLabel,
        },
        protectVolumes: protect,
      },
      { dependsOn: [baseModels, addons] },
    );
  }
  return { baseModels, servers: deployed };
}
