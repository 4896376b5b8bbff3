import * as http from "node:http";
import * as https from "node:https";
import { rootCertificates } from "node:tls";

/** Where requests go and how they present themselves to the edge. */
export interface Endpoint {
  /** Where to connect: `https://llm.example.com` or a port-forward `https://127.0.0.1:8443`. */
  baseUrl: URL;
  /**
   * The edge's host name, sent as `Host` and as TLS SNI (and checked against the certificate) when it
   * differs from the URL's host: ingress-nginx matches Ingress rules on the host, so a port-forward to
   * the controller must still ask for `llm.example.com`.
   */
  hostName: string;
  /** Extra trusted CAs (PEM), added to Node's bundled roots, e.g. Let's Encrypt staging's roots for dev. */
  ca?: string[];
}

export interface SmokeRequest {
  method: "GET" | "POST" | "OPTIONS";
  /** Path on the endpoint, `/v1/models`. */
  path: string;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  json?: unknown;
  timeoutMs: number;
  /** Retry once after a connection error (refused, reset, DNS hiccup); never after a timeout or an HTTP answer. */
  retry?: boolean;
  /** Absolute URL instead of `baseUrl + path` (the plain-HTTP redirect probe). */
  url?: URL;
}

export interface SmokeResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The body parsed as JSON, undefined when it is not JSON. */
  json: unknown;
  latencyMs: number;
  /** 2 when the first attempt met a connection error and the request was sent again. */
  attempts: number;
}

/** No HTTP answer: the connection failed or the deadline passed. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly latencyMs: number,
    readonly attempts: number,
  ) {
    super(message);
    this.name = "TransportError";
  }
}

/** Bodies are tiny by design; anything larger is cut (the checks read only the start). */
const MAX_BODY_BYTES = 1 << 20;
const RETRY_DELAY_MS = 500;
const RETRYABLE = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "EAI_AGAIN", "ECONNABORTED", "EHOSTUNREACH", "ENETUNREACH"]);

function isIpLiteral(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(":");
}

/** TLS options of one connection: SNI and name check against the edge host, extra CAs on top of the bundled roots. */
export function tlsOptions(endpoint: Endpoint): { servername?: string; ca?: string[] } {
  return {
    // Node refuses an IP address as SNI; the name check then uses `servername` when set, else the host.
    ...(isIpLiteral(endpoint.hostName) ? {} : { servername: endpoint.hostName }),
    ...(endpoint.ca?.length ? { ca: [...rootCertificates, ...endpoint.ca] } : {}),
  };
}

function once(endpoint: Endpoint, req: SmokeRequest): Promise<Omit<SmokeResponse, "attempts">> {
  const url = req.url ?? new URL(req.path, endpoint.baseUrl);
  const secure = url.protocol === "https:";
  const body = req.json === undefined ? undefined : JSON.stringify(req.json);
  const headers: Record<string, string> = {
    host: endpoint.hostName,
    accept: "application/json",
    "user-agent": "llm-platform-smoke",
    ...(body !== undefined ? { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) } : {}),
    ...req.headers,
  };
  const options: https.RequestOptions = {
    method: req.method,
    hostname: url.hostname.replace(/^\[|\]$/g, ""),
    port: url.port || (secure ? 443 : 80),
    path: `${url.pathname}${url.search}`,
    headers,
    // A fresh connection per request: latency includes connect and TLS, as a new client sees it.
    agent: false,
    ...(secure ? tlsOptions(endpoint) : {}),
  };
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const request = (secure ? https : http).request(options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        if (size < MAX_BODY_BYTES) chunks.push(chunk);
        size += chunk.length;
      });
      res.on("end", () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString("utf8").slice(0, MAX_BODY_BYTES);
        let json: unknown;
        try {
          json = text.length > 0 ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json, latencyMs: performance.now() - started });
      });
      res.on("error", (error) => fail(error));
    });
    const fail = (error: Error & { code?: string }) => {
      clearTimeout(timer);
      reject(new TransportError(error.message, error.code ?? "ERROR", performance.now() - started, 1));
    };
    const timer = setTimeout(() => {
      const error = Object.assign(new Error(`no answer within ${req.timeoutMs} ms`), { code: "TIMEOUT" });
      request.destroy(error);
    }, req.timeoutMs);
    request.on("error", fail);
    request.end(body);
  });
}

/** One request with a deadline, at most one retry after a connection error. */
export async function send(endpoint: Endpoint, req: SmokeRequest): Promise<SmokeResponse> {
  try {
    return { ...(await once(endpoint, req)), attempts: 1 };
  } catch (error) {
    if (!(error instanceof TransportError) || !req.retry || !RETRYABLE.has(error.code)) throw error;
    await new Promise((r) => setTimeout(r, RETRY_DELAY_MS));
    try {
      return { ...(await once(endpoint, req)), attempts: 2 };
    } catch (second) {
      if (second instanceof TransportError) throw new TransportError(second.message, second.code, second.latencyMs, 2);
      throw second;
    }
  }
}
