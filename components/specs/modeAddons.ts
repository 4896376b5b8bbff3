import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { deepMerge, type Plain } from "./merge";

/**
 * NVIDIA's DRA driver for GPUs, now kubernetes-sigs/dra-driver-nvidia-gpu, published as an OCI chart
 * (`helm install … oci://registry.k8s.io/dra-driver-nvidia/charts/dra-driver-nvidia-gpu --version 0.4.1`,
 * release notes of v0.4.1). It needs Kubernetes ≥ 1.32 with DRA enabled; resource.k8s.io/v1 (what
 * the program renders) is served from 1.34, where DRA is GA.
 */
export const DRA_DRIVER_CHART = { chart: "dra-driver-nvidia-gpu", repository: "oci://registry.k8s.io/dra-driver-nvidia/charts", version: "0.4.1" } as const;

/** KEDA (kedacore/charts `keda`; chart versions follow KEDA's: 2.20.2 installs KEDA v2.20.2 and its CRDs). */
export const KEDA_CHART = { chart: "keda", repository: "https://kedacore.github.io/charts", version: "2.20.2" } as const;

export interface DraDriverValuesArgs {
  nodeSelector?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  tolerations?: pulumi.Input<pulumi.Input<k8s.types.input.core.v1.Toleration>[]>;
  /** `/` for a driver installed on the host; `/run/nvidia/driver` with the GPU Operator's driver container. */
  nvidiaDriverRoot?: string;
}

/**
 * Values of the DRA driver chart (v0.4.1 deployments/helm/dra-driver-nvidia-gpu/values.yaml):
 * - `resources.gpus.enabled` with `gpuResourcesEnabledOverride: true`: the chart refuses GPU
 *   allocation unless told the device plugin is not on the same nodes (templates/validation.yaml) —
 *   the program installs one or the other, never both;
 * - `resources.computeDomains.enabled: false`: ComputeDomains are for multi-node NVLink (GB200), not here;
 * - the kubelet plugin runs only on the GPU nodes (its own affinity already asks for NFD's NVIDIA PCI labels).
 */
export function draDriverValues(a: DraDriverValuesArgs, override?: Plain): Plain {
  return deepMerge(
    {
      nvidiaDriverRoot: a.nvidiaDriverRoot ?? "/",
      gpuResourcesEnabledOverride: true,
      resources: { gpus: { enabled: true }, computeDomains: { enabled: false } },
      kubeletPlugin: {
        ...(a.nodeSelector ? { nodeSelector: a.nodeSelector } : {}),
        ...(a.tolerations ? { tolerations: a.tolerations } : {}),
      },
    },
    override,
  );
}

/** KEDA's values: the chart's defaults (operator, metrics API server, admission webhooks, CRDs), plus the override. */
export function kedaValues(override?: Plain): Plain {
  return deepMerge({ crds: { install: true } }, override);
}
