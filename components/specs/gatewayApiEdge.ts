import type * as pulumi from "@pulumi/pulumi";
import type { input } from "../crds/types";
import {
  hstsHeaderValue,
  perReplicaLimit,
  routeNamespaces,
  type EdgeRateLimits,
  type EdgeRoute,
  type EdgeTimeouts,
  type HstsSettings,
  type ResolvedCors,
} from "./edge";
import { PART_OF } from "./labels";

/**
 * Spec builders of the Gateway API edge (gateway.networking.k8s.io/v1, Gateway API v1.5.1) and of the
 * NGINX Gateway Fabric 2.6.7 policies (gateway.nginx.org/v1alpha1) for what the core API lacks.
 *
 * Semantics relied on (cited from the upstream sources):
 * - Route precedence (Gateway API HTTPRouteRule docs, apis/v1/httproute_types.go): an Exact path match
 *   wins over any PathPrefix match, then the longest prefix. cert-manager's HTTP-01 solver attaches an
 *   HTTPRoute with an Exact `/.well-known/acme-challenge/<token>` match for the challenged host to the
 *   parentRefs its issuer names (pkg/issuer/acme/http/httproute.go), so it outranks the HTTP listener's
 *   `PathPrefix /` redirect: renewals keep working without any exemption in the redirect.
 * - URLRewrite `ReplacePrefixMatch` needs exactly one PathPrefix match (a CEL rule of the HTTPRoute CRD);
 *   Exact matches rewrite with `ReplaceFullPath`.
 * - NGF refuses `rules[].timeouts` (internal/controller/state/graph/httproute.go
 *   checkForUnsupportedHTTPFields): backend timeouts go in a ProxySettingsPolicy instead.
 * - NGF never sets `proxy_request_buffering` (nginx's default is on), so a request body is read whole
 *   (client_body_timeout between reads, from the ClientSettingsPolicy) before the backend sees a byte;
 *   response buffering is turned off by the ProxySettingsPolicy for streamed tokens.
 */

const GATEWAY_GROUP = "gateway.networking.k8s.io";
export const HTTP_LISTENER = "http";
export const HTTPS_LISTENER = "https";

export interface GatewayApiSettings {
  /** Names: the Gateway is `<component>`, its policies `<component>-<role>`. */
  component: string;
  namespace: pulumi.Input<string>;
  gatewayClassName: pulumi.Input<string>;
  hosts: string[];
  tlsSecret: string;
  cors?: ResolvedCors;
  hsts: Required<HstsSettings>;
  rateLimits: EdgeRateLimits;
  timeouts: Required<EdgeTimeouts>;
  maxBodySize: string;
  /** NGINX data-plane replicas (each counts limits on its own). */
  replicas: number;
}

type Meta = { name: string; namespace: pulumi.Input<string>; labels: Record<string, string> };

function meta(s: GatewayApiSettings, name: string, namespace: pulumi.Input<string> = s.namespace, extra: Record<string, string> = {}): Meta {
  return { name, namespace, labels: { "app.kubernetes.io/part-of": PART_OF, "llm-platform.io/edge": s.component, ...extra } };
}

/** Labels NGF copies from `spec.infrastructure.labels` onto the data-plane Deployment's pods (provisioner/objects.go). */
export function dataPlaneLabels(component: string): Record<string, string> {
  return { "app.kubernetes.io/part-of": PART_OF, "llm-platform.io/edge": component };
}

/**
 * The Gateway: a plain-HTTP listener that only routes of its own namespace attach to (the redirect and
 * cert-manager's solver routes), and an HTTPS listener terminating TLS with the edge certificate that
 * accepts routes from the backends' namespaces only.
 */
