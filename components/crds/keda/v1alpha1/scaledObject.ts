// ScaledObject (keda.sh/v1alpha1), in crd2pulumi's layout: `__pulumiType` and `isInstance` let policies and mocks
// recognise it. Hand-written from the KEDA v2.20.2 CRD config/crd/bases/keda.sh_scaledobjects.yaml
// because crd2pulumi cannot be installed here; scripts/regen-crds.sh regenerates it where it can.
import * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import type { input as inputs, output as outputs } from "../../types";

export interface ScaledObjectArgs {
  metadata?: pulumi.Input<k8s.types.input.meta.v1.ObjectMeta>;
  spec?: pulumi.Input<inputs.keda.v1alpha1.ScaledObjectSpecArgs>;
}

export class ScaledObject extends pulumi.CustomResource {
  /** Gets an existing ScaledObject by name and ID (`namespace/name`). */
  public static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): ScaledObject {
    return new ScaledObject(name, undefined, { ...opts, id });
  }

  /** @internal */
  public static readonly __pulumiType = "kubernetes:keda.sh/v1alpha1:ScaledObject";

  /** Whether `obj` is a ScaledObject, even across multiple copies of this module. */
  public static isInstance(obj: unknown): obj is ScaledObject {
    if (obj === undefined || obj === null) return false;
    return (obj as { __pulumiType?: string })["__pulumiType"] === ScaledObject.__pulumiType;
  }

  public readonly apiVersion!: pulumi.Output<"keda.sh/v1alpha1">;
  public readonly kind!: pulumi.Output<"ScaledObject">;
  public readonly metadata!: pulumi.Output<k8s.types.output.meta.v1.ObjectMeta>;
  public readonly spec!: pulumi.Output<inputs.keda.v1alpha1.ScaledObjectSpecArgs>;
  public readonly status!: pulumi.Output<outputs.keda.v1alpha1.ScaledObjectStatus>;

  constructor(name: string, args?: ScaledObjectArgs, opts?: pulumi.CustomResourceOptions) {
    const resourceInputs: pulumi.Inputs = {};
    if (!opts?.id) {
      resourceInputs["apiVersion"] = "keda.sh/v1alpha1";
      resourceInputs["kind"] = "ScaledObject";
      resourceInputs["metadata"] = args?.metadata;
      resourceInputs["spec"] = args?.spec;
      resourceInputs["status"] = undefined;
    } else {
      for (const key of ["apiVersion", "kind", "metadata", "spec", "status"]) resourceInputs[key] = undefined;
    }
    super(ScaledObject.__pulumiType, name, resourceInputs, opts);
  }
}
