import { strict as assert } from "node:assert";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { parsePlatformConfig } from "../../config/load";
import type { PlatformConfig } from "../../config/schema";
import { planChecks, probeVector, type SmokeSettings } from "../../smoke/checks";
import { send, TransportError } from "../../smoke/http";
import { redactor } from "../../smoke/report";
import { runChecks } from "../../smoke/run";
import { smokeTargets } from "../../smoke/targets";
import { stackConfig, variant } from "../fixtures/stacks";
import { EDGE_HOST, startEdgeDouble } from "./edgeDouble";
import { KEY, QDRANT_TOKEN } from "./helpers";

const prod = () => parsePlatformConfig(stackConfig("prod"));

describe("smoke targets from the stack config", () => {
  it("prod: every adapter's path route from the route table, embeddings, the collection, CORS and per-replica limits", () => {
    const t = smokeTargets(prod());
    assert.equal(t.host, "llm.example.com");
    assert.deepEqual(
      t.adapters.map((a) => [a.name, a.prefix, a.routeKey, a.server]),
      [
        ["chatbot", "/chat/v1", "adapter-chatbot", "llm"],
        ["rag", "/rag/v1", "adapter-rag", "llm"],
        ["code", "/code/v1", "adapter-code", "llm"],
        ["microservices", "/microservices/v1", "adapter-microservices", "llm"],
      ],
    );
    assert.equal(t.v1Prefix, "/v1");
    assert.deepEqual(t.embedding, { model: "embedding", server: "embedding" });
    // servers.reranker has task score: the reranker target, exercised on /v1/rerank.
    assert.deepEqual(t.reranker, { model: "reranker", server: "reranker" });
    // bge-m3 embeds into 1024 dimensions: the collection is created with that size.
    assert.deepEqual(t.vectorSearch, { prefix: "/vector-search", collection: "rag", vectorSize: 1024, endpoint: "query" });
    assert.deepEqual(t.cors?.origins, ["https://chat.example.com", "https://n8n.example.com"]);
    // 20 rps per address and 40 per API key over 2 NGINX data-plane replicas: 10 and 20 per replica.
    assert.deepEqual(t.rateLimits?.perReplica, { rps: 10, rpm: undefined, perApiKey: { rps: 20, rpm: undefined } });
    assert.equal(t.rateLimits?.replicas, 2);
    assert.deepEqual(t.rateLimits?.allowlist, [], "no exemptions on the Gateway API");
    assert.equal(t.edgeImplementation, "gateway-api");
    assert.deepEqual(t.certificate, { name: "edge-tls", namespaces: ["ingress-nginx"] }, "one certificate beside the Gateway");
    assert.equal(t.gatewayConfigMap, "gateway-litellm-config");
    assert.deepEqual(t.qdrantClients, { webui: "r", n8n: "rw" });
    assert.equal(t.acme, "production");
  });

  it("dev: no embedding server, the collection size from qdrant.collection.vectorSize, the clients' allowlists", () => {
    const t = smokeTargets(parsePlatformConfig(stackConfig("dev")));
    assert.equal(t.host, "llm.dev.example.com");
    assert.equal(t.embedding, undefined);
    assert.equal(t.vectorSearch?.vectorSize, 1024);
    assert.deepEqual(t.rateLimits?.perReplica, { rps: undefined, rpm: 600 });
    assert.equal(t.edgeImplementation, "ingress-nginx");
    assert.deepEqual(
      t.certificate?.namespaces,
      ["llm-gateway", "llm-data"],
      "an Ingress reads only Secrets of its namespace: one certificate per route namespace",
    );
    assert.deepEqual(t.clientModels, { webui: undefined, n8n: ["microservices", "code"] });
    assert.equal(t.acme, "staging");
  });

  it("follows adapters.<name>.path and a fifth adapter", () => {
    const config = parsePlatformConfig(
      variant(stackConfig("prod"), (c) => {
        c.adapters.rag.path = "retrieval";
        c.adapters.sql = { server: "llm", description: "SQL" };
      }),
    );
    const t = smokeTargets(config);
    assert.equal(t.adapters.find((a) => a.name === "rag")?.prefix, "/retrieval/v1");
    assert.equal(t.adapters.find((a) => a.name === "sql")?.prefix, "/sql/v1");
    const checks = planChecks(t, settings(new URL("http://127.0.0.1:1")));
    assert.ok(checks.some((c) => c.id === "chat-path:sql" && c.request === "POST /sql/v1/chat/completions model=sql" && !c.skip));
  });

  it("--embedding-model and --rerank-model name gateway models the config does not serve", () => {
    const t = smokeTargets(prod(), { embeddingModel: "openai-embed", rerankModel: "cohere-rerank" });
    assert.deepEqual(t.embedding, { model: "openai-embed", server: undefined });
    assert.deepEqual(t.reranker, { model: "cohere-rerank", server: undefined });
  });
});