export function gatewaySpec(s: GatewayApiSettings, routes: EdgeRoute[]): { metadata: Meta; spec: input.gateway.v1.GatewaySpecArgs } {
  return {
    metadata: meta(s, s.component),
    spec: {
      gatewayClassName: s.gatewayClassName,
      infrastructure: { labels: dataPlaneLabels(s.component) },
      listeners: [
        {
          name: HTTP_LISTENER,
          port: 80,
          protocol: "HTTP",
          allowedRoutes: { namespaces: { from: "Same" }, kinds: [{ group: GATEWAY_GROUP, kind: "HTTPRoute" }] },
        },
        {
          name: HTTPS_LISTENER,
          port: 443,
          protocol: "HTTPS",
          tls: { mode: "Terminate", certificateRefs: [{ group: "", kind: "Secret", name: s.tlsSecret }] },
          allowedRoutes: {
            namespaces: {
              from: "Selector",
              selector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: routeNamespaces(routes) }] },
            },
            kinds: [{ group: GATEWAY_GROUP, kind: "HTTPRoute" }],
          },
        },
      ],
    },
  };
}

function parent(s: GatewayApiSettings, sectionName: string): input.gateway.v1.ParentReferenceArgs {
  return { group: GATEWAY_GROUP, kind: "Gateway", name: s.component, namespace: s.namespace, sectionName };
}

/** The solver cert-manager uses for HTTP-01: an HTTPRoute on the HTTP listener, a ClusterIP solver Service. */
export function gatewayHttp01Solver(s: Pick<GatewayApiSettings, "component" | "namespace">): input.certmanager.v1.ACMEChallengeSolverArgs {
  return { http01: { gatewayHTTPRoute: { parentRefs: [parent(s as GatewayApiSettings, HTTP_LISTENER)], serviceType: "ClusterIP" } } };
}

/** Plain HTTP → HTTPS with 308 (keeps the method and body of a POST), for every path of the hosts. */
export function redirectRouteSpec(s: GatewayApiSettings): { metadata: Meta; spec: input.gateway.v1.HTTPRouteSpecArgs } {
  return {
    metadata: meta(s, `${s.component}-https-redirect`),
    spec: {
      parentRefs: [parent(s, HTTP_LISTENER)],
      hostnames: s.hosts,
      rules: [
        {
          matches: [{ path: { type: "PathPrefix", value: "/" } }],
          filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 308 } }],
        },
      ],
    },
  };
}

function corsFilter(cors: ResolvedCors): input.gateway.v1.HTTPRouteFilterArgs {
  return {
    type: "CORS",
    cors: {
      allowOrigins: cors.origins,
      allowMethods: cors.methods,
      allowHeaders: cors.headers,
      allowCredentials: cors.allowCredentials,
      maxAge: cors.maxAgeSeconds,
    },
  };
}

/** Filters every HTTPS rule carries: CORS (explicit origins), HSTS, then the route's rewrite. */
function ruleFilters(s: GatewayApiSettings, rewrite?: input.gateway.v1.HTTPPathModifierArgs): input.gateway.v1.HTTPRouteFilterArgs[] {
  return [
    ...(s.cors ? [corsFilter(s.cors)] : []),
    { type: "ResponseHeaderModifier", responseHeaderModifier: { set: [{ name: "Strict-Transport-Security", value: hstsHeaderValue(s.hsts) }] } },
    ...(rewrite ? [{ type: "URLRewrite" as const, urlRewrite: { path: rewrite } }] : []),
  ];
}

/**
 * A route's rules: a pass-through PathPrefix; a PathPrefix with ReplacePrefixMatch (`/chat/v1` → `/v1`);
 * or one Exact match per allowed suffix with ReplaceFullPath (anything else under the prefix is 404).
 */
export function routeRules(s: GatewayApiSettings, route: EdgeRoute): input.gateway.v1.HTTPRouteRuleArgs[] {
  const backendRefs = [{ group: "", kind: "Service", name: route.service.name, port: route.service.port }];
  if (route.exactSuffixes) {
    const upstream = route.upstreamPrefix ?? route.prefix;
    return route.exactSuffixes.map((suffix) => ({
      matches: [{ path: { type: "Exact" as const, value: `${route.prefix}/${suffix}` } }],
      filters: ruleFilters(s, { type: "ReplaceFullPath", replaceFullPath: `${upstream}/${suffix}` }),
      backendRefs,
    }));
  }
  const rewrite =
    route.upstreamPrefix !== undefined && route.upstreamPrefix !== route.prefix
      ? ({ type: "ReplacePrefixMatch", replacePrefixMatch: route.upstreamPrefix } as const)
      : undefined;
  return [{ matches: [{ path: { type: "PathPrefix", value: route.prefix } }], filters: ruleFilters(s, rewrite), backendRefs }];
}

