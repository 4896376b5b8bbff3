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

/**
 * Node Feature Discovery (kubernetes-sigs/node-feature-discovery `deployment/helm/node-feature-discovery`),
 * from the repository its docs name for stable releases (docs/deployment/helm.md at v0.19.0; the same
 * chart is also published as `oci://registry.k8s.io/nfd/charts/node-feature-discovery`). Chart versions
 * equal the NFD release without its `v` (the repository's index.yaml: 0.19.0 is appVersion v0.19.0).
 */
export const NFD_CHART = {
  chart: "node-feature-discovery",
  repository: "https://kubernetes-sigs.github.io/node-feature-discovery/charts",
  version: "0.19.0",
} as const;

/**
 * NFD's CRDs (NodeFeature, NodeFeatureGroup, NodeFeatureRule in nfd.k8s-sigs.io) as a release publishes
 * them; at v0.19.0 the file is the chart's own `crds/nfd-api-crds.yaml`, byte for byte. Applied by
 * Pulumi before the chart, which skips its `crds/` (Helm installs those once and never upgrades them).
 */
export function nfdReleaseCrdsUrl(chartVersion: string): string {
  return `https://raw.githubusercontent.com/kubernetes-sigs/node-feature-discovery/v${chartVersion.replace(/^v/, "")}/deployment/base/nfd-crds/nfd-api-crds.yaml`;
}

/** NVIDIA's PCI vendor ID: with `deviceLabelFields: [vendor]` NFD labels GPU nodes `feature.node.kubernetes.io/pci-10de.present=true`. */
export const NVIDIA_PCI_VENDOR = "10de";

export interface NodeFeatureDiscoveryValuesArgs {
  /** Tolerations of the worker DaemonSet: it must run on the (tainted) GPU nodes it labels. */
  workerTolerations?: pulumi.Input<pulumi.Input<k8s.types.input.core.v1.Toleration>[]>;
}

/**
 * Values of the NFD chart (v0.19.0 values.yaml, templates/worker.yaml, source/pci/pci.go). Since v0.17
 * there is no master↔worker gRPC: each worker writes a NodeFeature object through the API server, the
 * master turns it into node labels, gc removes the objects of deleted nodes — every pod talks only to
 * the API server. The worker publishes only PCI labels, for display controllers (classes 0300 VGA,
 * 0302 3D — NVIDIA's GPUs are one or the other), named by vendor alone: `pci-10de.present`, what
 * `host.gpuNodeSelector` defaults to, what the device plugin's NFD subchart produces, and the first term
 * of the DRA driver's kubelet-plugin affinity. NFD's defaults (every source, `[class, vendor]`) would
 * label `pci-0302_10de.present` instead, which nothing here selects on.
 */
export function nodeFeatureDiscoveryValues(a: NodeFeatureDiscoveryValuesArgs, override?: Plain): Plain {
  return deepMerge(
    {
      worker: {
        config: {
          core: { featureSources: ["pci"], labelSources: ["pci"] },
          sources: { pci: { deviceClassWhitelist: ["0300", "0302"], deviceLabelFields: ["vendor"] } },
        },
        ...(a.workerTolerations ? { tolerations: a.workerTolerations } : {}),
      },
    },
    override,
  );
}

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