function settings(baseUrl: URL): SmokeSettings {
  return { stack: "prod", endpoint: { baseUrl, hostName: EDGE_HOST }, apiKey: KEY, qdrantToken: QDRANT_TOKEN, timeoutMs: 5000, certWarnDays: 14 };
}

describe("the reranker, detected from servers.<name>.task", function () {
  this.timeout(20_000);
  // A server with task score is the reranker (prod has one; built here from the embedding server so the tests own its shape).
  const withReranker = (): PlatformConfig => {
    const config = prod();
    (config.servers as Record<string, unknown>)["reranker"] = { ...config.servers["embedding"]!, task: "score" };
    return config;
  };

  it("is a target under the server's name and is exercised on /v1/rerank", async () => {
    const t = smokeTargets(withReranker());
    assert.deepEqual(t.reranker, { model: "reranker", server: "reranker" });
    const double = await startEdgeDouble({ keys: { [KEY]: "webui" }, qdrantTokens: { [QDRANT_TOKEN]: "webui" }, reranker: "reranker" });
    try {
      const records = await runChecks(planChecks(t, settings(new URL(double.url))), settings(new URL(double.url)), {
        budgetMs: 30_000,
        redact: redactor([KEY]),
      });
      const rerank = records.find((r) => r.id === "rerank")!;
      assert.equal(rerank.result, "pass", JSON.stringify(rerank));
      assert.equal(rerank.request, "POST /v1/rerank model=reranker");
      assert.ok(double.calls.some((c) => c.path === "/v1/rerank" && c.model === "reranker"));
      assert.equal(records.find((r) => r.id === "models")!.result, "pass");
    } finally {
      await double.close();
    }
  });

  it("fails naming the reranker's server when the gateway does not serve it", async () => {
    const double = await startEdgeDouble({ keys: { [KEY]: "webui" }, qdrantTokens: { [QDRANT_TOKEN]: "webui" }, reranker: null });
    try {
      const t = smokeTargets(withReranker());
      const records = await runChecks(planChecks(t, settings(new URL(double.url))), settings(new URL(double.url)), {
        budgetMs: 30_000,
        redact: redactor([KEY]),
      });
      const rerank = records.find((r) => r.id === "rerank")!;
      assert.equal(rerank.result, "fail");
      assert.match(rerank.detail, /HTTP 400: Invalid model name passed in model=reranker/);
      assert.match(rerank.hint!, /llm-platform\.io\/server=reranker/);
      assert.match(records.find((r) => r.id === "models")!.detail, /missing reranker/);
    } finally {
      await double.close();
    }
  });
});

describe("smoke HTTP client: bounded retries and deadlines", function () {
  this.timeout(20_000);
  const endpointOf = (port: number) => ({ baseUrl: new URL(`http://127.0.0.1:${port}`), hostName: EDGE_HOST });

  it("sends again once after a reset connection, never twice", async () => {
    let connections = 0;
    const server = createServer((req, res) => {
      connections++;
      if (connections <= 1) req.socket.destroy();
      else res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    try {
      const res = await send(endpointOf(port), { method: "GET", path: "/v1/models", timeoutMs: 2000, retry: true });
      assert.equal(res.status, 200);
      assert.equal(res.attempts, 2);
      assert.deepEqual(res.json, { ok: true });
      connections = -10; // every request is reset from now on
      await assert.rejects(
        send(endpointOf(port), { method: "GET", path: "/v1/models", timeoutMs: 2000, retry: true }),
        (e: unknown) => e instanceof TransportError && e.attempts === 2 && e.code === "ECONNRESET",
      );
      assert.equal(connections, -8);
      await assert.rejects(
        send(endpointOf(port), { method: "GET", path: "/v1/models", timeoutMs: 2000 }),
        (e: unknown) => e instanceof TransportError && e.attempts === 1,
      );
    } finally {
      server.close();
    }
  });

  it("gives up at the deadline without a retry", async () => {
    let requests = 0;
    const server = createServer(() => {
      requests++; // never answers
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    try {
      const started = Date.now();
      await assert.rejects(
        send(endpointOf(port), { method: "GET", path: "/v1/models", timeoutMs: 250, retry: true }),
        (e: unknown) => e instanceof TransportError && e.code === "TIMEOUT" && e.attempts === 1,
      );
      assert.ok(Date.now() - started < 2000);
      assert.equal(requests, 1);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it("a probe vector is a unit vector of the collection's size", () => {
    const v = probeVector(1024);
    assert.equal(v.length, 1024);
    assert.equal(Math.hypot(...v), 1);
  });
});
