// HTTPRoute (gateway.networking.k8s.io/v1), in crd2pulumi's layout: `__pulumiType` and `isInstance` let policies and mocks
// recognise it. Hand-written from the Gateway API v1.5.1 (standard channel) CRD gateway.networking.k8s.io_httproutes.yaml
// because crd2pulumi cannot be installed here; scripts/regen-crds.sh regenerates it where it can.
import * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import type { input as inputs, output as outputs } from "../../types";

export interface HTTPRouteArgs {
  metadata?: pulumi.Input<k8s.types.input.meta.v1.ObjectMeta>;
  spec?: pulumi.Input<inputs.gateway.v1.HTTPRouteSpecArgs>;
}

export class HTTPRoute extends pulumi.CustomResource {
  /** Gets an existing HTTPRoute by name and ID (`namespace/name`). */
  public static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): HTTPRoute {
    return new HTTPRoute(name, undefined, { ...opts, id });
  }

  /** @internal */
  public static readonly __pulumiType = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute";

  /** Whether `obj` is a HTTPRoute, even across multiple copies of this module. */
  public static isInstance(obj: unknown): obj is HTTPRoute {
    if (obj === undefined || obj === null) return false;
    return (obj as { __pulumiType?: string })["__pulumiType"] === HTTPRoute.__pulumiType;
  }

  public readonly apiVersion!: pulumi.Output<"gateway.networking.k8s.io/v1">;
  public readonly kind!: pulumi.Output<"HTTPRoute">;
  public readonly metadata!: pulumi.Output<k8s.types.output.meta.v1.ObjectMeta>;
  public readonly spec!: pulumi.Output<inputs.gateway.v1.HTTPRouteSpecArgs>;
  public readonly status!: pulumi.Output<outputs.gateway.v1.RouteStatus>;

  constructor(name: string, args?: HTTPRouteArgs, opts?: pulumi.CustomResourceOptions) {
    const resourceInputs: pulumi.Inputs = {};
    if (!opts?.id) {
      resourceInputs["apiVersion"] = "gateway.networking.k8s.io/v1";
      resourceInputs["kind"] = "HTTPRoute";
      resourceInputs["metadata"] = args?.metadata;
      resourceInputs["spec"] = args?.spec;
      resourceInputs["status"] = undefined;
    } else {
      for (const key of ["apiVersion", "kind", "metadata", "spec", "status"]) resourceInputs[key] = undefined;
    }
    super(HTTPRoute.__pulumiType, name, resourceInputs, opts);
  }
}
