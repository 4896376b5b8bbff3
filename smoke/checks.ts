import { send, TransportError, type Endpoint, type SmokeRequest, type SmokeResponse } from "./http";
import type { SmokeTargets } from "./targets";
import { inspectCertificate, judgeCertificate, judgeRedirect } from "./tls";

export type CheckResult = "pass" | "fail" | "warn" | "skip";

export interface CheckOutcome {
  result: CheckResult;
  /** What was observed (never a key). */
  detail: string;
  /** HTTP status of the (last) answer. */
  httpStatus?: number;
  latencyMs?: number;
  /** What to look at next, for failures and warnings. */
  hint?: string;
  /**
   * Why the endpoint itself cannot be used (refused, unknown host, no route, certificate refused):
   * later checks would fail the same way, so they are not sent.
   */
  unreachable?: string;
}

export interface Check {
  /** Stable id: `chat-path:chatbot`, `models`, `tls-certificate`. */
  id: string;
  group: "tls" | "auth" | "gateway" | "data" | "cors" | "limits";
  /** Human name; names the adapter or model it concerns. */
  name: string;
  /** `POST /chat/v1/chat/completions`. */
  request: string;
  /** Planned as skipped, with the reason. */
  skip?: string;
  run?: (ctx: RunContext) => Promise<CheckOutcome>;
}

export interface SmokeSettings {
  stack: string;
  endpoint: Endpoint;
  /** Where the plain-HTTP redirect is probed; undefined: not probed (with the reason in `httpUrlWhy`). */
  httpUrl?: URL;
  httpUrlWhy?: string;
  apiKey: string;
  /** The client whose key is used (its model allowlist applies). */
  client?: string;
  /** A Qdrant client token for the collection (JWT), sent as `Authorization: Bearer`. */
  qdrantToken?: string;
  /** Where it came from (`--qdrant-token`, `qdrantClientTokens.<client>`), for hints. */
  qdrantTokenSource?: string;
  qdrantTokenWhy?: string;
  timeoutMs: number;
  certWarnDays: number;
  burst?: number;
}

export interface RunContext extends SmokeSettings {
  /** Milliseconds left of the overall budget. */
  remainingMs: () => number;
  now: () => Date;
}

/** Answers are tiny: a few tokens, one document pair, one vector point. */
export const CHAT_MAX_TOKENS = 4;
export const REFUSED_ORIGIN = "https://smoke-refused-origin.invalid";
const BURST_CONCURRENCY = 32;
export const MAX_BURST = 2000;

/**
 * What to look at next, by backend and by edge implementation (Gateway API objects and NGINX Gateway
 * Fabric's logs, or Ingresses and ingress-nginx's); every command is read-only.
 */
export function hints(targets: SmokeTargets, stack: string) {
  const ns = targets.namespaces;
  const gatewayApi = targets.edgeImplementation === "gateway-api";
  const edge = targets.edgeName;
  const routeKind = gatewayApi ? "httproute" : "ingress";
  return {
    gatewayApi,
    doctor: `npm run doctor -- --stack ${stack}`,
    gatewayLogs: `kubectl logs -n ${ns.gateway} -l app.kubernetes.io/name=litellm --tail=200`,
    serverLogs: (server: string) => `kubectl logs -n ${ns.inference} -l llm-platform.io/server=${server} --tail=200`,
    qdrantLogs: `kubectl logs -n ${ns.data} -l app.kubernetes.io/name=qdrant --tail=200`,
    /** The edge's NGINX and its controller: the Gateway's status and NGF's data and control planes, or ingress-nginx's controller. */
    controllerLogs: gatewayApi
      ? `kubectl describe gateway -n ${ns.ingress} ${edge}; kubectl logs -n ${ns.ingress} -l llm-platform.io/edge=${edge} --tail=200; kubectl logs -n ${ns.ingress} -l app.kubernetes.io/name=nginx-gateway-fabric --tail=200`
      : `kubectl logs -n ${ns.ingress} -l app.kubernetes.io/name=ingress-nginx --tail=200`,
    /** The route's object: its HTTPRoute (Gateway API) or Ingress, labelled with the route key. */
    route: (key: string, namespace: string) => `kubectl describe ${routeKind} -n ${namespace} -l llm-platform.io/route=${key}`,
    redirect: gatewayApi
      ? `the Gateway's http listener answers with HTTPRoute ${edge}-https-redirect (RequestRedirect, 308): kubectl describe httproute -n ${ns.ingress} ${edge}-https-redirect`
      : `ingress-nginx redirects with ssl-redirect and http-redirect-code 308: kubectl describe ingress -n ${ns.gateway} -l llm-platform.io/route=v1`,
    hsts: gatewayApi
      ? `edge.hsts: every HTTPRoute rule sets Strict-Transport-Security (ResponseHeaderModifier): kubectl describe httproute -n ${ns.gateway} -l llm-platform.io/route=v1`
      : `edge.hsts and the controller's hsts settings (ConfigMap of the ingress-nginx release)`,
    cors: gatewayApi
      ? `edge.cors (the HTTPRoutes' CORS filter; NGINX Gateway Fabric answers every preflight itself): kubectl describe httproute -n ${ns.gateway} -l llm-platform.io/route=v1`
      : `edge.cors (nginx.ingress.kubernetes.io/cors-allow-origin): kubectl describe ingress -n ${ns.gateway} -l llm-platform.io/route=v1`,
    limits: gatewayApi
      ? `edge.rateLimits (RateLimitPolicy ${edge}-rate-limits): kubectl describe ratelimitpolicy -n ${ns.ingress} ${edge}-rate-limits`
      : `edge.rateLimits (the Ingresses' limit-* annotations): kubectl describe ingress -n ${ns.gateway} -l llm-platform.io/route=v1`,
    gatewayConfig: `kubectl get configmap -n ${ns.gateway} ${targets.gatewayConfigMap} -o yaml`,
    gatewayCors: `kubectl get deployment -n ${ns.gateway} -l app.kubernetes.io/name=litellm -o jsonpath='{..env[?(@.name=="LITELLM_CORS_ALLOW_ORIGINS")]}'`,
    certificate: `${(targets.certificate?.namespaces ?? [ns.gateway]).map((n) => `kubectl describe certificate -n ${n} ${targets.certificate?.name ?? "edge-tls"}`).join("; ")}; kubectl get certificaterequests,orders,challenges -A`,
  };
}

