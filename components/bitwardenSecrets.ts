import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { clusterSecretStore, externalSecret, type BitwardenStoreSpec, type ExternalSecretSpec } from "./specs/externalSecrets";
import { bitwardenStoreName } from "./specs/gatewayNames";

export type { BitwardenStoreSpec as BitwardenProject, ExternalSecretSpec } from "./specs/externalSecrets";

export interface BitwardenSecretsArgs {
  /** Namespace of the External Secrets Operator and its Bitwarden SDK server (ClusterAddons installs them). */
  namespace: pulumi.Input<string>;
  /** In-cluster URL of the Bitwarden SDK server (ClusterAddons.bitwardenSdkServerUrl). */
  sdkServerUrl: pulumi.Input<string>;
  /** Secret (in `namespace`) with the SDK server's CA; default bitwarden-tls-certs, the name its chart mounts. */
  caSecretName?: pulumi.Input<string>;
  bitwarden: BitwardenStoreSpec;
  /** Go duration between syncs; default 1h. */
  refreshInterval?: pulumi.Input<string>;
  /** The Secrets to keep filled from Bitwarden. The store serves exactly their namespaces. */
  secrets: ExternalSecretSpec[];
  /** Further namespaces allowed to use the store (beyond those of `secrets`). */
  extraNamespaces?: string[];
}

/**
 * Secrets from Bitwarden Secrets Manager through the External Secrets Operator (seed 001): a
 * ClusterSecretStore for one Bitwarden project, usable only from the namespaces that need it, and one
 * ExternalSecret per Kubernetes Secret asked for (provider keys, backup credentials, a model token...).
 * Credentials never appear in config, code or state, only their Bitwarden references do. The operator
 * and its SDK server come from ClusterAddons: give this component `dependsOn: [addons]`.
 */
export class BitwardenSecrets extends pulumi.ComponentResource {
  /** The ClusterSecretStore's name. */
  public readonly storeName: pulumi.Output<string>;
  /** The namespaces the store serves. */
  public readonly namespaces: pulumi.Output<string[]>;
  /** `<namespace>/<name>` of every Secret it keeps filled. */
  public readonly secretNames: pulumi.Output<string[]>;

  constructor(name: string, args: BitwardenSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("llm-platform:index:BitwardenSecrets", name, {}, { ...opts, aliases: [{ type: "llm-platform:secrets:BitwardenSecrets" }, ...(opts?.aliases ?? [])] });
    const child = { parent: this };
    const store = bitwardenStoreName(name);
    const seen = new Set<string>();
    for (const s of args.secrets) {
      const id = `${s.namespace}/${s.secretName}`;
      if (seen.has(id)) throw new Error(`BitwardenSecrets ${name}: Secret ${id} is asked for twice; merge its data into one entry`);
      seen.add(id);
    }
    const namespaces = [...new Set([...args.secrets.map((s) => s.namespace), ...(args.extraNamespaces ?? [])])].sort();
    const storeResource = new k8s.apiextensions.CustomResource(
      `${name}-store`,
      clusterSecretStore({
        name: store,
        operatorNamespace: args.namespace,
        sdkServerUrl: args.sdkServerUrl,
        caSecretName: args.caSecretName ?? "bitwarden-tls-certs",
        bitwarden: args.bitwarden,
        namespaces,
      }) as k8s.apiextensions.CustomResourceArgs,
      child,
    );
    for (const s of args.secrets) {
      new k8s.apiextensions.CustomResource(
        `${name}-${s.namespace}-${s.secretName}`,
        externalSecret(store, s, args.refreshInterval ?? "1h") as k8s.apiextensions.CustomResourceArgs,
        {
          ...child,
          dependsOn: [storeResource],
        },
      );
    }
    this.storeName = pulumi.output(store);
    this.namespaces = pulumi.output(namespaces);
    this.secretNames = pulumi.output([...seen].sort());
    this.registerOutputs({ storeName: this.storeName, namespaces: this.namespaces, secretNames: this.secretNames });
  }
}
