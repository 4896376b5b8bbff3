// Input types of cert-manager.io/v1 (cert-manager v1.21.1 CRD schema), in crd2pulumi's layout.
// Hand-written in crd2pulumi's shape: crd2pulumi (a Go binary from GitHub releases) cannot be
// installed on the machine this was built on. Regenerate with scripts/regen-crds.sh where it can.
import type * as pulumi from "@pulumi/pulumi";

export namespace certmanager {
  export namespace v1 {
    export interface ObjectReferenceArgs {
      name: pulumi.Input<string>;
      kind?: pulumi.Input<string>;
      group?: pulumi.Input<string>;
    }
    export interface SecretKeySelectorArgs {
      name: pulumi.Input<string>;
      key?: pulumi.Input<string>;
    }
    export interface CertificatePrivateKeyArgs {
      algorithm?: pulumi.Input<"RSA" | "ECDSA" | "Ed25519">;
      encoding?: pulumi.Input<"PKCS1" | "PKCS8">;
      rotationPolicy?: pulumi.Input<"Never" | "Always">;
      size?: pulumi.Input<number>;
    }
    export interface CertificateSpecArgs {
      secretName: pulumi.Input<string>;
      issuerRef: pulumi.Input<ObjectReferenceArgs>;
      dnsNames?: pulumi.Input<pulumi.Input<string>[]>;
      commonName?: pulumi.Input<string>;
      duration?: pulumi.Input<string>;
      renewBefore?: pulumi.Input<string>;
      isCA?: pulumi.Input<boolean>;
      usages?: pulumi.Input<pulumi.Input<string>[]>;
      privateKey?: pulumi.Input<CertificatePrivateKeyArgs>;
      secretTemplate?: pulumi.Input<{ annotations?: pulumi.Input<Record<string, pulumi.Input<string>>>; labels?: pulumi.Input<Record<string, pulumi.Input<string>>> }>;
      revisionHistoryLimit?: pulumi.Input<number>;
    }
    export interface ACMEChallengeSolverHTTP01IngressArgs {
      ingressClassName?: pulumi.Input<string>;
      class?: pulumi.Input<string>;
      serviceType?: pulumi.Input<string>;
    }
    export interface ACMEChallengeSolverArgs {
      http01?: pulumi.Input<{ ingress?: pulumi.Input<ACMEChallengeSolverHTTP01IngressArgs> }>;
      selector?: pulumi.Input<{ dnsNames?: pulumi.Input<pulumi.Input<string>[]>; dnsZones?: pulumi.Input<pulumi.Input<string>[]> }>;
    }
    export interface ACMEIssuerArgs {
      server: pulumi.Input<string>;
      email?: pulumi.Input<string>;
      privateKeySecretRef: pulumi.Input<SecretKeySelectorArgs>;
      solvers?: pulumi.Input<pulumi.Input<ACMEChallengeSolverArgs>[]>;
      skipTLSVerify?: pulumi.Input<boolean>;
      preferredChain?: pulumi.Input<string>;
    }
    /** Exactly one of acme, ca, selfSigned, vault, venafi. */
    export interface IssuerSpecArgs {
      acme?: pulumi.Input<ACMEIssuerArgs>;
      ca?: pulumi.Input<{ secretName: pulumi.Input<string> }>;
      selfSigned?: pulumi.Input<{ crlDistributionPoints?: pulumi.Input<pulumi.Input<string>[]> }>;
    }
    export type ClusterIssuerSpecArgs = IssuerSpecArgs;
  }
}
