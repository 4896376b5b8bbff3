/**
 * @llm-platform/components: reusable Pulumi components for a self-hosted LLM platform on Kubernetes.
 * Usable from TypeScript directly, or from any Pulumi language as a source-based plugin package
 * (`pulumi package add <path or repo>/components`; see PulumiPlugin.yaml).
 */
export { ClusterAddons } from "./clusterAddons";
export type { CertManagerAddon, ClusterAddonsArgs, ExternalSecretsAddon, HstsSettings, IngressNginxAddon } from "./clusterAddons";
export { GpuTimeSlicing, GpuSharingMode } from "./gpuTimeSlicing";
export type { GpuTimeSlicingArgs, GpuTimeSlicingOverrides } from "./gpuTimeSlicing";
export { LiteLLMGateway, ModelMode, BackupTier, DEFAULT_LITELLM_IMAGE } from "./liteLLMGateway";
export type {
  GatewayBackupArgs,
  GatewayClient,
  GatewayModel,
  GatewayPostgresArgs,
  GatewayRedisArgs,
  GatewayRequestLimits,
  GatewayRotation,
  LiteLLMGatewayArgs,
  LiteLLMGatewayOverrides,
  ResourceQuantities,
  S3BucketArgs,
  VolumeArgs,
} from "./liteLLMGateway";
export { QdrantStore, QdrantAccess, Distance, DEFAULT_QDRANT_IMAGE } from "./qdrantStore";
export type { Collection, QdrantReader, QdrantSnapshotArgs, QdrantStoreArgs, QdrantStoreOverrides } from "./qdrantStore";
export { BitwardenSecrets } from "./bitwardenSecrets";
export type { BitwardenProject, BitwardenSecretsArgs, ExternalSecretSpec } from "./bitwardenSecrets";
export { liteLLMGatewayNames, qdrantStoreNames, bitwardenStoreName } from "./specs/gatewayNames";
