/**
 * @llm-platform/components: reusable Pulumi components for a self-hosted LLM platform on Kubernetes.
 * Usable from TypeScript directly, or from any Pulumi language as a source-based plugin package
 * (`pulumi package add <path or repo>/components`; see PulumiPlugin.yaml).
 */
export { ClusterAddons } from "./clusterAddons";
export type { CertManagerAddon, ClusterAddonsArgs, DcgmExporterAddon, ExternalSecretsAddon, HstsSettings, IngressNginxAddon, KubePrometheusStackAddon, PrometheusStorage } from "./clusterAddons";
export { GpuTimeSlicing, GpuSharingMode } from "./gpuTimeSlicing";
export type { GpuTimeSlicingArgs, GpuTimeSlicingOverrides } from "./gpuTimeSlicing";
export { Observability } from "./observability";
export type {
  AlertThresholdArgs,
  CertificatesPlan,
  EdgePlan,
  EdgeRoutePlan,
  GatewayClientPlan,
  GatewayPlan,
  GpuCardPlan,
  GpuFleetPlan,
  MetricsEndpoint,
  ModelServerPlan,
  ObservabilityArgs,
  ObservabilityOverrides,
  SecretKeyReference,
  VectorStorePlan,
} from "./observability";