const short = (text: string, max = 160) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** The error message in a LiteLLM (`{error: {message}}`), Qdrant (`{status: {error}}`) or plain answer. */
export function errorText(res: SmokeResponse): string {
  const j = res.json as any;
  const message = j?.error?.message ?? j?.status?.error ?? j?.detail ?? j?.message ?? (typeof j?.error === "string" ? j.error : undefined) ?? res.body;
  return short(String(message).replace(/\s+/g, " ").trim() || "(empty body)");
}

interface Where {
  /** Route key and the namespace of its Ingress, for 404s. */
  route?: { key: string; namespace: string };
  /** The in-cluster vLLM server behind the request, for 5xx and timeouts. */
  server?: string;
  backend: "gateway" | "qdrant";
}

/** What to look at next for an HTTP answer that is not the expected one. */
function statusHint(status: number, where: Where, targets: SmokeTargets, ctx: SmokeSettings): string {
  const h = hints(targets, ctx.stack);
  const logs = where.backend === "qdrant" ? h.qdrantLogs : [h.gatewayLogs, ...(where.server ? [h.serverLogs(where.server)] : [])].join("; ");
  if (status === 404) {
    return where.route ? `the edge or the backend has no such path: ${h.route(where.route.key, where.route.namespace)} (routes: platform/routes.ts)` : logs;
  }
  if (status === 401 || status === 403) {
    return where.backend === "qdrant"
      ? `Qdrant refused the token (${ctx.qdrantTokenSource ?? "--qdrant-token"}): expired (its exp: a deploy in a later month re-signs the clients' tokens), signed with a rotated API key, or not for this collection; the stack output qdrantClientTokens has the current ones`
      : `the gateway refused the key: check --api-key or --client (stack output clientKeys)${ctx.client ? ` and gateway.clients.${ctx.client}.models` : ""}; ${h.gatewayLogs}`;
  }
  if (status === 429) return `rate limited while smoke testing: ${h.limits}, the client's rpm/tpm, or the adapter's maxParallelRequests; run again in a minute`;
  if (status === 502 || status === 503 || status === 504) return `the edge could not reach a healthy backend: ${logs}; ${h.doctor}`;
  return logs;
}

function transportHint(error: TransportError, where: Where, targets: SmokeTargets, ctx: SmokeSettings): string {
  const h = hints(targets, ctx.stack);
  if (error.code === "TIMEOUT") {
    const logs = where.backend === "qdrant" ? h.qdrantLogs : [h.gatewayLogs, ...(where.server ? [h.serverLogs(where.server)] : [])].join("; ");
    return `no answer in time (--timeout-ms ${ctx.timeoutMs}): ${logs}`;
  }
  if (TLS_REFUSED.test(error.code)) {
    return `TLS verification failed: see the tls-certificate check${targets.acme === "staging" ? " (Let's Encrypt staging: pass --ca with its roots)" : ""}; ${h.certificate}`;
  }
  return `the edge did not answer (${error.code}): DNS and load balancer of ${targets.host ?? ctx.endpoint.baseUrl.host}, the edge's NGINX (${h.controllerLogs}); ${h.doctor}`;
}

