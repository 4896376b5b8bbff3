import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { input } from "../crds/types";
import { PART_OF } from "./labels";

/**
 * What both edges share (routes, TLS through cert-manager and ACME, CORS, limits, timeouts) and the
 * ingress-nginx spec builders. The Gateway API builders are in gatewayApiEdge.ts; both render the same
 * route table, and tests/components/edgeParity.test.ts evaluates both with their controllers' semantics.
 */

export const ACME_SERVERS = {
  staging: "https://acme-staging-v02.api.letsencrypt.org/directory",
  production: "https://acme-v02.api.letsencrypt.org/directory",
} as const;

/** The Service a route reaches. */
export interface EdgeService {
  name: string;
  namespace: string;
  port: number;
}

/**
 * One public route. Plain values: a route becomes its own child objects (an Ingress, or an HTTPRoute in
 * the backend's namespace), and a component's children are known when it is constructed.
 */
export interface EdgeRoute {
  /** Stable key naming the route's objects: `<component>-<key>`. */
  key: string;
  /** Public path prefix without a trailing slash, e.g. `/chat/v1`. */
  prefix: string;
  service: EdgeService;
  /** Replaces the prefix on the way to the backend (`/chat/v1/models` → `/v1/models`). Absent: the path passes unchanged. */
  upstreamPrefix?: string;
  /** Only `prefix/<suffix>` for exactly these suffixes is routed, to `upstreamPrefix/<suffix>`; the rest is 404 at the edge. */
  exactSuffixes?: string[];
}

/** The ACME account cert-manager issues the edge certificate with (HTTP-01). */
export interface AcmeSettings {
  email: pulumi.Input<string>;
  /** ACME directory; default Let's Encrypt production (`ACME_SERVERS`). */
  server?: pulumi.Input<string>;
}

export interface CorsSettings {
  /** Explicit origins (`https://app.example.com`), or `*` alone without credentials. */
  origins: string[];
  /** Default GET, POST, OPTIONS. */
  methods?: string[];
  /** Default Authorization, Content-Type, X-Request-Id. */
  headers?: string[];
  /** Default false (ingress-nginx would default to true). */
  allowCredentials?: boolean;
  /** Preflight cache in seconds; default 600. */
  maxAgeSeconds?: number;
}

/** Flood protection at the edge, per client address, for the whole edge (divided by data-plane replicas). */
export interface EdgeRateLimits {
  rps?: number;
  rpm?: number;
  /** Concurrent connections per client address (ingress-nginx). */
  connections?: number;
  /** Burst above the rate as a multiple of it; default 5. */
  burstMultiplier?: number;
  /** Client CIDRs exempt from the limits (ingress-nginx); default none. */
  allowlist?: string[];
  /** A second limit keyed on the Authorization header (Gateway API edge). */
  perApiKey?: ApiKeyRateLimits;
}

export interface ApiKeyRateLimits {
  rps?: number;
  rpm?: number;
}

export interface EdgeTimeouts {
  /** Connecting to a backend; default 10 s. */
  connectSeconds?: number;
  /** Between two reads from a backend (a pause between streamed tokens); default 900 s. */
  readSeconds?: number;
  /** Between two writes to a backend; default 60 s (request bodies are buffered at the edge first). */
  sendSeconds?: number;
  /** Between two reads of a client's request body; default 30 s (a slow upload is cut after this). */
  clientBodySeconds?: number;
}

export interface HstsSettings {
  /** Default one year. */
  maxAgeSeconds?: number;
  /** Default true. */
  includeSubdomains?: boolean;
  /** Default false. */
  preload?: boolean;
}

export interface ResolvedCors {
  origins: string[];
  methods: string[];
  headers: string[];
  allowCredentials: boolean;
  maxAgeSeconds: number;
}

export function resolveCors(cors: CorsSettings | undefined): ResolvedCors | undefined {
  if (!cors) return undefined;
  return {
    origins: cors.origins,
    methods: cors.methods ?? ["GET", "POST", "OPTIONS"],
    headers: cors.headers ?? ["Authorization", "Content-Type", "X-Request-Id"],
    allowCredentials: cors.allowCredentials ?? false,
    maxAgeSeconds: cors.maxAgeSeconds ?? 600,
  };
}

export function resolveTimeouts(t: EdgeTimeouts | undefined): Required<EdgeTimeouts> {
  return {
    connectSeconds: t?.connectSeconds ?? 10,
    readSeconds: t?.readSeconds ?? 900,
    sendSeconds: t?.sendSeconds ?? 60,
    clientBodySeconds: t?.clientBodySeconds ?? 30,
  };
}

