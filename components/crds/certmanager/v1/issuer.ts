// Issuer (cert-manager.io/v1), in crd2pulumi's layout: `__pulumiType` and `isInstance` let policies and
// mocks recognise it. Hand-written from the cert-manager v1.21.1 CRD schema because crd2pulumi cannot be
// installed here; scripts/regen-crds.sh regenerates it where it can.
import * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import type { input as inputs, output as outputs } from "../../types";

export interface IssuerArgs {
  metadata?: pulumi.Input<k8s.types.input.meta.v1.ObjectMeta>;
  spec?: pulumi.Input<inputs.certmanager.v1.IssuerSpecArgs>;
}

export class Issuer extends pulumi.CustomResource {
  /** Gets an existing Issuer by name and ID (`namespace/name`). */
  public static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): Issuer {
    return new Issuer(name, undefined, { ...opts, id });
  }

  /** @internal */
  public static readonly __pulumiType = "kubernetes:cert-manager.io/v1:Issuer";

  /** Whether `obj` is a Issuer, even across multiple copies of this module. */
  public static isInstance(obj: unknown): obj is Issuer {
    if (obj === undefined || obj === null) return false;
    return (obj as { __pulumiType?: string })["__pulumiType"] === Issuer.__pulumiType;
  }

  public readonly apiVersion!: pulumi.Output<"cert-manager.io/v1">;
  public readonly kind!: pulumi.Output<"Issuer">;
  public readonly metadata!: pulumi.Output<k8s.types.output.meta.v1.ObjectMeta>;
  public readonly spec!: pulumi.Output<inputs.certmanager.v1.IssuerSpecArgs>;
  public readonly status!: pulumi.Output<outputs.certmanager.v1.IssuerStatus>;

  constructor(name: string, args?: IssuerArgs, opts?: pulumi.CustomResourceOptions) {
    const resourceInputs: pulumi.Inputs = {};
    if (!opts?.id) {
      resourceInputs["apiVersion"] = "cert-manager.io/v1";
      resourceInputs["kind"] = "Issuer";
      resourceInputs["metadata"] = args?.metadata;
      resourceInputs["spec"] = args?.spec;
      resourceInputs["status"] = undefined;
    } else {
      for (const key of ["apiVersion", "kind", "metadata", "spec", "status"]) resourceInputs[key] = undefined;
    }
    super(Issuer.__pulumiType, name, resourceInputs, opts);
  }
}
