/**
 * @llm-platform/components: reusable Pulumi components for a self-hosted LLM platform on Kubernetes.
 * Usable from TypeScript directly, or from any Pulumi language as a source-based plugin package
 * (`pulumi package add <path or repo>/components`; see PulumiPlugin.yaml).
 */
export { ClusterAddons } from "./clusterAddons";
export type { CertManagerAddon, ClusterAddonsArgs, ExternalSecretsAddon, HstsSettings, IngressNginxAddon } from "./clusterAddons";
export { GpuTimeSlicing, GpuSharingMode } from "./gpuTimeSlicing";
export type { GpuTimeSlicingArgs, GpuTimeSlicingOverrides } from "./gpuTimeSlicing";