export function resolveHsts(h: HstsSettings | undefined): Required<HstsSettings> {
  return { maxAgeSeconds: h?.maxAgeSeconds ?? 31536000, includeSubdomains: h?.includeSubdomains ?? true, preload: h?.preload ?? false };
}

/** The Strict-Transport-Security value (RFC 6797). */
export function hstsHeaderValue(h: Required<HstsSettings>): string {
  return [`max-age=${h.maxAgeSeconds}`, ...(h.includeSubdomains ? ["includeSubDomains"] : []), ...(h.preload ? ["preload"] : [])].join("; ");
}

/** Kubernetes names of an edge's cluster-scoped issuer and its certificate/Secret, from the component name. */
export function edgeNames(component: string): { issuer: string; tlsSecret: string; accountKeySecret: string } {
  return { issuer: `${component}-acme`, tlsSecret: `${component}-tls`, accountKeySecret: `${component}-acme-account` };
}

/** Cluster-wide per-client limit → the per-replica value nginx enforces (each replica counts on its own). */
export function perReplicaLimit(clusterLimit: number, replicas: number): number {
  return Math.max(1, Math.floor(clusterLimit / replicas));
}

/** Backend namespaces of the routes, in first-seen order: one Certificate (ingress-nginx) or route namespace each. */
export function routeNamespaces(routes: EdgeRoute[]): string[] {
  return [...new Set(routes.map((r) => r.service.namespace))];
}

