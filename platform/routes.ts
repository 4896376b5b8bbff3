import type { PlatformConfig } from "../config/schema";

/** Which in-cluster service a public route reaches. */
export type RouteBackend = "gateway" | "vector-store";

/**
 * One public path of the edge, independent of the edge implementation (ingress-nginx or Gateway API)
 * and of the services' Kubernetes names. The edge components, the smoke test and the docs all read
 * this one table; `resolvePublicPath` states what it means, and the parity tests hold both
 * implementations to it.
 */
export interface PublicRoute {
  /** Stable key, used in resource names: `v1`, `adapter-chatbot`, `vector-search`. */
  key: string;
  /** Public path prefix, without a trailing slash: `/chat/v1`, `/v1`, `/vector-search`. */
  prefix: string;
  backend: RouteBackend;
  /**
   * The adapter a path route is named for. The route is that adapter's base URL; the request's
   * `model` must name it (see `publicRoutes`: the body's model is what LiteLLM both authorizes and serves).
   */
  adapter?: string;
  /**
   * How the rest of the path reaches the backend: `prefix + rest` (rest empty or starting with "/")
   * becomes `upstreamPrefix + rest`. Absent: the path is passed through unchanged.
   */
  rewrite?: {
    upstreamPrefix: string;
    /**
     * Only `prefix + "/" + suffix` for exactly these suffixes is routed (to `upstreamPrefix + "/" + suffix`);
     * anything else under the prefix is 404 at the edge.
     */
    allowedSuffixes?: string[];
  };
}

/**
 * Qdrant's search endpoints of one collection that the edge exposes (`/vector-search/<suffix>`): the
 * nearest neighbours of a query, never the collection itself. `scroll` and `count` are not exposed: with
 * the one shared read-only key they would let any client page through the whole collection (#21);
 * `recommend` is a search by stored examples that `query` also covers.
 */
export const VECTOR_SEARCH_SUFFIXES = ["search", "search/batch", "query", "query/batch"];

/** LiteLLM's OpenAI-compatible API root: `/v1/chat/completions`, `/v1/embeddings`, `/v1/models`. */
export const OPENAI_API_PREFIX = "/v1";

/** The public path segment of an adapter: `adapters.<name>.path`, else its name. */
export function adapterPath(config: PlatformConfig, adapter: string): string {
  return config.adapters[adapter]?.path ?? adapter;
}

/**
 * The public route table.
 * - `/v1/...` is the whole OpenAI-compatible API: the request's `model` picks the adapter.
 * - `/<path>/v1/...` per adapter (seed 000's `/chat`, `/rag`, `/code`, `/microservices`) is rewritten to
 *   `/v1/...`. It is not rewritten to LiteLLM's deployment route `/openai/deployments/<adapter>/...`:
 *   there LiteLLM serves the path's model but checks a key's model allowlist against the body's
 *   `model` (auth_utils.get_model_from_request reads the body first and the path only when the body
 *   has none, while the route handler puts the path's model first: v1.77.7 through the 2026
 *   releases), so a key allowed only `code` could call `chatbot` by naming `code` in the body. On
 *   `/v1` the body's model is both the one authorized and the one served. `/<path>/v1/models` lists
 *   the models the key may call (LiteLLM has no `/openai/deployments/<m>/models`).
 * - `/vector-search/<suffix>` reaches only the RAG collection's read endpoints on Qdrant.
 */
export function publicRoutes(config: PlatformConfig): PublicRoute[] {
  const routes: PublicRoute[] = [{ key: "v1", prefix: OPENAI_API_PREFIX, backend: "gateway" }];
  for (const adapter of Object.keys(config.adapters)) {
    routes.push({
      key: `adapter-${adapter}`,
      prefix: `/${adapterPath(config, adapter)}${OPENAI_API_PREFIX}`,
      backend: "gateway",
      adapter,
      rewrite: { upstreamPrefix: OPENAI_API_PREFIX },
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

/** Where a request path goes by the route table's own definition: the route and the backend path, or undefined (404). */
export function resolvePublicPath(routes: PublicRoute[], path: string): { route: PublicRoute; backendPath: string } | undefined {
  let best: { route: PublicRoute; backendPath: string } | undefined;
  for (const route of routes) {
    let backendPath: string | undefined;
    if (route.rewrite?.allowedSuffixes) {
      const suffix = path.startsWith(`${route.prefix}/`) ? path.slice(route.prefix.length + 1) : undefined;
      if (suffix !== undefined && route.rewrite.allowedSuffixes.includes(suffix)) backendPath = `${route.rewrite.upstreamPrefix}/${suffix}`;
    } else if (path === route.prefix || path.startsWith(`${route.prefix}/`)) {
      const rest = path.slice(route.prefix.length);
      backendPath = route.rewrite ? `${route.rewrite.upstreamPrefix}${rest}` : path;
    }
    // The longest matching prefix wins (an adapter path `/v1/v1` over `/v1`).
    if (backendPath !== undefined && (!best || route.prefix.length > best.route.prefix.length)) best = { route, backendPath };
  }
  return best;
}
