import type * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config/schema";
import { NginxIngressWithTls } from "../components/nginxIngressWithTls";
import type { EdgeRoute } from "../components/specs/edge";
import { LITELLM_PORT } from "../components/specs/gatewayWorkloads";
import { QDRANT_HTTP_PORT } from "../components/specs/qdrant";

/** Adapter paths of seed 000 → the adapter (a LiteLLM model) they pin. */
export const ADAPTER_PATHS: Record<string, string> = { chat: "chatbot", rag: "rag", code: "code", microservices: "microservices" };

/**
 * The public paths. Adapter paths go through the gateway (keys, limits, logging) with the model pinned
 * by LiteLLM's deployment route; `/v1` is the whole OpenAI-compatible API; `/vector-search` reaches only
 * the RAG collection's search endpoints on Qdrant.
 */
export function edgeRoutes(config: PlatformConfig): Record<string, EdgeRoute> {
  const gateway = { name: "litellm", namespace: config.namespaces.gateway, port: LITELLM_PORT };
  const routes: Record<string, EdgeRoute> = { v1: { path: "/v1", service: gateway } };
  for (const [path, adapter] of Object.entries(ADAPTER_PATHS)) {
    if (config.adapters[adapter]) routes[path] = { path: `/${path}/v1`, service: gateway, rewriteTarget: `/openai/deployments/${adapter}/$1` };
  }
  routes["vector-search"] = {
    path: "/vector-search",
    service: { name: "qdrant", namespace: config.namespaces.data, port: QDRANT_HTTP_PORT },
    rewriteTarget: `/collections/${config.qdrant.collection.name}/points/$1`,
    allowedSuffix: "search|query|search/batch|query/batch|scroll|count|recommend",
  };
  return routes;
}

export function deployEdge(config: PlatformConfig, dependsOn: pulumi.Resource[]): NginxIngressWithTls | undefined {
  if (!config.edge) return undefined;
  return new NginxIngressWithTls(
    "edge",
    { namespaces: { ingress: config.namespaces.ingress, certManager: config.namespaces.certManager }, settings: config.edge, routes: edgeRoutes(config) },
    { dependsOn },
  );
}
