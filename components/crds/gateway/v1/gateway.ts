// Gateway (gateway.networking.k8s.io/v1), in crd2pulumi's layout: `__pulumiType` and `isInstance` let policies and mocks
// recognise it. Hand-written from the Gateway API v1.5.1 (standard channel) CRD gateway.networking.k8s.io_gateways.yaml
// because crd2pulumi cannot be installed here; scripts/regen-crds.sh regenerates it where it can.
import * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import type { input as inputs, output as outputs } from "../../types";

export interface GatewayArgs {
  metadata?: pulumi.Input<k8s.types.input.meta.v1.ObjectMeta>;
  spec?: pulumi.Input<inputs.gateway.v1.GatewaySpecArgs>;
}

export class Gateway extends pulumi.CustomResource {
  /** Gets an existing Gateway by name and ID (`namespace/name`). */
  public static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): Gateway {
    return new Gateway(name, undefined, { ...opts, id });
  }

  /** @internal */
  public static readonly __pulumiType = "kubernetes:gateway.networking.k8s.io/v1:Gateway";

  /** Whether `obj` is a Gateway, even across multiple copies of this module. */
  public static isInstance(obj: unknown): obj is Gateway {
    if (obj === undefined || obj === null) return false;
    return (obj as { __pulumiType?: string })["__pulumiType"] === Gateway.__pulumiType;
  }

  public readonly apiVersion!: pulumi.Output<"gateway.networking.k8s.io/v1">;
  public readonly kind!: pulumi.Output<"Gateway">;
  public readonly metadata!: pulumi.Output<k8s.types.output.meta.v1.ObjectMeta>;
  public readonly spec!: pulumi.Output<inputs.gateway.v1.GatewaySpecArgs>;
  public readonly status!: pulumi.Output<outputs.gateway.v1.GatewayStatus>;

  constructor(name: string, args?: GatewayArgs, opts?: pulumi.CustomResourceOptions) {
    const resourceInputs: pulumi.Inputs = {};
    if (!opts?.id) {
      resourceInputs["apiVersion"] = "gateway.networking.k8s.io/v1";
      resourceInputs["kind"] = "Gateway";
      resourceInputs["metadata"] = args?.metadata;
      resourceInputs["spec"] = args?.spec;
      resourceInputs["status"] = undefined;
    } else {
      for (const key of ["apiVersion", "kind", "metadata", "spec", "status"]) resourceInputs[key] = undefined;
    }
    super(Gateway.__pulumiType, name, resourceInputs, opts);
  }
}
