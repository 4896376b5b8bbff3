import type { SecretsConfig } from "../../config/gatewaySchema";
import type * as pulumi from "@pulumi/pulumi";
import { BITWARDEN_SDK_SERVER as SDK_SERVER } from "./addons";
/** A credential the gateway reads: the env var name and the Bitwarden secret (ID or name) it comes from. */
export interface ProviderCredential {
  env: string;
  bitwardenSecret: string;
}

export const BITWARDEN_STORE = "bitwarden";

/** ClusterSecretStore for Bitwarden Secrets Manager (external-secrets.io/v1). */
export function clusterSecretStore(namespace: string, sdkServerUrl: pulumi.Input<string>, bitwarden: NonNullable<SecretsConfig["bitwarden"]>): Record<string, any> {
  return {
    apiVersion: "external-secrets.io/v1",
    kind: "ClusterSecretStore",
    metadata: { name: BITWARDEN_STORE },
    spec: {
      provider: {
        bitwardensecretsmanager: {
          apiURL: bitwarden.apiUrl,
          identityURL: bitwarden.identityUrl,
          bitwardenServerSDKURL: sdkServerUrl,
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
