import type * as k8s from "@pulumi/kubernetes";
import { stringify } from "yaml";
import type { GpuSharingConfig } from "../../config/schema";
import { deepMerge, type Plain } from "./merge";

export const GPU_RESOURCE = "nvidia.com/gpu";
export const SHARED_GPU_RESOURCE = "nvidia.com/gpu.shared";
/** Name of the plugin config inside the chart's `config.map`. */
export const DEVICE_PLUGIN_CONFIG_NAME = "llm-platform";

/** The extended resource GPU pods request under this sharing mode. */
export function gpuResourceName(sharing: GpuSharingConfig): string {
  return sharing.mode === "time-slicing" && sharing.renameByDefault ? SHARED_GPU_RESOURCE : GPU_RESOURCE;
}

/** Schedulable slices each physical GPU advertises. */
export function slicesPerGpu(sharing: GpuSharingConfig): number {
  return sharing.mode === "none" ? 1 : sharing.replicas;
}

/** The k8s-device-plugin config file (version v1) for the sharing mode. */
export function devicePluginConfig(sharing: GpuSharingConfig): Plain {
  const base: Plain = { version: "v1", flags: { migStrategy: "none" } };
  switch (sharing.mode) {
    case "none":
      return base;
    case "time-slicing":
      return {
        ...base,
        sharing: {
          timeSlicing: {
            renameByDefault: sharing.renameByDefault,
            // A pod asking for 2 slices would get 2 slices of possibly the same card: refuse it.
            failRequestsGreaterThanOne: true,
            resources: [{ name: GPU_RESOURCE, replicas: sharing.replicas }],
          },
        },
      };
    case "mps":
      return {
        ...base,
        sharing: { mps: { renameByDefault: false, resources: [{ name: GPU_RESOURCE, replicas: sharing.replicas }] } },
      };
  }
}

export interface DevicePluginValuesArgs {
  sharing: GpuSharingConfig;
  nodeSelector: Record<string, string>;
  tolerations: k8s.types.input.core.v1.Toleration[];
  /** Merged last into the chart values. */
  valuesOverride?: Plain;
}

/** Values for the nvidia-device-plugin Helm chart. */
export function devicePluginValues(args: DevicePluginValuesArgs): Plain {
  const values: Plain = {
    config: {
      map: { [DEVICE_PLUGIN_CONFIG_NAME]: stringify(devicePluginConfig(args.sharing)) },
      default: DEVICE_PLUGIN_CONFIG_NAME,
    },
    nodeSelector: args.nodeSelector,
    tolerations: args.tolerations,
    // gpu-feature-discovery labels nodes with nvidia.com/gpu.product, .memory, .replicas and .sharing-strategy.
    gfd: { enabled: true },
    priorityClassName: "system-node-critical",
  };
  return deepMerge(values, args.valuesOverride);
}
