import type * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config/schema";
import { NginxIngressWithTls } from "../components/nginxIngressWithTls";
import type { EdgeRoute } from "../components/specs/edge";
import { LITELLM_PORT } from "../components/specs/gatewayWorkloads";
import { QDRANT_HTTP_PORT } from "../components/specs/qdrant";
import { publicRoutes } from "./routes";

/** The public route table (platform/routes.ts) as ingress-nginx routes to the gateway and Qdrant Services. */
export function edgeRoutes(config: PlatformConfig): Record<string, EdgeRoute> {
  const services = {
    gateway: { name: "litellm", namespace: config.namespaces.gateway, port: LITELLM_PORT },
    "vector-store": { name: "qdrant", namespace: config.namespaces.data, port: QDRANT_HTTP_PORT },
  };
  return Object.fromEntries(
    publicRoutes(config).map((r) => [
      r.key,
      {
        path: r.prefix,
        service: services[r.backend],
        ...(r.rewrite ? { rewriteTarget: `${r.rewrite.upstreamPrefix}/$1` } : {}),
        ...(r.rewrite?.allowedSuffixes ? { allowedSuffix: r.rewrite.allowedSuffixes.join("|") } : {}),
      },
    ]),
  );
}

export function deployEdge(config: PlatformConfig, dependsOn: pulumi.Resource[]): NginxIngressWithTls | undefined {
  if (!config.edge) return undefined;
  return new NginxIngressWithTls(
    "edge",
    { settings: config.edge, routes: edgeRoutes(config) },
    { dependsOn },
  );
}