/** Sends one request within the overall budget; a transport error becomes a failed outcome. */
async function call(
  ctx: RunContext,
  targets: SmokeTargets,
  req: Omit<SmokeRequest, "timeoutMs">,
  where: Where,
  redirectExpected = false,
): Promise<{ res: SmokeResponse } | { outcome: CheckOutcome }> {
  const timeoutMs = Math.max(1, Math.floor(Math.min(ctx.timeoutMs, ctx.remainingMs())));
  try {
    const res = await send(ctx.endpoint, { retry: true, ...req, timeoutMs });
    if (!redirectExpected && REDIRECTS.has(res.status)) {
      // The edge redirects plain HTTP to HTTPS (ssl-redirect): every request would be answered so.
      const to = res.headers.location ?? "(no Location)";
      return {
        outcome: {
          result: "fail",
          httpStatus: res.status,
          latencyMs: res.latencyMs,
          detail: `HTTP ${res.status} redirect to ${to}`,
          hint: `the edge redirects ${ctx.endpoint.baseUrl.protocol === "http:" ? "plain HTTP to HTTPS" : "this request"}: point --url at its HTTPS side (https://${targets.host ?? ctx.endpoint.hostName}, or a port-forward of ${hints(targets, ctx.stack).gatewayApi ? "the Gateway's Service" : "the controller's"} port 443)`,
          unreachable: `answers with a redirect (${res.status})`,
        },
      };
    }
    return { res };
  } catch (error) {
    if (!(error instanceof TransportError)) throw error;
    const retried = error.attempts > 1 ? " (after one retry)" : "";
    return {
      outcome: {
        result: "fail",
        detail: `${error.message}${retried}`,
        latencyMs: error.latencyMs,
        hint: transportHint(error, where, targets, ctx),
        ...(UNREACHABLE.has(error.code) ? { unreachable: "is unreachable" } : TLS_REFUSED.test(error.code) ? { unreachable: "fails TLS verification" } : {}),
      },
    };
  }
}

