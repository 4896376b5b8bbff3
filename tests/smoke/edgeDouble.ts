import { createServer as createHttpServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";

/**
 * A local double of the prod edge (tests/fixtures/stacks/prod.yaml) written from the upstream
 * behaviour, not from the smoke test's code.
 *
 * The edge, as either implementation of docs/edge.md:
 * - `gateway-api` (prod, NGINX Gateway Fabric 2.6.7): HTTPRoutes match the host; an adapter path
 *   `/<path>/v1/...` is rewritten to `/v1/...` (ReplacePrefixMatch) and the body's model picks the
 *   adapter; `/vector-search/<suffix>` exists for search, search/batch, query and query/batch only
 *   (Exact matches), anything else is 404. The CORS filter (NGF's servers_template.go) answers every
 *   preflight itself with 200, its allowed methods and headers, and Access-Control-Allow-Origin only for
 *   a listed origin; on other answers it adds (`add_header`, never replacing the backend's) the allow
 *   origin for listed origins. limit_req per client address and per Authorization header, nodelay
 *   bursts, answering 429.
 * - `ingress-nginx` (dev): the same paths; CORS headers set (more_set_headers, replacing the backend's)
 *   for listed origins only, a 204 to their preflights at the edge, other preflights passed on;
 *   limit_req per client address only.
 *
 * Behind it, LiteLLM: the key check (401 `{error: {message, type: "auth_error", code: "401"}}`),
 * OpenAI-shaped chat/embeddings/models answers, Cohere-shaped rerank answers, and its own CORS as
 * configured by the gateway (LITELLM_CORS_ALLOW_ORIGINS empty: Starlette's CORSMiddleware refuses a
 * preflight with 400 "Disallowed CORS origin" and adds no header; the `backendCorsAnyOrigin` fault is
 * LiteLLM's default, every origin with credentials). Qdrant: `api-key` or `Authorization: Bearer`
 * (src/common/auth/mod.rs), 401 without one, 403 for a token it does not accept; its vector-size check.
 */
export const EDGE_HOST = "llm.example.com";
/** The fixture's adapters by public path segment (chatbot is served at /chat). */
export const PROD_PATHS: Record<string, string> = { chat: "chatbot", rag: "rag", code: "code", microservices: "microservices" };
export const PROD_ADAPTERS = Object.values(PROD_PATHS);
export const PROD_ORIGINS = ["https://chat.example.com", "https://n8n.example.com"];
export const COLLECTION_DIM = 1024;
/** The read endpoints the edge routes under /vector-search (platform/routes.ts VECTOR_SEARCH_SUFFIXES, written out). */
const VECTOR_SEARCH = ["search", "search/batch", "query", "query/batch"];

export type EdgeKind = "gateway-api" | "ingress-nginx";

export interface EdgeFaults {
  /** This adapter's server is down: both its routes answer 502. */
  failAdapter?: string;
  /** The HTTPRoute (or Ingress) of this path segment is missing: 404. */
  missingPathRoute?: string;
  /** This adapter answers after the delay (ms). */
  slowAdapter?: { name: string; ms: number };
  /** This adapter answers 200 with a body that is no chat completion. */
  malformedAdapter?: string;
  /** No CORS at the edge (no CORS filter, no annotations): preflights reach the gateway. */
  noCors?: boolean;
  /** The edge ends every preflight with 200/204 but adds no CORS headers (CORS on with no usable origin list). */
  preflightWithoutHeaders?: boolean;
  /** The gateway answers CORS itself for any origin (LiteLLM's default allow-all with credentials). */
  backendCorsAnyOrigin?: boolean;
  /** No master key: calls without a key get through. */
  openGateway?: boolean;
  /** Any bearer token is accepted. */
  anyKey?: boolean;
  /** /v1/models omits this model. */
  unlistedModel?: string;
  embeddingDim?: number;
  /** Qdrant without an API key. */
  openVectorSearch?: boolean;
  /** No limit at the edge. */
  noRateLimit?: boolean;
  /** Error answers quote the bearer token they were given (as a careless upstream might). */
  echoKey?: boolean;
  /** Missing HSTS header on HTTPS answers. */
  noHsts?: boolean;
}

/** A limit_req zone: `rps` refills, `burst` more served at once (nodelay). */
export interface DoubleRate {
  rps: number;
  burst: number;
}

export interface EdgeDoubleOptions {
  /** Client keys: key → client name. */
  keys: Record<string, string>;
  /** Client name → models its key may call (absent: all). */
  clientModels?: Record<string, string[]>;
  /** Qdrant client tokens: token → Qdrant client name. */
  qdrantTokens: Record<string, string>;
  /** The reranker model the gateway serves: the prod fixture's `reranker` server unless given; null for none. */
  reranker?: string | null;
  /** The reranker ranks the unrelated document first. */
  rerankerInverted?: boolean;
  faults?: EdgeFaults;
  tls?: { key: string; cert: string };
  /** Default gateway-api (prod's). */
  implementation?: EdgeKind;
  /** The edge's limits as one client meets them through the load balancer; default prod's edge-wide ones. */
  rateLimits?: { perAddress?: DoubleRate; perKey?: DoubleRate };
}

export interface RecordedCall {
  method: string;
  path: string;
  host: string | undefined;
  model?: string;
  origin?: string;
  /** The client whose key was presented, "none", or "unknown". */
  client: string;
  maxTokens?: number;
}

export interface EdgeDouble {
  url: string;
  port: number;
  calls: RecordedCall[];
  close: () => Promise<void>;
}

const HSTS = "max-age=31536000; includeSubDomains";

function liteLLMError(status: number, message: string, type = "None") {
  return { status, json: { error: { message, type, param: "None", code: String(status) } } };
}

/** A token bucket per key: capacity `burst + 1`, refilled at `rps`; false when empty (limit_req, nodelay). */
function limiter(rate: DoubleRate | undefined) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return (key: string | undefined): boolean => {
    if (!rate || !key) return true;
    const now = performance.now();
    const b = buckets.get(key) ?? { tokens: rate.burst + 1, at: now };
    b.tokens = Math.min(rate.burst + 1, b.tokens + ((now - b.at) / 1000) * rate.rps);
    b.at = now;
    buckets.set(key, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  };
}

type Answer = { status: number; json?: unknown; headers?: OutgoingHttpHeaders };

export async function startEdgeDouble(options: EdgeDoubleOptions): Promise<EdgeDouble> {
  const f = options.faults ?? {};
  const kind = options.implementation ?? "gateway-api";
  const calls: RecordedCall[] = [];
  const embeddingModels = ["embedding"];
  const reranker = options.reranker === undefined ? "reranker" : options.reranker;
  const served = [...PROD_ADAPTERS, ...embeddingModels, ...(reranker ? [reranker] : []), "default"];
  // prod: edge.rateLimits rps 20 per address, perApiKey rps 40, burst ×5 (per replica halves of these).
  const limits = options.rateLimits ?? { perAddress: { rps: 20, burst: 100 }, ...(kind === "gateway-api" ? { perKey: { rps: 40, burst: 200 } } : {}) };
  const perAddress = limiter(limits.perAddress);
  const perKey = limiter(limits.perKey);

  const answer = async (req: IncomingMessage, body: string): Promise<Answer> => {
    const url = new URL(req.url ?? "/", "http://double");
    const path = url.pathname;
    const origin = req.headers.origin;
    const auth = req.headers.authorization;
    const token = auth?.startsWith("Bearer ") ? auth.slice(7) : undefined;
    const vectorSearch = path.startsWith("/vector-search/");
    const qdrantCredential = req.headers["api-key"] ?? token;
    const client = vectorSearch
      ? qdrantCredential === undefined
        ? "none"
        : (options.qdrantTokens[String(qdrantCredential)] ?? "unknown")
      : token === undefined
        ? "none"
        : (options.keys[token] ?? "unknown");
    let json: any;
    try {
      json = body ? JSON.parse(body) : undefined;
    } catch {
      json = undefined;
    }
    const call: RecordedCall = {
      method: req.method!,
      path,
      host: req.headers.host,
      client,
      ...(origin ? { origin } : {}),
      ...(json?.model ? { model: json.model } : {}),
    };
    if (typeof json?.max_tokens === "number") call.maxTokens = json.max_tokens;
    calls.push(call);

    // Routes match the host; anything else is the edge's own 404.
    if ((req.headers.host ?? "").split(":")[0] !== EDGE_HOST) return { status: 404, json: { message: "404 Not Found" } };

    // The route table: /v1, /<path>/v1 (rewritten to /v1), /vector-search/<read endpoint>.
    const segments = path.split("/").filter(Boolean);
    let backend: "gateway" | "qdrant";
    let rest = "";
    if (segments[0] === "vector-search") {
      if (!VECTOR_SEARCH.includes(segments.slice(1).join("/"))) return { status: 404, json: { message: "404 Not Found" } };
      backend = "qdrant";
      rest = segments.slice(1).join("/");
    } else if (segments[0] === "v1") {
      backend = "gateway";
      rest = segments.slice(1).join("/");
    } else if (segments[1] === "v1" && PROD_PATHS[segments[0]!] && segments[0] !== f.missingPathRoute) {
      backend = "gateway";
      rest = segments.slice(2).join("/");
    } else return { status: 404, json: { message: "404 Not Found" } };

    // The edge's CORS.
    const listed = origin !== undefined && PROD_ORIGINS.includes(origin);
    const edgeCors = !f.noCors && origin !== undefined && !f.preflightWithoutHeaders;
    const corsHeaders: Record<string, string> = {
      "access-control-allow-methods": "GET, POST, OPTIONS",
      "access-control-allow-headers": "Authorization, Content-Type, X-Request-Id",
      "access-control-max-age": "600",
    };
    if (req.method === "OPTIONS" && !f.noCors) {
      if (f.preflightWithoutHeaders) return { status: kind === "gateway-api" ? 200 : 204 };
      if (kind === "gateway-api") return { status: 200, headers: { ...corsHeaders, ...(listed ? { "access-control-allow-origin": origin } : {}) } };
      if (listed) return { status: 204, headers: { ...corsHeaders, "access-control-allow-origin": origin!, "access-control-allow-credentials": "false" } };
      // ingress-nginx: an unlisted origin's preflight goes on to the backend.
    }
    // limit_req (preaccess phase: after the preflight's `return` in the rewrite phase) per client address
    // and, on the Gateway API, per Authorization header (an empty one is not counted).
    if (!f.noRateLimit && (!perAddress(req.socket.remoteAddress) || !perKey(auth))) return { status: 429, json: { message: "429 Too Many Requests" } };
    const withCors = (a: Answer): Answer => {
      const headers: OutgoingHttpHeaders = { ...a.headers };
      // LiteLLM's own CORS on answers: its default echoes every origin, with credentials.
      if (f.backendCorsAnyOrigin && origin) Object.assign(headers, { "access-control-allow-origin": origin, "access-control-allow-credentials": "true" });
      if (edgeCors && listed) {
        // add_header appends: a second header line beside the backend's.
        if (kind === "gateway-api" && headers["access-control-allow-origin"] !== undefined)
          (headers as Record<string, string | string[]>)["access-control-allow-origin"] = [String(headers["access-control-allow-origin"]), origin!];
        else headers["access-control-allow-origin"] = origin!;
      }
      return { ...a, headers };
    };

    if (backend === "qdrant") {
      if (req.method === "OPTIONS") return withCors({ status: 405 });
      if (!f.openVectorSearch && client === "none")
        return withCors({ status: 401, json: { status: { error: "Must provide an API key or an Authorization bearer token" }, time: 0 } });
      if (!f.openVectorSearch && client === "unknown") return withCors({ status: 403, json: { status: { error: "Invalid API key or JWT" }, time: 0 } });
      const vector = rest === "query" ? json?.query : json?.vector;
      if (!Array.isArray(vector)) return withCors({ status: 400, json: { status: { error: "Format error in JSON body" }, time: 0 } });
      if (vector.length !== COLLECTION_DIM) {
        return withCors({
          status: 400,
          json: { status: { error: `Wrong input: Vector dimension error: expected dim: ${COLLECTION_DIM}, got ${vector.length}` }, time: 0 },
        });
      }
      return withCors({ status: 200, json: { result: rest === "query" ? { points: [] } : [], status: "ok", time: 0.0004 } });
    }

    if (req.method === "OPTIONS") {
      // Starlette's CORSMiddleware in front of LiteLLM: a preflight from an origin it does not allow is a 400.
      if (f.backendCorsAnyOrigin && origin)
        return { status: 200, headers: { ...corsHeaders, "access-control-allow-origin": origin, "access-control-allow-credentials": "true" } };
      return { status: 400, headers: { "content-type": "text/plain" }, json: "Disallowed CORS origin" };
    }
    const echo = f.echoKey && token ? ` (key ${token})` : "";
    if (token === undefined && !f.openGateway) return withCors(liteLLMError(401, "Authentication Error, No api key passed in.", "auth_error"));
    if (token !== undefined && client === "unknown" && !f.anyKey)
      return withCors(liteLLMError(401, `Authentication Error, Invalid proxy server token passed.${echo}`, "auth_error"));
    const allowed = options.clientModels?.[client];
    const may = (model: string) => !allowed || allowed.includes(model);

    if (req.method === "GET" && rest === "models") {
      await new Promise((r) => setTimeout(r, 15));
      const ids = served.filter((m) => m !== f.unlistedModel && may(m));
      return withCors({ status: 200, json: { object: "list", data: ids.map((id) => ({ id, object: "model", created: 1700000000, owned_by: "openai" })) } });
    }
    if (req.method !== "POST") return withCors({ status: 405, json: { detail: "Method Not Allowed" } });
    // On /v1 the body's model is the one LiteLLM authorizes and serves, whichever path the edge rewrote.
    const model: string = json?.model;
    if (!served.includes(model))
      return withCors(liteLLMError(400, `Invalid model name passed in model=${model}. Call /v1/models to view available models for your key.`));
    if (!may(model))
      return withCors(
        liteLLMError(
          401,
          `key not allowed to access model. This key can only access models=${JSON.stringify(allowed)}. Tried to access ${model}${echo}`,
          "key_model_access_denied",
        ),
      );

    if (rest === "chat/completions") {
      if (!PROD_ADAPTERS.includes(model) && model !== "default") return withCors(liteLLMError(400, `${model} does not support chat`));
      if (typeof json.max_tokens !== "number" || json.max_tokens > 8)
        return withCors(liteLLMError(400, "the double only serves tiny requests (max_tokens <= 8)"));
      if (model === f.failAdapter)
        return withCors(liteLLMError(502, `litellm.APIConnectionError: Hosted_vllmException - Connection refused to vllm-llm:8000${echo}`));
      if (model === f.slowAdapter?.name) await new Promise((r) => setTimeout(r, f.slowAdapter!.ms));
      if (model === f.malformedAdapter) return withCors({ status: 200, json: { id: "x", object: "chat.completion", choices: [] } });
      const completion = Math.min(1, json.max_tokens);
      return withCors({
        status: 200,
        json: {
          id: "chatcmpl-double",
          object: "chat.completion",
          created: 1700000000,
          model,
          choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }],
          usage: { prompt_tokens: 14, completion_tokens: completion, total_tokens: 14 + completion },
        },
      });
    }
    if (rest === "embeddings") {
      if (!embeddingModels.includes(model)) return withCors(liteLLMError(400, `${model} does not support embeddings`));
      const dim = f.embeddingDim ?? COLLECTION_DIM;
      return withCors({
        status: 200,
        json: {
          object: "list",
          model,
          data: [{ object: "embedding", index: 0, embedding: Array.from({ length: dim }, (_, i) => ((i % 7) - 3) / 10) }],
          usage: { prompt_tokens: 3, total_tokens: 3 },
        },
      });
    }
    if (rest === "rerank") {
      if (model !== reranker) return withCors(liteLLMError(400, `${model} does not support rerank`));
      const docs: string[] = json.documents;
      const scores = docs.map((d) => (/capital/i.test(d) === !options.rerankerInverted ? 0.98 : 0.01));
      const results = scores.map((relevance_score, index) => ({ index, relevance_score })).sort((a, b) => b.relevance_score - a.relevance_score);
      return withCors({ status: 200, json: { id: "rerank-double", results, meta: { billed_units: { search_units: 1 } } } });
    }
    return withCors({ status: 404, json: { detail: "Not Found" } });
  };

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      answer(req, body)
        .then((a) => {
          const text = typeof a.json === "string" ? a.json : a.json !== undefined ? JSON.stringify(a.json) : undefined;
          const headers: OutgoingHttpHeaders = {
            ...(a.json !== undefined && typeof a.json !== "string" ? { "content-type": "application/json" } : {}),
            ...a.headers,
          };
          if (options.tls && !f.noHsts && a.status < 400) headers["strict-transport-security"] = HSTS;
          res.writeHead(a.status, headers).end(text);
        })
        .catch((error) => res.writeHead(500).end(String(error)));
    });
  };
  const server: Server = options.tls ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, handler) : createHttpServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${options.tls ? "https" : "http"}://127.0.0.1:${port}`,
    port,
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The edge's plain-HTTP side: a permanent redirect to the same path on https://<host> (or a fault). */
export async function startRedirectDouble(
  answer?: (path: string, host: string) => { status: number; location?: string },
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createHttpServer((req, res) => {
    const host = (req.headers.host ?? "").split(":")[0]!;
    const a = answer ? answer(req.url ?? "/", host) : { status: 308, location: `https://${host}${req.url}` };
    res.writeHead(a.status, a.location ? { location: a.location } : {}).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
