// ProxySettingsPolicy (gateway.nginx.org/v1alpha1), in crd2pulumi's layout: `__pulumiType` and `isInstance` let policies and mocks
// recognise it. Hand-written from the NGINX Gateway Fabric v2.6.7 CRD config/crd/bases/gateway.nginx.org_proxysettingspolicies.yaml
// because crd2pulumi cannot be installed here; scripts/regen-crds.sh regenerates it where it can.
import * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import type { input as inputs, output as outputs } from "../../types";

export interface ProxySettingsPolicyArgs {
  metadata?: pulumi.Input<k8s.types.input.meta.v1.ObjectMeta>;
  spec?: pulumi.Input<inputs.gateway.v1alpha1.ProxySettingsPolicySpecArgs>;
}

export class ProxySettingsPolicy extends pulumi.CustomResource {
  /** Gets an existing ProxySettingsPolicy by name and ID (`namespace/name`). */
  public static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): ProxySettingsPolicy {
    return new ProxySettingsPolicy(name, undefined, { ...opts, id });
  }

  /** @internal */
  public static readonly __pulumiType = "kubernetes:gateway.nginx.org/v1alpha1:ProxySettingsPolicy";

  /** Whether `obj` is a ProxySettingsPolicy, even across multiple copies of this module. */
  public static isInstance(obj: unknown): obj is ProxySettingsPolicy {
    if (obj === undefined || obj === null) return false;
    return (obj as { __pulumiType?: string })["__pulumiType"] === ProxySettingsPolicy.__pulumiType;
  }

  public readonly apiVersion!: pulumi.Output<"gateway.nginx.org/v1alpha1">;
  public readonly kind!: pulumi.Output<"ProxySettingsPolicy">;
  public readonly metadata!: pulumi.Output<k8s.types.output.meta.v1.ObjectMeta>;
  public readonly spec!: pulumi.Output<inputs.gateway.v1alpha1.ProxySettingsPolicySpecArgs>;
  public readonly status!: pulumi.Output<outputs.gateway.v1alpha1.PolicyStatus>;

  constructor(name: string, args?: ProxySettingsPolicyArgs, opts?: pulumi.CustomResourceOptions) {
    const resourceInputs: pulumi.Inputs = {};
    if (!opts?.id) {
      resourceInputs["apiVersion"] = "gateway.nginx.org/v1alpha1";
      resourceInputs["kind"] = "ProxySettingsPolicy";
      resourceInputs["metadata"] = args?.metadata;
      resourceInputs["spec"] = args?.spec;
      resourceInputs["status"] = undefined;
    } else {
      for (const key of ["apiVersion", "kind", "metadata", "spec", "status"]) resourceInputs[key] = undefined;
    }
    super(ProxySettingsPolicy.__pulumiType, name, resourceInputs, opts);
  }
}
