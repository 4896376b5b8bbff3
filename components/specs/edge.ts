import type * as k8s from "@pulumi/kubernetes";
import type { CorsConfig, EdgeConfig } from "../../config/edgeSchema";
import type { input } from "../crds/types";
import { PART_OF } from "./labels";

const NGINX = "nginx.ingress.kubernetes.io/";

export const ACME_SERVERS = {
  staging: "https://acme-staging-v02.api.letsencrypt.org/directory",
  production: "https://acme-v02.api.letsencrypt.org/directory",
} as const;

export interface EdgeRoute {
  /** Public path prefix, e.g. `/chat`. */
  path: string;
  service: { name: string; namespace: string; port: number };
  /** Rewrite of the part after the prefix; `$1` is what followed the prefix. Absent: pass the path through. */
  rewriteTarget?: string;
  /** Narrows what follows the prefix (a regex), e.g. only Qdrant's search endpoints. */
  allowedSuffix?: string;
}

export const issuerName = (acme: EdgeConfig["acme"]) => `letsencrypt-${acme}`;
export const TLS_SECRET = "llm-platform-tls";

/** Cluster-wide per-client limit → the per-replica value ingress-nginx enforces (it counts per replica). */
export function perReplicaLimit(clusterLimit: number, replicas: number): number {
  return Math.max(1, Math.floor(clusterLimit / replicas));
}

export function corsAnnotations(cors: CorsConfig | undefined): Record<string, string> {
  if (!cors) return {};
  return {
    [`${NGINX}enable-cors`]: "true",
    [`${NGINX}cors-allow-origin`]: cors.origins.join(", "),
    [`${NGINX}cors-allow-methods`]: cors.methods.join(", "),
    [`${NGINX}cors-allow-headers`]: cors.headers.join(", "),
    // ingress-nginx defaults this to true: always say it.
    [`${NGINX}cors-allow-credentials`]: String(cors.allowCredentials),
    [`${NGINX}cors-max-age`]: String(cors.maxAgeSeconds),
  };
}

export function rateLimitAnnotations(limits: EdgeConfig["rateLimits"], replicas: number): Record<string, string> {
  const out: Record<string, string> = {};
  if (limits.rps) out[`${NGINX}limit-rps`] = String(perReplicaLimit(limits.rps, replicas));
  if (limits.rpm) out[`${NGINX}limit-rpm`] = String(perReplicaLimit(limits.rpm, replicas));
  if (limits.connections) out[`${NGINX}limit-connections`] = String(perReplicaLimit(limits.connections, replicas));
  if (limits.rps || limits.rpm) out[`${NGINX}limit-burst-multiplier`] = String(limits.burstMultiplier);
  if (limits.allowlist.length) out[`${NGINX}limit-whitelist`] = limits.allowlist.join(",");
  return out;
}

/** Annotations of one route's Ingress: TLS redirect, streaming-friendly proxying, CORS, limits, rewrite. */
export function routeAnnotations(edge: EdgeConfig, route: EdgeRoute): Record<string, string> {
  return {
    // Redirect plain HTTP (308 via the controller's http-redirect-code); ACME HTTP-01 challenges are
    // served by cert-manager's own solver Ingress and are exempt from the redirect.
    [`${NGINX}ssl-redirect`]: "true",
    [`${NGINX}proxy-connect-timeout`]: String(edge.timeouts.connectSeconds),
    [`${NGINX}proxy-read-timeout`]: String(edge.timeouts.readSeconds),
    [`${NGINX}proxy-send-timeout`]: String(edge.timeouts.sendSeconds),
    // Streamed completions must reach the client token by token.
    [`${NGINX}proxy-buffering`]: "off",
    [`${NGINX}proxy-request-buffering`]: "off",
    [`${NGINX}proxy-body-size`]: edge.maxBodySize,
    ...corsAnnotations(edge.cors),
    ...rateLimitAnnotations(edge.rateLimits, edge.controller.replicas),
    ...(route.rewriteTarget ? { [`${NGINX}use-regex`]: "true", [`${NGINX}rewrite-target`]: route.rewriteTarget } : {}),
  };
}

function routePath(route: EdgeRoute): { path: string; pathType: string } {
  if (!route.rewriteTarget) return { path: route.path, pathType: "Prefix" };
  return { path: `${route.path}/(${route.allowedSuffix ?? ".*"})`, pathType: "ImplementationSpecific" };
}

/** One Ingress per route (annotations such as rewrite-target are per Ingress), in its Service's namespace. */
export function ingressSpec(edge: EdgeConfig, key: string, route: EdgeRoute): k8s.networking.v1.IngressArgs {
  const { path, pathType } = routePath(route);
  return {
    metadata: { name: `edge-${key}`, namespace: route.service.namespace, labels: { "app.kubernetes.io/part-of": PART_OF, "llm-platform.io/route": key }, annotations: routeAnnotations(edge, route) },
    spec: {
      ingressClassName: edge.ingressClass,
      tls: [{ hosts: edge.hosts, secretName: TLS_SECRET }],
      rules: edge.hosts.map((host) => ({
        host,
        http: { paths: [{ path, pathType, backend: { service: { name: route.service.name, port: { number: route.service.port } } } }] },
      })),
    },
  };
}

export function clusterIssuerSpec(edge: EdgeConfig): { metadata: { name: string }; spec: input.certmanager.v1.ClusterIssuerSpecArgs } {
  const name = issuerName(edge.acme);
  return {
    metadata: { name },
    spec: {
      acme: {
        server: ACME_SERVERS[edge.acme],
        email: edge.email,
        privateKeySecretRef: { name: `${name}-account` },
        solvers: [{ http01: { ingress: { ingressClassName: edge.ingressClass } } }],
      },
    },
  };
}

/** The TLS certificate for the hosts, in one namespace that has Ingresses (a Secret cannot cross namespaces). */
export function certificateSpec(edge: EdgeConfig, namespace: string): { metadata: { name: string; namespace: string }; spec: input.certmanager.v1.CertificateSpecArgs } {
  return {
    metadata: { name: TLS_SECRET, namespace },
    spec: {
      secretName: TLS_SECRET,
      dnsNames: edge.hosts,
      issuerRef: { name: issuerName(edge.acme), kind: "ClusterIssuer", group: "cert-manager.io" },
      privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
    },
  };
}
