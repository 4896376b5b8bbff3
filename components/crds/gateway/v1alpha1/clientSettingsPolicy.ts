// ClientSettingsPolicy (gateway.nginx.org/v1alpha1), in crd2pulumi's layout: `__pulumiType` and `isInstance` let policies and mocks
// recognise it. Hand-written from the NGINX Gateway Fabric v2.6.7 CRD config/crd/bases/gateway.nginx.org_clientsettingspolicies.yaml
// because crd2pulumi cannot be installed here; scripts/regen-crds.sh regenerates it where it can.
import * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import type { input as inputs, output as outputs } from "../../types";

export interface ClientSettingsPolicyArgs {
  metadata?: pulumi.Input<k8s.types.input.meta.v1.ObjectMeta>;
  spec?: pulumi.Input<inputs.gateway.v1alpha1.ClientSettingsPolicySpecArgs>;
}

export class ClientSettingsPolicy extends pulumi.CustomResource {
  /** Gets an existing ClientSettingsPolicy by name and ID (`namespace/name`). */
  public static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): ClientSettingsPolicy {
    return new ClientSettingsPolicy(name, undefined, { ...opts, id });
  }

  /** @internal */
  public static readonly __pulumiType = "kubernetes:gateway.nginx.org/v1alpha1:ClientSettingsPolicy";

  /** Whether `obj` is a ClientSettingsPolicy, even across multiple copies of this module. */
  public static isInstance(obj: unknown): obj is ClientSettingsPolicy {
    if (obj === undefined || obj === null) return false;
    return (obj as { __pulumiType?: string })["__pulumiType"] === ClientSettingsPolicy.__pulumiType;
  }

  public readonly apiVersion!: pulumi.Output<"gateway.nginx.org/v1alpha1">;
  public readonly kind!: pulumi.Output<"ClientSettingsPolicy">;
  public readonly metadata!: pulumi.Output<k8s.types.output.meta.v1.ObjectMeta>;
  public readonly spec!: pulumi.Output<inputs.gateway.v1alpha1.ClientSettingsPolicySpecArgs>;
  public readonly status!: pulumi.Output<outputs.gateway.v1alpha1.PolicyStatus>;

  constructor(name: string, args?: ClientSettingsPolicyArgs, opts?: pulumi.CustomResourceOptions) {
    const resourceInputs: pulumi.Inputs = {};
    if (!opts?.id) {
      resourceInputs["apiVersion"] = "gateway.nginx.org/v1alpha1";
      resourceInputs["kind"] = "ClientSettingsPolicy";
      resourceInputs["metadata"] = args?.metadata;
      resourceInputs["spec"] = args?.spec;
      resourceInputs["status"] = undefined;
    } else {
      for (const key of ["apiVersion", "kind", "metadata", "spec", "status"]) resourceInputs[key] = undefined;
    }
    super(ClientSettingsPolicy.__pulumiType, name, resourceInputs, opts);
  }
}
