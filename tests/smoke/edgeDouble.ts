import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";

/**
 * A local double of the prod edge (tests/fixtures/stacks/prod.yaml) written from the upstream
 * behaviour, not from the smoke test's code: ingress-nginx host rules, path routes and CORS
 * (headers only for listed origins, a 204 to their preflights, other preflights passed on), LiteLLM's
 * key check (401 `{error: {message, type: "auth_error", code: "401"}}`), its `/openai/deployments/<model>`
 * route taking the model from the path, OpenAI-shaped chat/embeddings/models answers and Cohere-shaped
 * rerank answers, Qdrant's `api-key` check and vector-size check, and a per-client connection limit
 * answering 429 (limit-conn-status-code).
 */
export const EDGE_HOST = "llm.example.com";
/** The fixture's adapters by public path segment (chatbot is served at /chat). */
export const PROD_PATHS: Record<string, string> = { chat: "chatbot", rag: "rag", code: "code", microservices: "microservices" };
export const PROD_ADAPTERS = Object.values(PROD_PATHS);
export const PROD_ORIGINS = ["https://chat.example.com", "https://n8n.example.com"];
export const COLLECTION_DIM = 1024;

export interface EdgeFaults {
  /** This adapter's server is down: both its routes answer 502. */
  failAdapter?: string;
  /** The Ingress of this path segment is missing: 404. */
  missingPathRoute?: string;
  /** This adapter answers after the delay (ms). */
  slowAdapter?: { name: string; ms: number };
  /** This adapter answers 200 with a body that is no chat completion. */
  malformedAdapter?: string;
  /** No CORS annotations: no headers for listed origins either. */
  noCors?: boolean;
  /** The edge ends every preflight with a 204 but adds no CORS headers (CORS enabled with no usable origin list). */
  preflightWithoutHeaders?: boolean;
  /** The backend answers CORS itself for any origin (LiteLLM's default allow-all with credentials). */
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
  /** No per-client limit at the edge. */
  noRateLimit?: boolean;
  /** Error answers quote the bearer token they were given (as a careless upstream might). */
  echoKey?: boolean;
  /** Missing HSTS header on HTTPS answers. */
  noHsts?: boolean;
}

