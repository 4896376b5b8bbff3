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
  /** Prometheus operator, Prometheus, Alertmanager, Grafana, kube-state-metrics, node-exporter (values: monitoringAddons.ts). */
  kubePrometheusStack: { chart: "kube-prometheus-stack", repository: "https://prometheus-community.github.io/helm-charts", version: "88.5.3" },
  /** NVIDIA's DCGM exporter: GPU memory, utilisation, power per card (values: monitoringAddons.ts). */
  dcgmExporter: { chart: "dcgm-exporter", repository: "https://nvidia.github.io/dcgm-exporter/helm-charts", version: "4.8.2" },
  // Published only as an OCI chart (charts/nginx-gateway-fabric/README.md): `chart` is the full oci:// reference.
  nginxGatewayFabric: { chart: "nginx-gateway-fabric", repository: "oci://ghcr.io/nginx/charts", version: "2.6.7" },
} as const;

/**
 * The Gateway API CRDs (standard channel) NGF needs before it starts (its chart ships only its own
 * CRDs; README "Installing the Gateway API resources"). NGF 2.6.7 pins v1.5.1
 * (config/crd/gateway-api/standard/kustomization.yaml).
 */
export const GATEWAY_API_CRDS = { version: "v1.5.1" } as const;

export function gatewayApiCrdsUrl(version: string): string {
  return `https://github.com/kubernetes-sigs/gateway-api/releases/download/${version}/standard-install.yaml`;
}

/** Helm's chart reference: OCI charts are addressed in full, without a repository. */
export function chartReference(chart: { chart: string; repository: string }): { chart: string; repositoryOpts?: { repo: string } } {
  return chart.repository.startsWith("oci://")
    ? { chart: `${chart.repository}/${chart.chart}` }
    : { chart: chart.chart, repositoryOpts: { repo: chart.repository } };
}

/**
 * cert-manager installs and keeps its CRDs (a `helm uninstall` must not delete every Certificate).
 * With `gatewayApi`, its controller watches Gateway API objects (ControllerConfiguration
 * `gatewayAPI.enabled`, v1.21: the HTTP-01 `gatewayHTTPRoute` solver refuses to run without it,
 * pkg/issuer/acme/http/http.go "gateway api is not enabled").
 */
export function certManagerValues(override?: Plain, gatewayApi = false): Plain {
  const config = gatewayApi
    ? { config: { apiVersion: "controller.config.cert-manager.io/v1alpha1", kind: "ControllerConfiguration", gatewayAPI: { enabled: true } } }
    : {};
  return deepMerge({ crds: { enabled: true, keep: true }, prometheus: { enabled: true }, ...config }, override);
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
  /** client_body_timeout / client_header_timeout (ConfigMap-wide in ingress-nginx); default 30 s. */
  clientTimeoutSeconds?: number;
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
          // A slow client is cut after this pause while sending headers or its (buffered) body.
          "client-body-timeout": String(a.clientTimeoutSeconds ?? 30),
          "client-header-timeout": String(a.clientTimeoutSeconds ?? 30),
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

export interface NginxGatewayFabricValuesArgs {
  /** The GatewayClass the release creates (cluster-scoped). */
  gatewayClassName: string;
  /** Its controllerName (two installations in one cluster need two); must start with gateway.nginx.org/. */
  controllerName: string;
  /** NGINX data-plane replicas per Gateway. */
  dataPlaneReplicas: number;
  serviceType: string;
}

/**
 * NGINX Gateway Fabric chart values (values.schema.json of 2.6.7 checks them in tests): a named
 * GatewayClass and controller, the data plane's Service keeping client addresses (externalTrafficPolicy
 * Local: per-client limits key on them), snippets off (NGINX config injection stays impossible for route
 * owners: the class of bug behind ingress-nginx's CVE-2025-1974 family), no product telemetry (the
 * control plane needs no internet egress), experimental Gateway API features off (standard channel).
 */
export function nginxGatewayFabricValues(a: NginxGatewayFabricValuesArgs, override?: Plain): Plain {
  return deepMerge(
    {
      nginxGateway: {
        gatewayClassName: a.gatewayClassName,
        gatewayControllerName: a.controllerName,
        replicas: 1,
        productTelemetry: { enable: false },
        snippets: { enable: false },
        snippetsFilters: { enable: false },
        gwAPIExperimentalFeatures: { enable: false },
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } },
      },
      nginx: {
        replicas: a.dataPlaneReplicas,
        service: { type: a.serviceType, externalTrafficPolicy: "Local" },
        config: { serverTokens: "off" },
        container: { resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } } },
      },
    },
    override,
  );
}
