import type { SecretsConfig } from "../../config/gatewaySchema";
import type { input } from "../../crds/types";
import type { ProviderCredential } from "./providers";

export const BITWARDEN_STORE = "bitwarden";
/** The bitwarden-sdk-server Service the chart creates, and the Secret cert-manager fills with its TLS pair. */
export const SDK_SERVER = { service: "bitwarden-sdk-server", port: 9998, tlsSecret: "bitwarden-tls-certs" };

/** Values for the external-secrets chart (checked against the chart's values.schema.json in tests). */
export function externalSecretsValues(): Record<string, unknown> {
  return {
    installCRDs: true,
    "bitwarden-sdk-server": { enabled: true },
    serviceMonitor: { enabled: false },
    securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } },
  };
}

export function sdkServerUrl(namespace: string): string {
  return `https://${SDK_SERVER.service}.${namespace}.svc.cluster.local:${SDK_SERVER.port}`;
}

/** ClusterSecretStore for Bitwarden Secrets Manager (external-secrets.io/v1). */
export function clusterSecretStore(namespace: string, bitwarden: NonNullable<SecretsConfig["bitwarden"]>): Record<string, any> {
  return {
    apiVersion: "external-secrets.io/v1",
    kind: "ClusterSecretStore",
    metadata: { name: BITWARDEN_STORE },
    spec: {
      provider: {
        bitwardensecretsmanager: {
          apiURL: bitwarden.apiUrl,
          identityURL: bitwarden.identityUrl,
          bitwardenServerSDKURL: sdkServerUrl(namespace),
          caProvider: { type: "Secret", name: SDK_SERVER.tlsSecret, namespace, key: "ca.crt" },
          organizationID: bitwarden.organizationId,
          projectID: bitwarden.projectId,
          auth: { secretRef: { credentials: { name: bitwarden.accessTokenSecret.name, namespace, key: bitwarden.accessTokenSecret.key } } },
        },
      },
    },
  };
}

/** One ExternalSecret materialising every provider key LiteLLM reads into one Kubernetes Secret. */
export function providerExternalSecret(namespace: string, secretName: string, credentials: ProviderCredential[], refreshInterval: string): Record<string, any> {
  return {
    apiVersion: "external-secrets.io/v1",
    kind: "ExternalSecret",
    metadata: { name: secretName, namespace },
    spec: {
      refreshInterval,
      secretStoreRef: { name: BITWARDEN_STORE, kind: "ClusterSecretStore" },
      target: { name: secretName, creationPolicy: "Owner" },
      data: credentials.map((c) => ({ secretKey: c.env, remoteRef: { key: c.bitwardenSecret } })),
    },
  };
}

/** A self-signed issuer and the sdk-server's serving certificate (the store trusts its CA). */
export function sdkServerCertificates(namespace: string): {
  issuer: { metadata: { name: string; namespace: string }; spec: input.certmanager.v1.IssuerSpecArgs };
  certificate: { metadata: { name: string; namespace: string }; spec: input.certmanager.v1.CertificateSpecArgs };
} {
  return {
    issuer: { metadata: { name: "bitwarden-selfsigned", namespace }, spec: { selfSigned: {} } },
    certificate: {
      metadata: { name: "bitwarden-sdk-server", namespace },
      spec: {
        secretName: SDK_SERVER.tlsSecret,
        dnsNames: [SDK_SERVER.service, `${SDK_SERVER.service}.${namespace}.svc`, `${SDK_SERVER.service}.${namespace}.svc.cluster.local`],
        duration: "8760h",
        renewBefore: "720h",
        privateKey: { algorithm: "ECDSA", size: 256 },
        issuerRef: { name: "bitwarden-selfsigned", kind: "Issuer", group: "cert-manager.io" },
      },
    },
  };
}
