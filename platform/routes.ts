import type { PlatformConfig } from "../config/schema";

/** Which in-cluster service a public route reaches. */
export type RouteBackend = "gateway" | "vector-store";

/**
 * One public path of the edge, independent of the edge implementation (ingress-nginx or Gateway API)
 * and of the services' Kubernetes names. The edge components, the smoke test and the docs all read
 * this one table.
 */
export interface PublicRoute {
  /** Stable key, used in resource names: `v1`, `adapter-chatbot`, `vector-search`. */
  key: string;
  /** Public path prefix, without a trailing slash: `/chat/v1`, `/v1`, `/vector-search`. */
  prefix: string;
  backend: RouteBackend;
  /** The adapter an adapter path pins (the LiteLLM deployment route). */
  adapter?: string;
  /**
   * How the rest of the path reaches the backend: `prefix + "/" + rest` becomes `upstreamPrefix + "/" + rest`.
   * Absent: the path is passed through unchanged.
   */
  rewrite?: {
    upstreamPrefix: string;
    /** Only these continuations of the prefix are routed (anything else is 404 at the edge). */
    allowedSuffixes?: string[];
  };
}

/** Qdrant's read endpoints of one collection that the edge exposes (`/vector-search/<suffix>`). */
export const VECTOR_SEARCH_SUFFIXES = ["search", "search/batch", "query", "query/batch", "scroll", "count", "recommend"];

/** The public path segment of an adapter: `adapters.<name>.path`, else its name. */
export function adapterPath(config: PlatformConfig, adapter: string): string {
  return config.adapters[adapter]?.path ?? adapter;
}

/**
 * The public route table. Adapter paths (`/<path>/v1/...`, seed 000's `/chat`, `/rag`, `/code`,
 * `/microservices`) go through the gateway with the model pinned by LiteLLM's deployment route;
 * `/v1` is the whole OpenAI-compatible API (the body's `model` picks the adapter); `/vector-search`
 * reaches only the RAG collection's read endpoints on Qdrant.
 */
export function publicRoutes(config: PlatformConfig): PublicRoute[] {
  const routes: PublicRoute[] = [{ key: "v1", prefix: "/v1", backend: "gateway" }];
  for (const adapter of Object.keys(config.adapters)) {
    routes.push({
      key: `adapter-${adapter}`,
      prefix: `/${adapterPath(config, adapter)}/v1`,
      backend: "gateway",
      adapter,
      rewrite: { upstreamPrefix: `/openai/deployments/${adapter}` },
    });
  }
  routes.push({
    key: "vector-search",
    prefix: "/vector-search",
    backend: "vector-store",
    rewrite: { upstreamPrefix: `/collections/${config.qdrant.collection.name}/points`, allowedSuffixes: VECTOR_SEARCH_SUFFIXES },
  });
  return routes;
}
