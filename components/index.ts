/**
 * @llm-platform/components: reusable Pulumi components for a self-hosted LLM platform on Kubernetes.
 * Usable from TypeScript directly, or from any Pulumi language as a source-based plugin package
 * (`pulumi package add <path or repo>/components`; see PulumiPlugin.yaml).
 */
export { ClusterAddons } from "./clusterAddons";
export type {
  CertManagerAddon,
  ClusterAddonsArgs,
  DcgmExporterAddon,
  DraDriverAddon,
  KedaAddon,
  ExternalSecretsAddon,
  HstsSettings,
  IngressNginxAddon,
  KubePrometheusStackAddon,
  NginxGatewayFabricAddon,
  PrometheusStorage,
} from "./clusterAddons";
export { GpuTimeSlicing, GpuSharingMode } from "./gpuTimeSlicing";
export type { GpuTimeSlicingArgs, GpuTimeSlicingOverrides } from "./gpuTimeSlicing";
export { GpuCardClaims } from "./gpuCardClaims";
export type { GpuCardClaimsArgs, GpuCardSpec } from "./gpuCardClaims";
export { ModelCache, CacheAccessMode } from "./modelCache";
export type { CachedModel, ModelCacheArgs, ModelCacheOverrides, ModelCacheVolume, SecretKeyReference } from "./modelCache";
export { VllmServer, RolloutStrategy } from "./vllmServer";
export type {
  LoraVolumeSettings,
  VllmGpu,
  VllmResourceList,
  VllmResources,
  VllmSchedule,
  VllmScheduleWindow,
  VllmServerArgs,
  VllmServerOverrides,
} from "./vllmServer";
/**
 * The seed's name for VllmServer (a server that hosts several adapters, not an adapter): kept so code
 * written against the seed keeps compiling. One class, so Pulumi's analyzer and other languages see
 * one component, VllmServer; stacks that recorded the old type token are aliased.
 */
export { VllmAdapter } from "./vllmAdapter";
export type { VllmAdapterArgs } from "./vllmAdapter";
export { WorkstationInference, WorkstationEngine } from "./workstationInference";
export type { WorkstationInferenceArgs, WorkstationInferenceOverrides } from "./workstationInference";
export { Observability, EdgeImplementation } from "./observability";
export type {
  AlertThresholdArgs,
  BearerTokenSecret,
  CertificatesPlan,
  EdgePlan,
  EdgeRoutePlan,
  GatewayAdapterPlan,
  GatewayClientPlan,
  GatewayPlan,
  GpuCardPlan,
  GpuFleetPlan,
  MetricsEndpoint,
  ModelServerPlan,
  ObservabilityArgs,
  ObservabilityOverrides,
  PodTarget,
  VectorStorePlan,
} from "./observability";
export { GatewayApiEdge } from "./gatewayApiEdge";
export type { GatewayApiEdgeArgs, GatewayApiEdgeOverrides } from "./gatewayApiEdge";
export { NginxIngressWithTls } from "./nginxIngressWithTls";
export type { NginxIngressWithTlsArgs, NginxIngressWithTlsOverrides } from "./nginxIngressWithTls";
export type { AcmeSettings, ApiKeyRateLimits, CorsSettings, EdgeRateLimits, EdgeRoute, EdgeService, EdgeTimeouts } from "./specs/edge";
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
export type { Collection, QdrantMetricsReader, QdrantReader, QdrantSnapshotArgs, QdrantStoreArgs, QdrantStoreOverrides } from "./qdrantStore";
export { BitwardenSecrets } from "./bitwardenSecrets";
export type { BitwardenProject, BitwardenSecretsArgs, ExternalSecretSpec } from "./bitwardenSecrets";
export { liteLLMGatewayNames, qdrantStoreNames, bitwardenStoreName } from "./specs/gatewayNames";