export interface EdgeDoubleOptions {
  /** Client keys: key → client name. */
  keys: Record<string, string>;
  /** Client name → models its key may call (absent: all). */
  clientModels?: Record<string, string[]>;
  qdrantKey: string;
  /** A reranker model the gateway serves. */
  reranker?: string;
  /** The reranker ranks the unrelated document first. */
  rerankerInverted?: boolean;
  faults?: EdgeFaults;
  tls?: { key: string; cert: string };
  /** Connections one client may hold at once before 429. */
  maxConnections?: number;
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

export async function startEdgeDouble(options: EdgeDoubleOptions): Promise<EdgeDouble> {
  const f = options.faults ?? {};
  const calls: RecordedCall[] = [];
  const embeddingModels = ["embedding"];
  const served = [...PROD_ADAPTERS, ...embeddingModels, ...(options.reranker ? [options.reranker] : []), "default"];
  let inFlight = 0;

  const answer = async (req: IncomingMessage, body: string): Promise<{ status: number; json?: unknown; headers?: Record<string, string> }> => {
    const url = new URL(req.url ?? "/", "http://double");
    const path = url.pathname;
    const origin = req.headers.origin;
    const auth = req.headers.authorization;
    const token = auth?.startsWith("Bearer ") ? auth.slice(7) : undefined;
    const qdrantKey = req.headers["api-key"];
    const client = path.startsWith("/vector-search/")
      ? qdrantKey === undefined
        ? "none"
        : qdrantKey === options.qdrantKey
          ? "qdrant-reader"
          : "unknown"
      : token === undefined
        ? "none"
        : (options.keys[token] ?? "unknown");
    let json: any;
    try {
      json = body ? JSON.parse(body) : undefined;
    } catch {
      json = undefined;
    }
    const call: RecordedCall = { method: req.method!, path, host: req.headers.host, client, ...(origin ? { origin } : {}), ...(json?.model ? { model: json.model } : {}) };
    if (typeof json?.max_tokens === "number") call.maxTokens = json.max_tokens;
    calls.push(call);

    // ingress-nginx: Ingress rules match the host; anything else is the default backend's 404.
    if ((req.headers.host ?? "").split(":")[0] !== EDGE_HOST) return { status: 404, json: { message: "default backend - 404" } };

    // limit-connections per client, answered with limit-conn-status-code 429.
    if (!f.noRateLimit && inFlight > (options.maxConnections ?? 8)) return { status: 429, json: { message: "429 Too Many Requests" } };

    // CORS annotations: headers for listed origins; their preflights end at the edge.
    const cors: Record<string, string> = {};
    if (origin && !f.noCors && !f.preflightWithoutHeaders && PROD_ORIGINS.includes(origin)) {
      Object.assign(cors, {
        "access-control-allow-origin": origin,
        "access-control-allow-methods": "GET, POST, OPTIONS",
        "access-control-allow-headers": "Authorization, Content-Type, X-Request-Id",
        "access-control-max-age": "600",
        "access-control-allow-credentials": "false",
      });
      if (req.method === "OPTIONS") return { status: 204, headers: cors };
    }
    if (f.preflightWithoutHeaders && req.method === "OPTIONS") return { status: 204 };

    const segments = path.split("/").filter(Boolean);
    // Qdrant behind /vector-search/<read endpoint>.
    if (segments[0] === "vector-search") {
      const suffix = segments.slice(1).join("/");
      if (!["search", "search/batch", "query", "query/batch", "scroll", "count", "recommend"].includes(suffix)) return { status: 404, json: { message: "not found" } };
      if (!f.openVectorSearch && client !== "qdrant-reader") {
        return { status: 401, json: { status: { error: "Must provide an API key or an Authorization bearer token" }, time: 0 } };
      }
      const vector = suffix === "query" ? json?.query : json?.vector;
      if (!Array.isArray(vector)) return { status: 400, json: { status: { error: "Format error in JSON body" }, time: 0 } };
      if (vector.length !== COLLECTION_DIM) {
        return { status: 400, json: { status: { error: `Wrong input: Vector dimension error: expected dim: ${COLLECTION_DIM}, got ${vector.length}` }, time: 0 } };
      }
      return { status: 200, json: { result: suffix === "query" ? { points: [] } : [], status: "ok", time: 0.0004 } };
    }

    // The gateway: /v1/... or /<path>/v1/... (rewritten to /openai/deployments/<adapter>/...).
    let pinned: string | undefined;
    let rest: string;
    if (segments[0] === "v1") rest = segments.slice(1).join("/");
    else if (segments[1] === "v1" && PROD_PATHS[segments[0]!] && segments[0] !== f.missingPathRoute) {
      pinned = PROD_PATHS[segments[0]!];
      rest = segments.slice(2).join("/");
    } else return { status: 404, json: { message: "default backend - 404" } };

    const withCors = (a: { status: number; json?: unknown; headers?: Record<string, string> }) => {
      const headers: Record<string, string> = { ...a.headers, ...cors };
      if (f.backendCorsAnyOrigin && origin && !headers["access-control-allow-origin"]) {
        headers["access-control-allow-origin"] = origin;
        headers["access-control-allow-credentials"] = "true";
      }
      return { ...a, headers };
    };

    if (req.method === "OPTIONS") return withCors({ status: 405, json: { detail: "Method Not Allowed" } });
    const echo = f.echoKey && token ? ` (key ${token})` : "";
    if (token === undefined && !f.openGateway) return withCors(liteLLMError(401, "Authentication Error, No api key passed in.", "auth_error"));
    if (token !== undefined && client === "unknown" && !f.anyKey) return withCors(liteLLMError(401, `Authentication Error, Invalid proxy server token passed.${echo}`, "auth_error"));
    const allowed = options.clientModels?.[client];
    const may = (model: string) => !allowed || allowed.includes(model);

    if (req.method === "GET" && rest === "models") {
      await new Promise((r) => setTimeout(r, 15));
      const ids = served.filter((m) => m !== f.unlistedModel && may(m));
      return withCors({ status: 200, json: { object: "list", data: ids.map((id) => ({ id, object: "model", created: 1700000000, owned_by: "openai" })) } });
    }
    if (req.method !== "POST") return withCors({ status: 405, json: { detail: "Method Not Allowed" } });
    // LiteLLM: the deployment route's path model wins over the body's.
    const model: string = pinned ?? json?.model;
    if (!served.includes(model)) return withCors(liteLLMError(400, `Invalid model name passed in model=${model}. Call /v1/models to view available models for your key.`));
    if (!may(model)) return withCors(liteLLMError(401, `key not allowed to access model. This key can only access models=${JSON.stringify(allowed)}. Tried to access ${model}${echo}`, "key_model_access_denied"));

    if (rest === "chat/completions") {
      if (!PROD_ADAPTERS.includes(model) && model !== "default") return withCors(liteLLMError(400, `${model} does not support chat`));
      if (typeof json.max_tokens !== "number" || json.max_tokens > 8) return withCors(liteLLMError(400, "the double only serves tiny requests (max_tokens <= 8)"));
      if (model === f.failAdapter) return withCors(liteLLMError(502, `litellm.APIConnectionError: Hosted_vllmException - Connection refused to vllm-llm:8000${echo}`));
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
        json: { object: "list", model, data: [{ object: "embedding", index: 0, embedding: Array.from({ length: dim }, (_, i) => ((i % 7) - 3) / 10) }], usage: { prompt_tokens: 3, total_tokens: 3 } },
      });
    }
    if (rest === "rerank") {
      if (model !== options.reranker) return withCors(liteLLMError(400, `${model} does not support rerank`));
      const docs: string[] = json.documents;
      const scores = docs.map((d) => (/capital/i.test(d) === !options.rerankerInverted ? 0.98 : 0.01));
      const results = scores.map((relevance_score, index) => ({ index, relevance_score })).sort((a, b) => b.relevance_score - a.relevance_score);
      return withCors({ status: 200, json: { id: "rerank-double", results, meta: { billed_units: { search_units: 1 } } } });
    }
    return withCors({ status: 404, json: { detail: "Not Found" } });
  };

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    inFlight++;
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      answer(req, body)
        .then((a) => {
          const headers: Record<string, string> = { ...(a.json !== undefined ? { "content-type": "application/json" } : {}), ...a.headers };
          if (options.tls && !f.noHsts && a.status < 400) headers["strict-transport-security"] = HSTS;
          res.writeHead(a.status, headers).end(a.json !== undefined ? JSON.stringify(a.json) : undefined);
        })
        .catch((error) => res.writeHead(500).end(String(error)))
        .finally(() => inFlight--);
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

/** The controller's plain-HTTP side: a permanent redirect to the same path on https://<host> (or a fault). */
export async function startRedirectDouble(answer?: (path: string, host: string) => { status: number; location?: string }): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createHttpServer((req, res) => {
    const host = (req.headers.host ?? "").split(":")[0]!;
    const a = answer ? answer(req.url ?? "/", host) : { status: 308, location: `https://${host}${req.url}` };
    res.writeHead(a.status, a.location ? { location: a.location } : {}).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
