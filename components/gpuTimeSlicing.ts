import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { withOverride, type ChildOverride } from "./specs/merge";
import {
  BUNDLED_NFD_VERSION,
  DEFAULT_SHARING_REPLICAS,
  DEVICE_PLUGIN_CHART,
  GpuSharingMode,
  devicePluginValues,
  gpuResourceName,
  nfdCrdsUrl,
  slicesPerGpu,
  type GpuSharing,
} from "./specs/devicePlugin";

export { GpuSharingMode } from "./specs/devicePlugin";

/** Per-child escape hatches: deep-merged into the child's args last. */
export interface GpuTimeSlicingOverrides {
  /** The device plugin's Helm release args. */
  release?: ChildOverride;
  /** The node-feature-discovery CRDs' ConfigFile args. */
  nfdCrds?: ChildOverride;
}

export interface GpuTimeSlicingArgs {
  /** Namespace of the device plugin; it mounts host paths, so it needs the privileged Pod Security level. */
  namespace: pulumi.Input<string>;
  /** How each GPU is shared: time-slicing (default), mps or none. */
  mode?: GpuSharingMode;
  /** Slices (time-slicing) or clients (MPS) per physical GPU; default 4. */
  replicas?: number;
  /** Time-slicing only: advertise `nvidia.com/gpu.shared` instead of `nvidia.com/gpu`. */
  renameByDefault?: boolean;
  /** nvidia-device-plugin chart version; default 0.17.4. */
  chartVersion?: pulumi.Input<string>;
  /** Chart repository; default https://nvidia.github.io/k8s-device-plugin. */
  chartRepository?: pulumi.Input<string>;
  /** Nodes that carry GPUs (the plugin's DaemonSet runs there). */
  nodeSelector?: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
  tolerations?: pulumi.Input<pulumi.Input<k8s.types.input.core.v1.Toleration>[]>;
  /**
   * node-feature-discovery release whose CRDs are applied before the chart (which then skips its own
   * `crds/`, which Helm would never upgrade); default: the one the chart version bundles (v0.15.3 for
   * 0.17.4). Required for other chart versions.
   */
  nfdVersion?: string;
  /** Chart values merged last. */
  valuesOverride?: { [key: string]: any };
  overrides?: GpuTimeSlicingOverrides;
}

/**
 * The NVIDIA k8s-device-plugin with its GPU sharing config (time-slicing, MPS or none), as a Helm
 * release named after the component. Exposes what GPU workloads need: the extended resource to
 * request and how many slices each card offers.
 */
export class GpuTimeSlicing extends pulumi.ComponentResource {
  /** Extended resource GPU pods put in their limits (`nvidia.com/gpu` or `nvidia.com/gpu.shared`). */
  public readonly resourceName: pulumi.Output<string>;
  /** Schedulable slices per physical GPU (1 without sharing). */
  public readonly slicesPerGpu: pulumi.Output<number>;
  public readonly sharingMode: pulumi.Output<string>;
  /** The Helm release's name. */
  public readonly releaseName: pulumi.Output<string>;

  constructor(name: string, args: GpuTimeSlicingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("llm-platform:index:GpuTimeSlicing", name, {}, { ...opts, aliases: [{ type: "llm-platform:gpu:GpuTimeSlicing" }, ...(opts?.aliases ?? [])] });
    const sharing: GpuSharing = {
      mode: args.mode ?? GpuSharingMode.TimeSlicing,
      replicas: args.replicas ?? DEFAULT_SHARING_REPLICAS,
      renameByDefault: args.renameByDefault ?? false,
    };
    const chartVersion = args.chartVersion ?? DEVICE_PLUGIN_CHART.version;
    const nfdVersion = args.nfdVersion ?? (typeof chartVersion === "string" ? BUNDLED_NFD_VERSION[chartVersion] : undefined);
    if (!nfdVersion) {
      throw new Error(
        `GpuTimeSlicing ${name}: set nfdVersion to the node-feature-discovery release chart ${String(chartVersion)} bundles (its Chart.yaml dependencies), so its CRDs are applied and upgraded with it`,
      );
    }
    const nfdCrds = new k8s.yaml.v2.ConfigFile(
      `${name}-nfd-crds`,
      withOverride({ file: nfdCrdsUrl(nfdVersion) } satisfies k8s.yaml.v2.ConfigFileArgs, args.overrides?.nfdCrds),
      { parent: this },
    );
    const release = new k8s.helm.v3.Release(
      `${name}-device-plugin`,
      withOverride(
        {
          name: `${name}-device-plugin`,
          chart: "nvidia-device-plugin",
          version: chartVersion,
          repositoryOpts: { repo: args.chartRepository ?? DEVICE_PLUGIN_CHART.repository },
          namespace: args.namespace,
          values: devicePluginValues({ sharing, nodeSelector: args.nodeSelector, tolerations: args.tolerations, valuesOverride: args.valuesOverride }),
          atomic: true,
          cleanupOnFail: true,
          // The bundled NFD's CRDs come from nfdCrds, applied (and upgraded) by Pulumi.
          skipCrds: true,
        } satisfies k8s.helm.v3.ReleaseArgs,
        args.overrides?.release,
      ),
      { parent: this, dependsOn: [nfdCrds] },
    );
    this.resourceName = pulumi.output(gpuResourceName(sharing));
    this.slicesPerGpu = pulumi.output(slicesPerGpu(sharing));
    this.sharingMode = pulumi.output(sharing.mode);
    this.releaseName = release.name;
    this.registerOutputs({ resourceName: this.resourceName, slicesPerGpu: this.slicesPerGpu, sharingMode: this.sharingMode, releaseName: this.releaseName });
  }
}