/** One HTTPRoute per route, in its backend's namespace (no ReferenceGrant needed), on the HTTPS listener. */
export function httpRouteSpec(s: GatewayApiSettings, route: EdgeRoute): { metadata: Meta; spec: input.gateway.v1.HTTPRouteSpecArgs } {
  return {
    metadata: meta(s, `${s.component}-${route.key}`, route.service.namespace, { "llm-platform.io/route": route.key }),
    spec: { parentRefs: [parent(s, HTTPS_LISTENER)], hostnames: s.hosts, rules: routeRules(s, route) },
  };
}

function gatewayTarget(s: GatewayApiSettings): input.gateway.v1alpha1.LocalPolicyTargetReferenceArgs {
  return { group: GATEWAY_GROUP, kind: "Gateway", name: s.component };
}

/**
 * nginx limit_req rules: per client address (`$binary_remote_addr`; the data plane's Service keeps it
 * with externalTrafficPolicy Local) and, optionally, per API key (`$http_authorization`; nginx does not
 * count requests whose key is empty, so anonymous requests meet only the address limit). Each data-plane
 * replica counts on its own: edge-wide limits are divided by replicas. Burst = rate × multiplier,
 * served without delay (as ingress-nginx's limit-burst-multiplier).
 */
export function rateLimitRules(limits: EdgeRateLimits, replicas: number): input.gateway.v1alpha1.RateLimitRuleArgs[] {
  const multiplier = limits.burstMultiplier ?? 5;
  const rule = (key: string, value: number, unit: "s" | "m") => {
    const rate = perReplicaLimit(value, replicas);
    return { key, rate: `${rate}r/${unit}`, burst: rate * multiplier, noDelay: true, zoneSize: "10m" };
  };
  const rules: input.gateway.v1alpha1.RateLimitRuleArgs[] = [];
  for (const [key, l] of [
    ["$binary_remote_addr", limits],
    ["$http_authorization", limits.perApiKey],
  ] as const) {
    if (l?.rps) rules.push(rule(key, l.rps, "s"));
    if (l?.rpm) rules.push(rule(key, l.rpm, "m"));
  }
  return rules;
}

export function rateLimitPolicySpec(s: GatewayApiSettings): { metadata: Meta; spec: input.gateway.v1alpha1.RateLimitPolicySpecArgs } | undefined {
  const rules = rateLimitRules(s.rateLimits, s.replicas);
  if (rules.length === 0) return undefined;
  return {
    metadata: meta(s, `${s.component}-rate-limits`),
    spec: { targetRefs: [gatewayTarget(s)], rateLimit: { local: { rules }, rejectCode: 429, logLevel: "warn" } },
  };
}

/** client_max_body_size and client_body_timeout for every server of the Gateway. */
export function clientSettingsPolicySpec(s: GatewayApiSettings): { metadata: Meta; spec: input.gateway.v1alpha1.ClientSettingsPolicySpecArgs } {
  return {
    metadata: meta(s, `${s.component}-client-settings`),
    spec: { targetRef: gatewayTarget(s), body: { maxSize: s.maxBodySize, timeout: `${s.timeouts.clientBodySeconds}s` } },
  };
}

/** Backend timeouts fit for token streaming, and no response buffering. */
export function proxySettingsPolicySpec(s: GatewayApiSettings): { metadata: Meta; spec: input.gateway.v1alpha1.ProxySettingsPolicySpecArgs } {
  return {
    metadata: meta(s, `${s.component}-proxy-settings`),
    spec: {
      targetRefs: [gatewayTarget(s)],
      buffering: { disable: true },
      timeout: { connect: `${s.timeouts.connectSeconds}s`, read: `${s.timeouts.readSeconds}s`, send: `${s.timeouts.sendSeconds}s` },
    },
  };
}
