/**
 * One ResourceClaim (resource.k8s.io/v1) per physical GPU, for NVIDIA's DRA driver
 * (kubernetes-sigs/dra-driver-nvidia-gpu v0.4.1). Every pod placed on a card references that card's
 * claim by name (`spec.resourceClaims[].resourceClaimName`), so they share the one device the claim
 * was allocated — the driver's documented way to share a GPU between pods (demo/specs/quickstart
 * gpu-test3: two pods, one ResourceClaim). Sharing needs no feature gate: the processes share the card
 * in CUDA's default compute mode; the driver's TimeSlicingSettings and MPSSupport gates (alpha, off by
 * default in v0.4.1) only configure it.
 *
 * A claim selects its device by attributes (CEL): the driver (`gpu.nvidia.com`) and the product name
 * NVML reports (`productName`, v0.4.1 cmd/gpu-kubelet-plugin/nvlib.go: `device.GetName()`), compared
 * as GFD labels it — spaces as dashes — because NVML names can hold dashes of their own
 * ("NVIDIA A100-SXM4-80GB" is labelled NVIDIA-A100-SXM4-80GB). `replace` is CEL's strings extension,
 * part of the Kubernetes base CEL environment that DRA selectors compile in (1.29+). v0.4.1 publishes no index attribute,
 * and the scheduler never gives one device to two claims, so the claims of a node's N identical cards
 * land on N distinct cards: `gpuK` in the plan is "the K-th claim on the node", and identical cards are
 * interchangeable. The node is fixed by the pods' node selector (`kubernetes.io/hostname`): a claim is
 * allocated on the node of the first pod scheduled with it, and every later pod follows it there.
 */
export interface GpuCardSpec {
  /** `<node>/gpu<index>`. */
  card: string;
  node: string;
  index: number;
  /** The `nvidia.com/gpu.product` label (`NVIDIA-GeForce-RTX-3080`). */
  product: string;
}

export const GPU_DEVICE_CLASS = "gpu.nvidia.com";
/** Labels the policy pack reads to know which card a claim stands for. */
export const CARD_LABELS = { node: "llm-platform.io/gpu-node", index: "llm-platform.io/gpu-index" } as const;

/** The `nvidia.com/gpu.product` label a card is selected by: GFD's label is the NVML name with spaces as dashes (a time-slicing `-SHARED` suffix dropped). */
export function productLabel(product: string): string {
  return product.replace(/-SHARED$/i, "");
}

/** The CEL selector of a card's product: the driver's `productName` written as GFD's label. */
export function productSelector(product: string): string {
  return `device.attributes["gpu.nvidia.com"].productName.replace(" ", "-") == ${JSON.stringify(productLabel(product))}`;
}

export function gpuClaimName(component: string, card: Pick<GpuCardSpec, "node" | "index">): string {
  return `${component}-${card.node}-gpu${card.index}`;
}

export function gpuClaimSpec(component: string, namespace: string, card: GpuCardSpec, deviceClassName: string = GPU_DEVICE_CLASS): Record<string, any> {
  return {
    apiVersion: "resource.k8s.io/v1",
    kind: "ResourceClaim",
    metadata: {
      name: gpuClaimName(component, card),
      namespace,
      labels: {
        "app.kubernetes.io/part-of": "llm-platform",
        "app.kubernetes.io/component": "gpu",
        [CARD_LABELS.node]: card.node,
        [CARD_LABELS.index]: String(card.index),
      },
    },
    spec: {
      devices: {
        requests: [
          {
            name: "gpu",
            exactly: {
              deviceClassName,
              allocationMode: "ExactCount",
              count: 1,
              selectors: [{ cel: { expression: productSelector(card.product) } }],
            },
          },
        ],
      },
    },
  };
}
