import type * as pulumi from "@pulumi/pulumi";
import { PART_OF } from "./labels";

type Input<T> = pulumi.Input<T>;

/** A key of a Secret. */
export interface SecretKeyRef {
  name: Input<string>;
  key: Input<string>;
}

/** The Bitwarden Secrets Manager project a store reads, and how it authenticates. */
export interface BitwardenStoreSpec {
  organizationId: Input<string>;
  projectId: Input<string>;
  /** An existing Secret (in the operator's namespace) with the machine account's access token. */
  accessTokenSecret: SecretKeyRef;
  apiUrl: Input<string>;
  identityUrl: Input<string>;
}

/** One key of a Kubernetes Secret and the Bitwarden secret (ID or name) it comes from. */
export interface ExternalSecretItem {
  secretKey: string;
  bitwardenSecret: string;
}

/** One Kubernetes Secret External Secrets keeps filled from Bitwarden. */
export interface ExternalSecretSpec {
  namespace: string;
  secretName: string;
  data: ExternalSecretItem[];
}

/**
 * A ClusterSecretStore for Bitwarden Secrets Manager (external-secrets.io/v1), usable only from the
 * namespaces listed: `spec.conditions[].namespaces` restricts which namespaces' ExternalSecrets the
 * store serves (ClusterSecretStoreCondition), so nobody who can create an ExternalSecret elsewhere can
 * copy the project's secrets.
 */
export function clusterSecretStore(a: {
  name: string;
  operatorNamespace: Input<string>;
  sdkServerUrl: Input<string>;
  caSecretName: Input<string>;
  bitwarden: BitwardenStoreSpec;
  namespaces: string[];
}): Record<string, any> {
  return {
    apiVersion: "external-secrets.io/v1",
    kind: "ClusterSecretStore",
    metadata: { name: a.name, labels: { "app.kubernetes.io/part-of": PART_OF, "app.kubernetes.io/managed-by": "pulumi" } },
    spec: {
      conditions: [{ namespaces: [...new Set(a.namespaces)].sort() }],
      provider: {
        bitwardensecretsmanager: {
          apiURL: a.bitwarden.apiUrl,
          identityURL: a.bitwarden.identityUrl,
          bitwardenServerSDKURL: a.sdkServerUrl,
          caProvider: { type: "Secret", name: a.caSecretName, namespace: a.operatorNamespace, key: "ca.crt" },
          organizationID: a.bitwarden.organizationId,
          projectID: a.bitwarden.projectId,
          auth: {
            secretRef: { credentials: { name: a.bitwarden.accessTokenSecret.name, namespace: a.operatorNamespace, key: a.bitwarden.accessTokenSecret.key } },
          },
        },
      },
    },
  };
}

/** An ExternalSecret materialising Bitwarden secrets into one Kubernetes Secret (owned by the ExternalSecret). */
export function externalSecret(store: string, s: ExternalSecretSpec, refreshInterval: Input<string>): Record<string, any> {
  return {
    apiVersion: "external-secrets.io/v1",
    kind: "ExternalSecret",
    metadata: { name: s.secretName, namespace: s.namespace, labels: { "app.kubernetes.io/part-of": PART_OF, "app.kubernetes.io/managed-by": "pulumi" } },
    spec: {
      refreshInterval,
      secretStoreRef: { name: store, kind: "ClusterSecretStore" },
      target: { name: s.secretName, creationPolicy: "Owner" },
      data: s.data.map((d) => ({ secretKey: d.secretKey, remoteRef: { key: d.bitwardenSecret } })),
    },
  };
}
