import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { GPU_DEVICE_CLASS, gpuClaimName, gpuClaimSpec, type GpuCardSpec } from "./specs/gpuClaims";
import { withOverride, type ChildOverride } from "./specs/merge";

export type { GpuCardSpec } from "./specs/gpuClaims";

export interface GpuCardClaimsArgs {
  /** Where the claims live: the namespace of the pods that share them. */
  namespace: string;
  /** One claim per card; plain, since it shapes the set of children. */
  cards: GpuCardSpec[];
  /** The DRA driver's DeviceClass; default `gpu.nvidia.com`. */
  deviceClassName?: string;
  /** Deep-merged into every claim's args. */
  claimOverride?: ChildOverride;
}

/**
 * One ResourceClaim per physical GPU (resource.k8s.io/v1, NVIDIA's DRA driver), shared by the pods
 * placed on that card: `<name>-<node>-gpu<i>`. Give GPU workloads `dependsOn` on it and on the DRA
 * driver (ClusterAddons' `draDriver`).
 */
export class GpuCardClaims extends pulumi.ComponentResource {
  /** Claim name per card (`<node>/gpu<i>` → ResourceClaim name). */
  public readonly claimNames: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: GpuCardClaimsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("llm-platform:index:GpuCardClaims", name, {}, opts);
    const names: Record<string, string> = {};
    for (const card of args.cards) {
      const spec = gpuClaimSpec(name, args.namespace, card, args.deviceClassName ?? GPU_DEVICE_CLASS);
      new k8s.resource.v1.ResourceClaim(
        `${name}-${card.node}-gpu${card.index}`,
        withOverride({ metadata: spec.metadata, spec: spec.spec }, args.claimOverride),
        { parent: this },
      );
      names[card.card] = gpuClaimName(name, card);
    }
    this.claimNames = pulumi.output(names);
    this.registerOutputs({ claimNames: this.claimNames });
  }
}
