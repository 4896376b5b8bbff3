import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { GpuSharingConfig } from "../config/schema";
import { devicePluginValues, gpuResourceName, slicesPerGpu } from "./specs/devicePlugin";
import { applyOverride, type Overrides, type Plain } from "./specs/merge";

export interface GpuTimeSlicingArgs {
  /** Namespace for the device plugin (it needs the privileged Pod Security level). */
  namespace: pulumi.Input<string>;
  chart: { repo: string; version: string };
  sharing: GpuSharingConfig;
  /** Nodes that carry GPUs. */
  nodeSelector: Record<string, string>;
  tolerations: k8s.types.input.core.v1.Toleration[];
  /** Chart values merged last. */
  valuesOverride?: Plain;
  overrides?: Overrides<{ release: k8s.helm.v3.ReleaseArgs }>;
}

/**
 * The NVIDIA k8s-device-plugin with its GPU sharing config (time-slicing, MPS or none).
 * Exposes what GPU workloads need: the resource name to request and how many slices a card offers.
 */
export class GpuTimeSlicing extends pulumi.ComponentResource {
  public readonly release: k8s.helm.v3.Release;
  /** Extended resource GPU pods put in their limits. */
  public readonly resourceName: string;
  public readonly slicesPerGpu: number;
  public readonly sharingMode: GpuSharingConfig["mode"];

  constructor(name: string, args: GpuTimeSlicingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("llm-platform:gpu:GpuTimeSlicing", name, {}, opts);
    this.resourceName = gpuResourceName(args.sharing);
    this.slicesPerGpu = slicesPerGpu(args.sharing);
    this.sharingMode = args.sharing.mode;

    const releaseArgs: k8s.helm.v3.ReleaseArgs = {
      name: "nvidia-device-plugin",
      chart: "nvidia-device-plugin",
      version: args.chart.version,
      repositoryOpts: { repo: args.chart.repo },
      namespace: args.namespace,
      values: devicePluginValues(args),
      atomic: true,
      cleanupOnFail: true,
    };
    this.release = new k8s.helm.v3.Release(`${name}-device-plugin`, applyOverride(args.overrides, "release", releaseArgs), {
      parent: this,
    });

    this.registerOutputs({
      release: this.release.status,
      resourceName: this.resourceName,
      slicesPerGpu: this.slicesPerGpu,
      sharingMode: this.sharingMode,
    });
  }
}