/** Connection errors that say the endpoint itself cannot be reached (not one slow or broken backend). */
const UNREACHABLE = new Set(["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);
/** OpenSSL's verification errors as Node reports them (DEPTH_ZERO_SELF_SIGNED_CERT, CERT_HAS_EXPIRED, ERR_TLS_CERT_ALTNAME_INVALID, …). */
const TLS_REFUSED = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** An outcome for an HTTP answer: `judge` returns undefined when the body is right, else what is wrong. */
function judged(
  res: SmokeResponse,
  expectStatus: number,
  judge: (json: any) => string | { warn: string } | undefined,
  pass: (json: any) => string,
  hint: string,
): CheckOutcome {
  const base = { httpStatus: res.status, latencyMs: res.latencyMs };
  if (res.status !== expectStatus) return { ...base, result: "fail", detail: `HTTP ${res.status}: ${errorText(res)}`, hint };
  if (res.json === undefined) return { ...base, result: "fail", detail: `HTTP ${res.status} but the body is not JSON: ${short(res.body)}`, hint };
  const problem = judge(res.json);
  if (typeof problem === "string") return { ...base, result: "fail", detail: problem, hint };
  if (problem) return { ...base, result: "warn", detail: problem.warn, hint };
  return { ...base, result: "pass", detail: pass(res.json) };
}

/** An OpenAI chat completion: at least one choice with an assistant message. */
function chatProblem(json: any): string | undefined {
  const choice = Array.isArray(json?.choices) ? json.choices[0] : undefined;
  if (!choice) return `no choices in the answer: ${short(JSON.stringify(json))}`;
  if (!choice.message || typeof choice.message !== "object") return `choice without a message: ${short(JSON.stringify(choice))}`;
  if (choice.message.role !== undefined && choice.message.role !== "assistant") return `message role "${choice.message.role}", expected "assistant"`;
  return undefined;
}

function chatSummary(json: any): string {
  const content = json.choices[0].message.content;
  const tokens = json.usage?.completion_tokens;
  return `answered ${content === null || content === undefined ? "(no content)" : JSON.stringify(short(String(content), 40))}${tokens !== undefined ? ` in ${tokens} token(s)` : ""}`;
}

/** Models the client's key may call; undefined: all. */
function allowedModels(targets: SmokeTargets, client: string | undefined): string[] | undefined {
  return client ? targets.clientModels[client] : undefined;
}

function notAllowed(targets: SmokeTargets, client: string | undefined, model: string): string | undefined {
  const allowed = allowedModels(targets, client);
  return allowed && !allowed.includes(model) ? `client ${client} may not call ${model} (gateway.clients.${client}.models)` : undefined;
}

/** A unit vector of the collection's size: valid under every distance (cosine needs a non-zero norm). */
export function probeVector(size: number): number[] {
  return Array.from({ length: size }, (_, i) => (i === 0 ? 1 : 0));
}

/** What the edge admits before its 429, as the hint of a burst that met none. */
export function burstAdmits(targets: SmokeTargets): string {
  const limits = targets.rateLimits;
  if (!limits) return "edge.rateLimits sets no limit: nothing at the edge answers 429 (the gateway's per-key limits may)";
  const per = limits.perReplica;
  const replicas = targets.edgeImplementation === "gateway-api" ? `NGINX data-plane replica(s)` : `controller replica(s)`;
  const rate = (r: { rps?: number; rpm?: number } | undefined) =>
    r?.rps ? `${r.rps} rps + a burst of ${r.rps * limits.burstMultiplier}` : r?.rpm ? `${r.rpm} rpm + a burst of ${r.rpm * limits.burstMultiplier}` : undefined;
  const parts = [rate(per) ? `${rate(per)} per client address` : undefined, rate(per.perApiKey) ? `${rate(per.perApiKey)} per API key` : undefined].filter(
    (p): p is string => p !== undefined,
  );
  const exempt =
    limits.allowlist.length > 0
      ? `addresses in edge.rateLimits.allowlist (${limits.allowlist.join(", ")}) are exempt: run from outside them or raise --burst`
      : "no address is exempt: raise --burst";
  return `each of ${limits.replicas} ${replicas} admits ${parts.join(", and ") || "no rps or rpm limit"}, counted on its own; ${exempt}`;
}

/** Every check for the targets, in the order they run; skipped ones carry their reason. */
export function planChecks(targets: SmokeTargets, s: SmokeSettings): Check[] {
  const checks: Check[] = [];
  const https = s.endpoint.baseUrl.protocol === "https:";
  const edge = targets.host !== undefined;
  const noEdge = "the stack has no edge (llm-platform:edge): path routes, CORS and vector search are not public";
  const h = hints(targets, s.stack);
  const gw = targets.namespaces.gateway;
  const v1 = targets.v1Prefix;
  const modelsPath = `${v1}/models`;

  // TLS first: if the certificate is wrong, every other HTTPS request fails for that reason.
  checks.push({
    id: "tls-certificate",
    group: "tls",
    name: "certificate valid for the host",
    request: `TLS ${s.endpoint.baseUrl.host}`,
    ...(https
      ? {
          run: async (ctx) => {
            try {
              const info = await inspectCertificate(ctx.endpoint, Math.max(1, Math.floor(Math.min(ctx.timeoutMs, ctx.remainingMs()))));
              const j = judgeCertificate(info, {
                host: ctx.endpoint.hostName,
                warnDays: ctx.certWarnDays,
                now: ctx.now(),
                acme: targets.acme,
                certificateHint: h.certificate,
              });
              return { ...j, latencyMs: info.latencyMs };
            } catch (error) {
              if (!(error instanceof TransportError)) throw error;
              return { result: "fail", detail: error.message, latencyMs: error.latencyMs, hint: transportHint(error, { backend: "gateway" }, targets, ctx) };
            }
          },
        }
      : { skip: "https only (--url is http)" }),
  });
  checks.push({
    id: "tls-redirect",
    group: "tls",
    name: "plain HTTP redirects to HTTPS",
    request: `GET ${s.httpUrl ? new URL(modelsPath, s.httpUrl).href : `http://${s.endpoint.hostName}${modelsPath}`}`,
    ...(!https
      ? { skip: "https only (--url is http)" }
      : !s.httpUrl
        ? { skip: s.httpUrlWhy ?? "no plain-HTTP entry point" }
        : {
            run: async (ctx) => {
              const r = await call(ctx, targets, { method: "GET", path: modelsPath, url: new URL(modelsPath, ctx.httpUrl!) }, { backend: "gateway" }, true);
              if ("outcome" in r) {
                // Port 80 is another entry point: its absence says nothing about the HTTPS checks.
                const outcome = {
                  ...r.outcome,
                  hint: `nothing answers plain HTTP at ${ctx.httpUrl!.origin}: the edge's Service must expose port 80 (also needed by ACME HTTP-01); ${h.controllerLogs}`,
                };
                delete outcome.unreachable;
                return outcome;
              }
              const j = judgeRedirect(r.res.status, r.res.headers.location, { host: ctx.endpoint.hostName, path: modelsPath });
              return {
                ...j,
                httpStatus: r.res.status,
                latencyMs: r.res.latencyMs,
                ...(j.result === "fail" ? { hint: `${h.redirect}; ${h.controllerLogs}` } : {}),
              };
            },
          }),
  });
  checks.push({
    id: "tls-hsts",
    group: "tls",
    name: "HSTS header on HTTPS answers",
    request: `GET ${modelsPath}`,
    ...(!https
      ? { skip: "https only (--url is http)" }
      : !edge
        ? { skip: noEdge }
        : {
            run: async (ctx) => {
              const r = await call(ctx, targets, { method: "GET", path: modelsPath, headers: bearer(ctx.apiKey) }, { backend: "gateway" });
              if ("outcome" in r) return r.outcome;
              const value = r.res.headers["strict-transport-security"];
              const base = { httpStatus: r.res.status, latencyMs: r.res.latencyMs };
              const hint = `${h.hsts}; ${h.controllerLogs}`;
              if (typeof value !== "string") return { ...base, result: "fail", detail: `no Strict-Transport-Security header (HTTP ${r.res.status})`, hint };
              const maxAge = Number(/max-age=(\d+)/i.exec(value)?.[1]);
              const want = targets.hsts?.maxAgeSeconds;
              if (want !== undefined && maxAge !== want)
                return { ...base, result: "fail", detail: `${value}: max-age ${maxAge}, edge.hsts.maxAgeSeconds is ${want}`, hint };
              return { ...base, result: "pass", detail: value };
            },
          }),
  });

  // Keys: the gateway and the vector store must refuse anonymous and unknown callers.
  checks.push({
    id: "auth-no-key",
    group: "auth",
    name: "gateway refuses a call without a key",
    request: `GET ${modelsPath}`,
    run: async (ctx) => {
      const r = await call(ctx, targets, { method: "GET", path: modelsPath }, { backend: "gateway" });
      if ("outcome" in r) return r.outcome;
      const base = { httpStatus: r.res.status, latencyMs: r.res.latencyMs };
      if (r.res.status === 401) return { ...base, result: "pass", detail: `HTTP 401: ${errorText(r.res)}` };
      return {
        ...base,
        result: "fail",
        detail: `HTTP ${r.res.status} without a key, expected 401: the API is open`,
        hint: `LiteLLM needs general_settings.master_key to enforce keys: ${h.gatewayConfig}; ${h.gatewayLogs}`,
      };
    },
  });
  checks.push({
    id: "auth-bad-key",
    group: "auth",
    name: "gateway refuses an unknown key",
    request: `GET ${modelsPath}`,
    run: async (ctx) => {
      const r = await call(ctx, targets, { method: "GET", path: modelsPath, headers: bearer("sk-smoke-not-a-key") }, { backend: "gateway" });
      if ("outcome" in r) return r.outcome;
      const base = { httpStatus: r.res.status, latencyMs: r.res.latencyMs };
      if (r.res.status === 401) return { ...base, result: "pass", detail: `HTTP 401: ${errorText(r.res)}` };
      return { ...base, result: "fail", detail: `HTTP ${r.res.status} with an unknown key, expected 401`, hint: `${h.gatewayConfig}; ${h.gatewayLogs}` };
    },
  });

  // The gateway: model list, every adapter on both routes, embeddings, reranker.
  const allowed = allowedModels(targets, s.client);
  const expectedModels = [
    ...targets.adapters.map((a) => a.name),
    ...(targets.embedding ? [targets.embedding.model] : []),
    ...(targets.reranker ? [targets.reranker.model] : []),
  ].filter((m) => !allowed || allowed.includes(m));
  checks.push({
    id: "models",
    group: "gateway",
    name: "model list names every adapter",
    request: `GET ${modelsPath}`,
    run: async (ctx) => {
      const r = await call(
        ctx,
        targets,
        { method: "GET", path: modelsPath, headers: bearer(ctx.apiKey) },
        { backend: "gateway", route: { key: "v1", namespace: gw } },
      );
      if ("outcome" in r) return r.outcome;
      return judged(
        r.res,
        200,
        (json) => {
          if (!Array.isArray(json?.data)) return `no data list in the answer: ${short(JSON.stringify(json))}`;
          const ids = new Set(json.data.map((m: any) => m?.id));
          const missing = expectedModels.filter((m) => !ids.has(m));
          return missing.length ? `missing ${missing.join(", ")} (listed: ${[...ids].join(", ") || "none"})` : undefined;
        },
        (json) => `${json.data.length} model(s), including ${expectedModels.join(", ")}`,
        `the gateway's model_list: ${h.gatewayConfig}; ${h.gatewayLogs}`,
      );
    },
  });

  const chatBody = (model: string) => ({
    model,
    messages: [{ role: "user", content: "Reply with one word: ok" }],
    max_tokens: CHAT_MAX_TOKENS,
    temperature: 0,
    stream: false,
  });
  for (const adapter of targets.adapters) {
    const forbidden = notAllowed(targets, s.client, adapter.name);
    const pathRoute = `${adapter.prefix}/chat/completions`;
    checks.push({
      id: `chat-path:${adapter.name}`,
      group: "gateway",
      name: `adapter ${adapter.name} on its path route`,
      request: `POST ${pathRoute} model=${adapter.name}`,
      ...(forbidden
        ? { skip: forbidden }
        : !edge
          ? { skip: noEdge }
          : {
              run: async (ctx) => {
                // The path is the adapter's base URL (an SDK with base_url=https://<host>/chat/v1): the edge
                // rewrites it to /v1 and the body's model names the adapter, as a client sends it. A chat
                // completion back proves this path's route exists and reaches the gateway (anything the
                // edge does not route is its 404).
                const where: Where = { backend: "gateway", server: adapter.server, route: { key: adapter.routeKey, namespace: gw } };
                const r = await call(ctx, targets, { method: "POST", path: pathRoute, headers: bearer(ctx.apiKey), json: chatBody(adapter.name) }, where);
                if ("outcome" in r) return r.outcome;
                return judged(
                  r.res,
                  200,
                  chatProblem,
                  (json) => `${chatSummary(json)} via ${adapter.prefix} → ${v1}`,
                  statusHint(r.res.status, where, targets, ctx),
                );
              },
            }),
    });
    const v1Route = `${v1}/chat/completions`;
    checks.push({
      id: `chat-v1:${adapter.name}`,
      group: "gateway",
      name: `adapter ${adapter.name} through ${v1}`,
      request: `POST ${v1Route} model=${adapter.name}`,
      ...(forbidden
        ? { skip: forbidden }
        : {
            run: async (ctx) => {
              const where: Where = { backend: "gateway", server: adapter.server, route: { key: "v1", namespace: gw } };
              const r = await call(ctx, targets, { method: "POST", path: v1Route, headers: bearer(ctx.apiKey), json: chatBody(adapter.name) }, where);
              if ("outcome" in r) return r.outcome;
              return judged(r.res, 200, chatProblem, chatSummary, statusHint(r.res.status, where, targets, ctx));
            },
          }),
    });
  }

  const embedding = targets.embedding;
  const vectorSize = targets.vectorSearch?.vectorSize;
  checks.push({
    id: "embeddings",
    group: "gateway",
    name: embedding ? `embeddings from ${embedding.model}` : "embeddings",
    request: `POST ${v1}/embeddings${embedding ? ` model=${embedding.model}` : ""}`,
    ...(!embedding
      ? { skip: "no embedding server (servers.<name>.task: embed) in the config; --embedding-model names a gateway model" }
      : notAllowed(targets, s.client, embedding.model)
        ? { skip: notAllowed(targets, s.client, embedding.model)! }
        : {
            run: async (ctx) => {
              const where: Where = { backend: "gateway", server: embedding.server, route: { key: "v1", namespace: gw } };
              const r = await call(
                ctx,
                targets,
                {
                  method: "POST",
                  path: `${v1}/embeddings`,
                  headers: bearer(ctx.apiKey),
                  json: { model: embedding.model, input: "smoke test", encoding_format: "float" },
                },
                where,
              );
              if ("outcome" in r) return r.outcome;
              return judged(
                r.res,
                200,
                (json) => {
                  const vector = Array.isArray(json?.data) ? json.data[0]?.embedding : undefined;
                  if (!Array.isArray(vector) || vector.length === 0 || vector.some((x: unknown) => typeof x !== "number"))
                    return `no numeric embedding in data[0]: ${short(JSON.stringify(json))}`;
                  if (vectorSize !== undefined && vector.length !== vectorSize) {
                    return `embedding has ${vector.length} dimensions, the collection ${targets.vectorSearch!.collection} holds ${vectorSize}: its vectors could not be searched`;
                  }
                  return undefined;
                },
                (json) => `${json.data[0].embedding.length} dimensions${vectorSize !== undefined ? ` (= the collection's vector size)` : ""}`,
                statusHint(r.res.status, where, targets, ctx),
              );
            },
          }),
  });

  const reranker = targets.reranker;
  checks.push({
    id: "rerank",
    group: "gateway",
    name: reranker ? `reranker ${reranker.model}` : "reranker",
    request: `POST ${v1}/rerank${reranker ? ` model=${reranker.model}` : ""}`,
    ...(!reranker
      ? { skip: "not served: no server with a score/rerank task in the config (--rerank-model names a gateway model)" }
      : notAllowed(targets, s.client, reranker.model)
        ? { skip: notAllowed(targets, s.client, reranker.model)! }
        : {
            run: async (ctx) => {
              // LiteLLM's /v1/rerank takes Cohere's shape: {model, query, documents, top_n} → {results: [{index, relevance_score}]}.
              const where: Where = { backend: "gateway", server: reranker.server, route: { key: "v1", namespace: gw } };
              const documents = ["Paris is the capital of France.", "Bananas are rich in potassium."];
              const r = await call(
                ctx,
                targets,
                {
                  method: "POST",
                  path: `${v1}/rerank`,
                  headers: bearer(ctx.apiKey),
                  json: { model: reranker.model, query: "What is the capital of France?", documents, top_n: 2 },
                },
                where,
              );
              if ("outcome" in r) return r.outcome;
              return judged(
                r.res,
                200,
                (json) => {
                  const results = json?.results;
                  if (!Array.isArray(results) || results.length === 0) return `no results in the answer: ${short(JSON.stringify(json))}`;
                  if (results.some((x: any) => typeof x?.index !== "number" || typeof x?.relevance_score !== "number"))
                    return `results without index/relevance_score: ${short(JSON.stringify(results))}`;
                  const best = [...results].sort((a: any, b: any) => b.relevance_score - a.relevance_score)[0];
                  return best.index === 0
                    ? undefined
                    : { warn: `ranked the unrelated document first (${short(JSON.stringify(results))}): is a reranking model served?` };
                },
                (json) => `${json.results.length} result(s), the relevant document first`,
                statusHint(r.res.status, where, targets, ctx),
              );
            },
          }),
  });

  // Qdrant's read endpoints of the collection, behind the edge.
  const vs = targets.vectorSearch;
  const vsPath = vs ? `${vs.prefix}/${vs.endpoint}` : "/vector-search/query";
  const vsWhere: Where = { backend: "qdrant", route: { key: "vector-search", namespace: targets.namespaces.data } };
  const vsBody = vs?.vectorSize
    ? vs.endpoint === "query"
      ? { query: probeVector(vs.vectorSize), limit: 1, with_payload: false, with_vector: false }
      : { vector: probeVector(vs.vectorSize), limit: 1, with_payload: false, with_vector: false }
    : undefined;
  checks.push({
    id: "vector-search",
    group: "data",
    name: vs ? `vector search in ${vs.collection}` : "vector search",
    request: `POST ${vsPath}${vs?.vectorSize ? ` (${vs.vectorSize}-dim unit vector)` : ""}`,
    ...(!edge
      ? { skip: noEdge }
      : !vsBody
        ? { skip: "the collection's vector size is unknown (no embedding server, no qdrant.collection.vectorSize)" }
        : !s.qdrantToken
          ? { skip: `no Qdrant token: ${s.qdrantTokenWhy ?? "pass --qdrant-token"} (pass --qdrant-token or set SMOKE_QDRANT_TOKEN)` }
          : {
              run: async (ctx) => {
                // A client's token (JWT, collection-scoped): Qdrant reads `api-key` or `Authorization: Bearer`
                // (src/common/auth/mod.rs) and decodes a JWT with JWT RBAC on; the edge passes the header on.
                const r = await call(ctx, targets, { method: "POST", path: vsPath, headers: bearer(ctx.qdrantToken!), json: vsBody }, vsWhere);
                if ("outcome" in r) return r.outcome;
                const hint =
                  r.res.status === 400
                    ? `Qdrant refused the query: the collection's vector size differs from the embedding model's? ${h.qdrantLogs}`
                    : r.res.status === 404
                      ? `no collection ${vs!.collection} (the qdrant-collection Job creates it) or no route: ${h.route("vector-search", targets.namespaces.data)}; ${h.qdrantLogs}`
                      : statusHint(r.res.status, vsWhere, targets, ctx);
                return judged(
                  r.res,
                  200,
                  (json) => {
                    const points = vs!.endpoint === "query" ? json?.result?.points : json?.result;
                    return Array.isArray(points) ? undefined : `no result points in the answer: ${short(JSON.stringify(json))}`;
                  },
                  (json) => {
                    const points = vs!.endpoint === "query" ? json.result.points : json.result;
                    return points.length ? `${points.length} point(s) found` : "answered; the collection is empty (nothing indexed yet)";
                  },
                  hint,
                );
              },
            }),
  });
  checks.push({
    id: "auth-vector-search",
    group: "auth",
    name: "vector search refuses a call without a key",
    request: `POST ${vsPath}`,
    ...(!edge
      ? { skip: noEdge }
      : {
          run: async (ctx) => {
            const r = await call(ctx, targets, { method: "POST", path: vsPath, json: vsBody ?? { query: [1], limit: 1 } }, vsWhere);
            if ("outcome" in r) return r.outcome;
            const base = { httpStatus: r.res.status, latencyMs: r.res.latencyMs };
            if (r.res.status === 401) return { ...base, result: "pass", detail: `HTTP 401: ${errorText(r.res)}` };
            return {
              ...base,
              result: "fail",
              detail: `HTTP ${r.res.status} without a key, expected 401: the collection is readable by anyone`,
              hint: `Qdrant's API key and JWT RBAC (QDRANT__SERVICE__API_KEY, QDRANT__SERVICE__JWT_RBAC): ${h.qdrantLogs}`,
            };
          },
        }),
  });

  // CORS preflights on the /v1 route, as a browser sends them before a POST with a key.
  const chatV1 = `${v1}/chat/completions`;
  const cors = targets.cors;
  const allowedOrigin = cors?.origins.find((o) => o !== "*");
  const corsSkip = !edge ? noEdge : !cors ? "edge.cors is not configured" : undefined;
  const preflight = (origin: string) => ({
    method: "OPTIONS" as const,
    path: chatV1,
    headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type" },
  });
  const corsHint = h.cors;
  checks.push({
    id: "cors-allowed",
    group: "cors",
    name: `preflight from ${allowedOrigin ?? "an allowed origin"} is allowed`,
    request: `OPTIONS ${chatV1}`,
    ...(corsSkip
      ? { skip: corsSkip }
      : !allowedOrigin
        ? { skip: 'edge.cors.origins is "*": no explicit origin to test' }
        : {
            run: async (ctx) => {
              const r = await call(ctx, targets, preflight(allowedOrigin), { backend: "gateway" });
              if ("outcome" in r) return r.outcome;
              const base = { httpStatus: r.res.status, latencyMs: r.res.latencyMs };
              const acao = r.res.headers["access-control-allow-origin"];
              if (r.res.status >= 300) return { ...base, result: "fail", detail: `HTTP ${r.res.status} to the preflight, expected 2xx`, hint: corsHint };
              if (acao !== allowedOrigin)
                return {
                  ...base,
                  result: "fail",
                  detail: `access-control-allow-origin ${acao === undefined ? "missing" : `"${acao}"`}, expected "${allowedOrigin}"`,
                  hint: corsHint,
                };
              const allowHeaders = String(r.res.headers["access-control-allow-headers"] ?? "").toLowerCase();
              const needed = cors!.headers.filter((x) => x.toLowerCase() === "authorization");
              const lacking = needed.filter((x) => !allowHeaders.split(/\s*,\s*/).includes(x.toLowerCase()));
              if (lacking.length)
                return {
                  ...base,
                  result: "fail",
                  detail: `access-control-allow-headers "${allowHeaders}" lacks ${lacking.join(", ")}: browsers cannot send the key`,
                  hint: corsHint,
                };
              return { ...base, result: "pass", detail: `allow-origin ${acao}` };
            },
          }),
  });
  checks.push({
    id: "cors-refused",
    group: "cors",
    name: "preflight from an unlisted origin is refused",
    request: `OPTIONS ${chatV1}`,
    ...(corsSkip
      ? { skip: corsSkip }
      : cors!.origins.includes("*")
        ? { skip: 'edge.cors.origins includes "*": every origin is allowed' }
        : {
            run: async (ctx) => {
              const r = await call(ctx, targets, preflight(REFUSED_ORIGIN), { backend: "gateway" });
              if ("outcome" in r) return r.outcome;
              const base = { httpStatus: r.res.status, latencyMs: r.res.latencyMs };
              const acao = r.res.headers["access-control-allow-origin"];
              if (acao === undefined) return { ...base, result: "pass", detail: `no access-control-allow-origin (HTTP ${r.res.status})` };
              // NGINX Gateway Fabric answers every preflight itself and echoes only listed origins;
              // ingress-nginx passes an unlisted origin's preflight on: a header then comes from LiteLLM.
              return {
                ...base,
                result: "fail",
                detail: `access-control-allow-origin "${acao}" for ${REFUSED_ORIGIN}: a site not in edge.cors.origins can call the API from a browser`,
                hint: `${h.gatewayApi ? "the edge's CORS filter lists more origins than edge.cors.origins" : "the header comes from behind the edge: LiteLLM answers CORS for every origin unless LITELLM_CORS_ALLOW_ORIGINS is set (empty)"}: ${h.gatewayCors}; ${corsHint}`,
              };
            },
          }),
  });
  // The answers themselves: the edge's Access-Control-Allow-Origin, once, for listed origins only. A second
  // one from LiteLLM (its default allows every origin) makes browsers refuse the answer for a listed origin
  // and hands an unlisted one the API's answers to simple requests.
  const modelsFrom = (ctx: RunContext, origin: string) => ({ method: "GET" as const, path: modelsPath, headers: { ...bearer(ctx.apiKey), origin } });
  checks.push({
    id: "cors-answers",
    group: "cors",
    name: "answers carry allow-origin once, for listed origins only",
    request: `GET ${modelsPath} (Origin)`,
    ...(corsSkip
      ? { skip: corsSkip }
      : !allowedOrigin || cors!.origins.includes("*")
        ? { skip: 'edge.cors.origins includes "*": every origin is allowed' }
        : {
            run: async (ctx) => {
              const hint = `LiteLLM must answer no CORS behind the edge (LITELLM_CORS_ALLOW_ORIGINS set and empty): ${h.gatewayCors}; ${corsHint}`;
              const listed = await call(ctx, targets, modelsFrom(ctx, allowedOrigin), { backend: "gateway" });
              if ("outcome" in listed) return listed.outcome;
              const base = { httpStatus: listed.res.status, latencyMs: listed.res.latencyMs };
              // Node joins repeated headers with ", ": two Access-Control-Allow-Origin headers read as one list.
              const acao = listed.res.headers["access-control-allow-origin"];
              if (acao !== allowedOrigin) {
                const seen = acao === undefined ? "missing" : `"${acao}"`;
                return {
                  ...base,
                  result: "fail",
                  detail: `access-control-allow-origin ${seen} on an answer to ${allowedOrigin}, expected exactly "${allowedOrigin}"${acao?.includes(",") ? ": two answer CORS (browsers refuse a repeated header)" : ""}`,
                  hint,
                };
              }
              const unlisted = await call(ctx, targets, modelsFrom(ctx, REFUSED_ORIGIN), { backend: "gateway" });
              if ("outcome" in unlisted) return unlisted.outcome;
              const leaked = unlisted.res.headers["access-control-allow-origin"];
              if (leaked !== undefined) {
                return {
                  httpStatus: unlisted.res.status,
                  latencyMs: unlisted.res.latencyMs,
                  result: "fail",
                  detail: `access-control-allow-origin "${leaked}" on an answer to ${REFUSED_ORIGIN}: a site not in edge.cors.origins reads the API's answers`,
                  hint,
                };
              }
              return {
                ...base,
                latencyMs: listed.res.latencyMs + unlisted.res.latencyMs,
                result: "pass",
                detail: `allow-origin ${acao} once; none for ${REFUSED_ORIGIN}`,
              };
            },
          }),
  });

  const burst = s.burst;
  checks.push({
    id: "rate-limit",
    group: "limits",
    name: burst ? `a burst of ${burst} meets 429` : "burst meets 429",
    request: `GET ${modelsPath} ×${burst ?? "N"}`,
    ...(!burst
      ? { skip: "not requested (--burst N)" }
      : {
          run: async (ctx) => {
            const statuses = new Map<string, number>();
            let sent = 0;
            let first429: number | undefined;
            const started = performance.now();
            const worker = async () => {
              while (sent < burst && first429 === undefined && ctx.remainingMs() > 0) {
                const n = ++sent;
                const r = await call(ctx, targets, { method: "GET", path: modelsPath, headers: bearer(ctx.apiKey), retry: false }, { backend: "gateway" });
                const key = "res" in r ? String(r.res.status) : "no answer";
                statuses.set(key, (statuses.get(key) ?? 0) + 1);
                if ("res" in r && r.res.status === 429 && first429 === undefined) first429 = n;
              }
            };
            await Promise.all(Array.from({ length: Math.min(burst, BURST_CONCURRENCY) }, worker));
            const seen = [...statuses].map(([k, v]) => `${k}×${v}`).join(", ");
            const latencyMs = performance.now() - started;
            if (first429 !== undefined)
              return { result: "pass", httpStatus: 429, latencyMs, detail: `429 at request ${first429} of at most ${burst} (answers: ${seen})` };
            return { result: "fail", latencyMs, detail: `no 429 in ${sent} request(s) (answers: ${seen})`, hint: `${burstAdmits(targets)}; ${h.limits}` };
          },
        }),
  });
  return checks;
}
