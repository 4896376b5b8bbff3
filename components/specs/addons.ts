import * as pulumi from "@pulumi/pulumi";
import type { input } from "../crds/types";
import { deepMerge, type Plain } from "./merge";

/**
 * Values of the cluster-wide operators ClusterAddons installs. Each chart pinned; the ones that ship
 * a values.schema.json (cert-manager, external-secrets) are validated against it in tests.
 */
export const ADDON_CHARTS = {
  certManager: { chart: "cert-manager", repository: "https://charts.jetstack.io", version: "v1.21.1" },
  externalSecrets: { chart: "external-secrets", repository: "https://charts.external-secrets.io", version: "2.9.0" },
  ingressNginx: { chart: "ingress-nginx", repository: "https://kubernetes.github.io/ingress-nginx", version: "4.15.1" },
} as const;

/** cert-manager installs and keeps its CRDs (a `helm uninstall` must not delete every Certificate). */
export function certManagerValues(override?: Plain): Plain {
  return deepMerge({ crds: { enabled: true, keep: true }, prometheus: { enabled: true } }, override);
}

/** The Bitwarden SDK server the external-secrets chart deploys: Service and TLS Secret names come from its subchart. */
export const BITWARDEN_SDK_SERVER = { service: "bitwarden-sdk-server", port: 9998, tlsSecret: "bitwarden-tls-certs" } as const;

export function externalSecretsValues(bitwardenSdkServer: boolean, override?: Plain): Plain {
  return deepMerge(
    {
      installCRDs: true,
      "bitwarden-sdk-server": { enabled: bitwardenSdkServer },
      serviceMonitor: { enabled: false },
      securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } },
    },
    override,
  );
}

/** In-cluster URL of the SDK server the Bitwarden store calls. */
export function sdkServerUrl(namespace: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.interpolate`https://${BITWARDEN_SDK_SERVER.service}.${namespace}.svc.cluster.local:${BITWARDEN_SDK_SERVER.port}`;
}

/** A self-signed issuer and the SDK server's serving certificate in the operator's namespace (the store trusts its CA). */
export function sdkServerCertificates(
  prefix: string,
  namespace: pulumi.Input<string>,
): {
  issuer: { metadata: { name: string; namespace: pulumi.Input<string> }; spec: input.certmanager.v1.IssuerSpecArgs };
  certificate: { metadata: { name: string; namespace: pulumi.Input<string> }; spec: input.certmanager.v1.CertificateSpecArgs };
} {
  const issuer = `${prefix}-bitwarden-selfsigned`;
  const svc = BITWARDEN_SDK_SERVER.service;
  return {
    issuer: { metadata: { name: issuer, namespace }, spec: { selfSigned: {} } },
    certificate: {
      metadata: { name: `${prefix}-bitwarden-sdk-server`, namespace },
      spec: {
        secretName: BITWARDEN_SDK_SERVER.tlsSecret,
        dnsNames: [svc, pulumi.interpolate`${svc}.${namespace}.svc`, pulumi.interpolate`${svc}.${namespace}.svc.cluster.local`],
        duration: "8760h",
        renewBefore: "720h",
        privateKey: { algorithm: "ECDSA", size: 256 },
        issuerRef: { name: issuer, kind: "Issuer", group: "cert-manager.io" },
      },
    },
  };
}

export interface IngressNginxValuesArgs {
  replicas: number;
  ingressClassName: string;
  hsts: { maxAgeSeconds: number; includeSubdomains: boolean; preload: boolean };
}

/** ingress-nginx chart values: replicas, client IPs preserved (per-client limits), 308 redirects, HSTS, 429s. */
export function ingressNginxValues(a: IngressNginxValuesArgs, override?: Plain): Plain {
  return deepMerge(
    {
      controller: {
        replicaCount: a.replicas,
        ingressClassResource: { name: a.ingressClassName, default: false, controllerValue: `k8s.io/${a.ingressClassName}` },
        ingressClass: a.ingressClassName,
        electionID: `${a.ingressClassName}-leader`,
        service: { externalTrafficPolicy: "Local" },
        config: {
          "http-redirect-code": "308",
          hsts: "true",
          "hsts-max-age": String(a.hsts.maxAgeSeconds),
          "hsts-include-subdomains": String(a.hsts.includeSubdomains),
          "hsts-preload": String(a.hsts.preload),
          "limit-req-status-code": "429",
          "limit-conn-status-code": "429",
          "allow-snippet-annotations": "false",
          "use-forwarded-headers": "false",
        },
        metrics: { enabled: true },
        minAvailable: 1,
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } },
      },
    },
    override,
  );
}
