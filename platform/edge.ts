import type * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config/schema";
import type { EdgeConfig } from "../config/edgeSchema";
import { GatewayApiEdge, type GatewayApiEdgeArgs } from "../components/gatewayApiEdge";
import { NginxIngressWithTls, type NginxIngressWithTlsArgs } from "../components/nginxIngressWithTls";
import { ACME_SERVERS, edgeNames, type EdgeRateLimits, type EdgeRoute } from "../components/specs/edge";
import { gatewayServiceRefs } from "./gateway";
import { publicRoutes } from "./routes";
import { stackScopedName } from "../config/clusterSchema";

/**
 * The public route table (platform/routes.ts) as edge routes to the gateway's and Qdrant's Services,
 * by route key (the same keys as `publicRoutes`).
 */
export function edgeRoutes(config: PlatformConfig): Record<string, EdgeRoute> {
  const services = gatewayServiceRefs(config);
  return Object.fromEntries(
    publicRoutes(config).map((r) => [
      r.key,
      {
        key: r.key,
        prefix: r.prefix,
        service: services[r.backend],
        ...(r.rewrite ? { upstreamPrefix: r.rewrite.upstreamPrefix } : {}),
        ...(r.rewrite?.allowedSuffixes ? { exactSuffixes: r.rewrite.allowedSuffixes } : {}),
      },
    ]),
  );
}

/**
 * Namespaces where cert-manager runs HTTP-01 solver pods (the Certificate's namespace): the Gateway's own
 * namespace on the Gateway API edge (one Certificate for the listener); every route namespace on
 * ingress-nginx (an Ingress reads only Secrets of its namespace, so each has a Certificate).
 */
export function acmeSolverNamespaces(config: PlatformConfig): string[] {
  if (!config.edge) return [];
  if (config.edge.implementation === "gateway-api") return [config.namespaces.ingress];
  return [...new Set(Object.values(edgeRoutes(config)).map((r) => r.service.namespace))];
}

/** The edge component's name: its Kubernetes objects are named after it (`edge-tls`, `edge-acme`, `edge-<route key>`). */
export const EDGE_COMPONENT = "edge";

/** The edge's name for a stack: `<environment>-edge` in a shared cluster, so its ClusterIssuer (cluster-scoped) is the stack's own. */
export function edgeComponentName(config: { cluster: { shared: boolean }; platform: { environment: string } }): string {
  return config.cluster.shared ? stackScopedName(config.platform.environment, EDGE_COMPONENT) : EDGE_COMPONENT;
}

/** The edge certificate (and its Secret): one beside the Gateway, or one per route namespace on ingress-nginx. */
export function edgeCertificate(config: PlatformConfig): { name: string; namespaces: string[] } | undefined {
  return config.edge ? { name: edgeNames(edgeComponentName(config)).tlsSecret, namespaces: acmeSolverNamespaces(config) } : undefined;
}

/** NGINX replicas that each count the edge's per-client limits on their own (the controller's, or the Gateway's data plane). */
export function edgeReplicas(edge: EdgeConfig): number {
  return edge.implementation === "gateway-api" ? edge.gatewayApi.replicas : edge.ingressNginx.replicas;
}

function rateLimits(edge: EdgeConfig): EdgeRateLimits {
  const l = edge.rateLimits;
  return { rps: l.rps, rpm: l.rpm, connections: l.connections, burstMultiplier: l.burstMultiplier, allowlist: l.allowlist, perApiKey: l.perApiKey };
}

/** The edge's settings both implementations share. */
function common(config: PlatformConfig, edge: EdgeConfig) {
  return {
    hosts: edge.hosts,
    routes: Object.values(edgeRoutes(config)),
    acme: { email: edge.email, server: ACME_SERVERS[edge.acme] },
    cors: edge.cors,
    rateLimits: rateLimits(edge),
    timeouts: edge.timeouts,
    maxBodySize: edge.maxBodySize,
  };
}

export function nginxIngressArgs(config: PlatformConfig, edge: EdgeConfig): NginxIngressWithTlsArgs {
  return { ...common(config, edge), ingressClassName: edge.ingressNginx.ingressClass, controllerReplicas: edgeReplicas(edge) };
}

export function gatewayApiEdgeArgs(config: PlatformConfig, edge: EdgeConfig): GatewayApiEdgeArgs {
  return {
    ...common(config, edge),
    // The Gateway, its NGINX data plane and the certificate live beside the controller.
    namespace: config.namespaces.ingress,
    gatewayClassName: edge.gatewayApi.gatewayClass,
    hsts: edge.hsts,
    dataPlaneReplicas: edgeReplicas(edge),
  };
}

/** The edge of `edge.implementation`; its custom resources wait for the add-ons (CRDs, controller, cert-manager). */
export function deployEdge(
  config: PlatformConfig,
  dependsOn: pulumi.Resource[],
  opts: pulumi.ComponentResourceOptions = {},
): NginxIngressWithTls | GatewayApiEdge | undefined {
  const edge = config.edge;
  if (!edge) return undefined;
  if (edge.implementation === "gateway-api") return new GatewayApiEdge(edgeComponentName(config), gatewayApiEdgeArgs(config, edge), { ...opts, dependsOn });
  return new NginxIngressWithTls(edgeComponentName(config), nginxIngressArgs(config, edge), { ...opts, dependsOn });
}