/** `prefix` quoted for a PCRE (ingress-nginx paths are regexes once any path of the host is). */
export function regexQuote(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export function clusterIssuerSpec(
  name: string,
  accountKeySecret: string,
  acme: AcmeSettings,
  solver: pulumi.Input<input.certmanager.v1.ACMEChallengeSolverArgs>,
): { metadata: { name: string; labels: Record<string, string> }; spec: input.certmanager.v1.ClusterIssuerSpecArgs } {
  return {
    metadata: { name, labels: { "app.kubernetes.io/part-of": PART_OF } },
    spec: { acme: { server: acme.server ?? ACME_SERVERS.production, email: acme.email, privateKeySecretRef: { name: accountKeySecret }, solvers: [solver] } },
  };
}

/** The edge certificate for the hosts, in one namespace (a TLS Secret cannot be read across namespaces). */
export function certificateSpec(
  name: string,
  namespace: pulumi.Input<string>,
  hosts: string[],
  issuer: string,
): { metadata: { name: string; namespace: pulumi.Input<string>; labels: Record<string, string> }; spec: input.certmanager.v1.CertificateSpecArgs } {
  return {
    metadata: { name, namespace, labels: { "app.kubernetes.io/part-of": PART_OF } },
    spec: {
      secretName: name,
      dnsNames: hosts,
      issuerRef: { name: issuer, kind: "ClusterIssuer", group: "cert-manager.io" },
      privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// ingress-nginx (controller v1.15.1, chart 4.15.1)
// ---------------------------------------------------------------------------------------------

const NGINX = "nginx.ingress.kubernetes.io/";

export interface IngressNginxSettings {
  hosts: string[];
  ingressClassName: pulumi.Input<string>;
  tlsSecret: string;
  cors?: ResolvedCors;
  rateLimits: EdgeRateLimits;
  timeouts: Required<EdgeTimeouts>;
  maxBodySize: string;
  /** Controller replicas (limits are per replica). */
  replicas: number;
}

export function corsAnnotations(cors: ResolvedCors | undefined): Record<string, string> {
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

/** limit-* annotations: ingress-nginx keys them on the client address ($binary_remote_addr), per controller replica. */
export function rateLimitAnnotations(limits: EdgeRateLimits, replicas: number): Record<string, string> {
  const out: Record<string, string> = {};
  if (limits.rps) out[`${NGINX}limit-rps`] = String(perReplicaLimit(limits.rps, replicas));
  if (limits.rpm) out[`${NGINX}limit-rpm`] = String(perReplicaLimit(limits.rpm, replicas));
  if (limits.connections) out[`${NGINX}limit-connections`] = String(perReplicaLimit(limits.connections, replicas));
  if (limits.rps || limits.rpm) out[`${NGINX}limit-burst-multiplier`] = String(limits.burstMultiplier ?? 5);
  if (limits.allowlist?.length) out[`${NGINX}limit-whitelist`] = limits.allowlist.join(",");
  return out;
}

/**
 * An Ingress path for a route, as ingress-nginx turns it into an nginx location. Once any Ingress of a
 * host uses a rewrite or use-regex, ingress-nginx writes EVERY location of that host as
 * `location ~* "^<path>"` — case-insensitive, anchored at the start only — ordered by path length, longest
 * first (internal/ingress/controller/template/template.go buildLocation/enforceRegexModifier,
 * controller.go sorting), and a rewrite as `rewrite "(?i)<path>" <target> break;`, which replaces the
 * WHOLE URI from the first (unanchored) match (buildProxyPass). So every path here is a regex:
 * - pass-through: `<prefix>(/|$)` — the prefix and what is below it, not `/v1foo`;
 * - prefix rewrite: `<prefix>(/|$)(.*)` → `<upstream>$1$2`;
 * - exact suffixes: `<prefix>/(<longest first>)$`, anchored at the end, → `<upstream>/$1`. Unanchored,
 *   `search|search/batch` would match `search` first and send `/vector-search/search/batch` to `…/points/search`.
 */
export function ingressPath(route: EdgeRoute): { path: string; rewriteTarget?: string } {
  const prefix = regexQuote(route.prefix);
  if (route.exactSuffixes) {
    const alternatives = [...route.exactSuffixes].sort((a, b) => b.length - a.length || a.localeCompare(b)).map(regexQuote);
    return { path: `${prefix}/(${alternatives.join("|")})$`, rewriteTarget: `${route.upstreamPrefix ?? route.prefix}/$1` };
  }
  if (route.upstreamPrefix !== undefined) return { path: `${prefix}(/|$)(.*)`, rewriteTarget: `${route.upstreamPrefix}$1$2` };
  return { path: `${prefix}(/|$)` };
}

/** Annotations of one route's Ingress: redirect, request buffering, streaming, CORS, limits, the regex path and rewrite. */
export function routeAnnotations(s: IngressNginxSettings, route: EdgeRoute): Record<string, string> {
  const { rewriteTarget } = ingressPath(route);
  return {
    // 308 (the controller's http-redirect-code) to HTTPS; ingress-nginx's no-tls-redirect-locations default
    // (/.well-known/acme-challenge, config.go) keeps cert-manager's HTTP-01 solver reachable over plain HTTP.
    [`${NGINX}ssl-redirect`]: "true",
    [`${NGINX}proxy-connect-timeout`]: String(s.timeouts.connectSeconds),
    [`${NGINX}proxy-read-timeout`]: String(s.timeouts.readSeconds),
    [`${NGINX}proxy-send-timeout`]: String(s.timeouts.sendSeconds),
    // Streamed completions reach the client token by token: no response buffering.
    [`${NGINX}proxy-buffering`]: "off",
    // The whole request body is read (client-body-timeout between reads) before the backend sees a byte:
    // a slow upload holds an edge buffer, never a gateway connection for proxy-send-timeout.
    [`${NGINX}proxy-request-buffering`]: "on",
    [`${NGINX}proxy-body-size`]: s.maxBodySize,
    ...corsAnnotations(s.cors),
    ...rateLimitAnnotations(s.rateLimits, s.replicas),
    [`${NGINX}use-regex`]: "true",
    ...(rewriteTarget ? { [`${NGINX}rewrite-target`]: rewriteTarget } : {}),
  };
}

/** One Ingress per route (rewrite-target is per Ingress), in its backend's namespace, named `<component>-<key>`. */
export function ingressSpec(component: string, s: IngressNginxSettings, route: EdgeRoute): k8s.networking.v1.IngressArgs {
  const { path } = ingressPath(route);
  return {
    metadata: {
      name: `${component}-${route.key}`,
      namespace: route.service.namespace,
      labels: { "app.kubernetes.io/part-of": PART_OF, "llm-platform.io/edge": component, "llm-platform.io/route": route.key },
      annotations: routeAnnotations(s, route),
    },
    spec: {
      ingressClassName: s.ingressClassName,
      tls: [{ hosts: s.hosts, secretName: s.tlsSecret }],
      rules: s.hosts.map((host) => ({
        host,
        http: {
          paths: [{ path, pathType: "ImplementationSpecific", backend: { service: { name: route.service.name, port: { number: route.service.port } } } }],
        },
      })),
    },
  };
}
