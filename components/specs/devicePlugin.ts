import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { deepMerge, type Plain } from "./merge";

export const GPU_RESOURCE = "nvidia.com/gpu";
export const SHARED_GPU_RESOURCE = "nvidia.com/gpu.shared";
/** Name of the plugin config inside the chart's `config.map`. */
export const DEVICE_PLUGIN_CONFIG_NAME = "llm-platform";
export const DEVICE_PLUGIN_CHART = { repository: "https://nvidia.github.io/k8s-device-plugin", version: "0.17.4" };

/** How the device plugin shares each physical GPU (platform-facts: time-slicing and MPS exclude each other). */
export const GpuSharingMode = {
  /** Any `replicas` pods may share a card; no memory isolation. */
  TimeSlicing: "time-slicing",
  /** MPS: each of `replicas` clients is capped at card / replicas. */
  Mps: "mps",
  /** One pod per card. */
  None: "none",
} as const;
export type GpuSharingMode = (typeof GpuSharingMode)[keyof typeof GpuSharingMode];

export interface GpuSharing {
  mode: GpuSharingMode;
  /** Slices (time-slicing) or clients (MPS) per GPU; ignored for none. */
  replicas?: number;
  /** Time-slicing: advertise `nvidia.com/gpu.shared` instead of `nvidia.com/gpu`. */
  renameByDefault?: boolean;
}

export const DEFAULT_SHARING_REPLICAS = 4;

/** The extended resource GPU pods request under this sharing mode. */
export function gpuResourceName(sharing: GpuSharing): string {
  return sharing.mode === "time-slicing" && sharing.renameByDefault ? SHARED_GPU_RESOURCE : GPU_RESOURCE;
}

/** Schedulable slices each physical GPU advertises. */
export function slicesPerGpu(sharing: GpuSharing): number {
  return sharing.mode === "none" ? 1 : (sharing.replicas ?? DEFAULT_SHARING_REPLICAS);
}

/** The k8s-device-plugin config file (version v1) for the sharing mode. */
export function devicePluginConfig(sharing: GpuSharing): Plain {
  const base: Plain = { version: "v1", flags: { migStrategy: "none" } };
  const resources = [{ name: GPU_RESOURCE, replicas: slicesPerGpu(sharing) }];
  switch (sharing.mode) {
    case "none":
      return base;
    case "time-slicing":
      return {
        ...base,
        sharing: {
          timeSlicing: {
            renameByDefault: sharing.renameByDefault ?? false,
            // A pod asking for 2 slices would get 2 slices of possibly the same card: refuse it.
            failRequestsGreaterThanOne: true,
            resources,
          },
        },
      };
    case "mps":
      return { ...base, sharing: { mps: { renameByDefault: false, resources } } };
  }
}

export interface DevicePluginValuesArgs {
  sharing: GpuSharing;
  nodeSelector?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  tolerations?: pulumi.Input<pulumi.Input<k8s.types.input.core.v1.Toleration>[]>;
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
    ...(args.nodeSelector ? { nodeSelector: args.nodeSelector } : {}),
    ...(args.tolerations ? { tolerations: args.tolerations } : {}),
    // gpu-feature-discovery labels nodes with nvidia.com/gpu.product, .memory, .replicas and .sharing-strategy.
    gfd: { enabled: true },
    priorityClassName: "system-node-critical",
  };
  return deepMerge(values, args.valuesOverride);
}
