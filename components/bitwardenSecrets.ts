import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { SecretsConfig } from "../config/gatewaySchema";
import { certmanager } from "../crds";
import { clusterSecretStore, externalSecretsValues, providerExternalSecret, sdkServerCertificates } from "./specs/externalSecrets";
import { applyOverride, deepMerge, type Overrides, type Plain } from "./specs/merge";
import type { ProviderCredential } from "./specs/providers";

export interface BitwardenSecretsArgs {
  /** Namespace of the operator and its Bitwarden SDK server. */
  namespace: string;
  settings: SecretsConfig;
  /** Where the provider-key Secret must appear (the gateway's namespace) and its name. */
  target: { namespace: string; secretName: string };
  credentials: ProviderCredential[];
  valuesOverride?: Plain;
  overrides?: Overrides<{ release: k8s.helm.v3.ReleaseArgs }>;
}

/**
 * Provider keys from Bitwarden Secrets Manager through the External Secrets Operator (seed 001): the
 * operator with its SDK server over TLS, a ClusterSecretStore, and one ExternalSecret with every key.
 * Keys never appear in config, code or state — only their Bitwarden references do.
 */
export class BitwardenSecrets extends pulumi.ComponentResource {
  public readonly release: k8s.helm.v3.Release;
  public readonly secretName: string;

  constructor(name: string, args: BitwardenSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("llm-platform:secrets:BitwardenSecrets", name, {}, opts);
    const child = { parent: this };
    this.release = new k8s.helm.v3.Release(
      `${name}-operator`,
      applyOverride(args.overrides, "release", {
        name: "external-secrets",
        chart: "external-secrets",
        version: args.settings.chartVersion,
        repositoryOpts: { repo: "https://charts.external-secrets.io" },
        namespace: args.namespace,
        values: deepMerge(externalSecretsValues(), args.valuesOverride),
        atomic: true,
      }),
      child,
    );
    const tls = sdkServerCertificates(args.namespace);
    const issuer = new certmanager.v1.Issuer(`${name}-issuer`, tls.issuer, child);
    const certs = [issuer, new certmanager.v1.Certificate(`${name}-certificate`, tls.certificate, { ...child, dependsOn: [issuer] })];
    this.secretName = args.target.secretName;
    if (args.settings.bitwarden) {
      const store = new k8s.apiextensions.CustomResource(`${name}-store`, clusterSecretStore(args.namespace, args.settings.bitwarden) as k8s.apiextensions.CustomResourceArgs, {
        ...child,
        dependsOn: [this.release, ...certs],
      });
      if (args.credentials.length > 0) {
        new k8s.apiextensions.CustomResource(
          `${name}-provider-keys`,
          providerExternalSecret(args.target.namespace, args.target.secretName, args.credentials, args.settings.refreshInterval) as k8s.apiextensions.CustomResourceArgs,
          { ...child, dependsOn: [store] },
        );
      }
    }
    this.registerOutputs({ release: this.release.status, secretName: this.secretName });
  }
}
