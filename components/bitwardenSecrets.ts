import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { SecretsConfig } from "../config/gatewaySchema";
import { clusterSecretStore, providerExternalSecret, type ProviderCredential } from "./specs/externalSecrets";

export interface BitwardenSecretsArgs {
  /** Namespace of the External Secrets Operator and its Bitwarden SDK server (ClusterAddons installs them). */
  namespace: string;
  /** In-cluster URL of the Bitwarden SDK server (ClusterAddons.bitwardenSdkServerUrl). */
  sdkServerUrl: pulumi.Input<string>;
  settings: SecretsConfig;
  /** Where the provider-key Secret must appear (the gateway's namespace) and its name. */
  target: { namespace: string; secretName: string };
  credentials: ProviderCredential[];
}

/**
 * Provider keys from Bitwarden Secrets Manager through the External Secrets Operator (seed 001): a
 * ClusterSecretStore for the Bitwarden project and one ExternalSecret with every provider key. Keys
 * never appear in config, code or state — only their Bitwarden references do. The operator and its SDK
 * server come from ClusterAddons; give this component `dependsOn: [addons]`.
 */
export class BitwardenSecrets extends pulumi.ComponentResource {
  public readonly secretName: string;

  constructor(name: string, args: BitwardenSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("llm-platform:secrets:BitwardenSecrets", name, {}, opts);
    const child = { parent: this };
    this.secretName = args.target.secretName;
    if (args.settings.bitwarden) {
      const store = new k8s.apiextensions.CustomResource(
        `${name}-store`,
        clusterSecretStore(args.namespace, args.sdkServerUrl, args.settings.bitwarden) as k8s.apiextensions.CustomResourceArgs,
        child,
      );
      if (args.credentials.length > 0) {
        new k8s.apiextensions.CustomResource(
          `${name}-provider-keys`,
          providerExternalSecret(args.target.namespace, args.target.secretName, args.credentials, args.settings.refreshInterval) as k8s.apiextensions.CustomResourceArgs,
          { ...child, dependsOn: [store] },
        );
      }
    }
    this.registerOutputs({ secretName: this.secretName });
  }
}
