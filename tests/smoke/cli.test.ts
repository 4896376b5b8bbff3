import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { main } from "../../smoke/cli";
import { PROJECT_ROOT, fixtureStackFile } from "../fixtures/stacks";
import { EDGE_HOST, PROD_ADAPTERS, PROD_ORIGINS, startEdgeDouble, startRedirectDouble, type EdgeDouble, type EdgeDoubleOptions } from "./edgeDouble";
import { KEY, QDRANT_TOKEN, fakePulumi, resultOf, row, smoke, variantStackFile } from "./helpers";

/** Every request the healthy run must make (bar the https-only ones), as "METHOD path [model|origin]". */
const PROD_PATH_ROUTES = ["/chat/v1", "/rag/v1", "/code/v1", "/microservices/v1"];

function exercised(double: EdgeDouble): Set<string> {
  return new Set(
    double.calls.map(
      (c) =>
        `${c.method} ${c.path}${c.model ? ` ${c.model}` : ""}${c.origin ? ` ${c.origin}` : ""}${c.client === "none" ? " (no key)" : c.client === "unknown" ? " (unknown key)" : ""}`,
    ),
  );
}

describe("npm run smoke (post-deploy smoke test)", function () {
  this.timeout(60_000);
  let double: EdgeDouble | undefined;
  const start = async (options: Partial<EdgeDoubleOptions> = {}) => {
    double = await startEdgeDouble({ keys: { [KEY]: "webui" }, qdrantTokens: { [QDRANT_TOKEN]: "webui" }, ...options });
    return double;
  };
  afterEach(async () => {
    await double?.close();
    double = undefined;
  });
  const base = (d: EdgeDouble) => ["--stack", "prod", "--url", d.url, "--api-key", KEY, "--qdrant-token", QDRANT_TOKEN];

  it("`npm run smoke -- --stack prod --url http://127.0.0.1:PORT --api-key K` exits 0 against a healthy edge, having exercised every item bar the https-only ones", async () => {
    const d = await start();
    // The Qdrant token comes from the stack output, as in the deploy workflow: a pulumi CLI on PATH.
    const pulumi = fakePulumi({ qdrantClientTokens: { n8n: "eyJ.n8n.rw", webui: QDRANT_TOKEN } });
    const run = await promisify(execFile)(
      "npm",
      ["run", "-s", "smoke", "--", "--stack", "prod", "--config", fixtureStackFile("prod"), "--url", d.url, "--api-key", KEY],
      {
        cwd: PROJECT_ROOT,
        env: { ...process.env, PATH: `${pulumi.dir}${delimiter}${process.env.PATH}` },
        encoding: "utf8",
      },
    ).catch((error) => error as { code: number; stdout: string; stderr: string });
    assert.equal((run as { code?: number }).code ?? 0, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /0 failed/);
    assert.equal(readFileSync(pulumi.log, "utf8").trim(), "stack output --show-secrets --json qdrantClientTokens --stack prod");

    const seen = exercised(d);
    // Each path route is called as a client with that base URL calls it: the body names the adapter.
    const expected = [
      ...PROD_PATH_ROUTES.map((p, i) => `POST ${p}/chat/completions ${PROD_ADAPTERS[i]}`),
      ...PROD_ADAPTERS.map((a) => `POST /v1/chat/completions ${a}`),
      "POST /v1/embeddings embedding",
      "GET /v1/models",
      "GET /v1/models (no key)",
      "GET /v1/models (unknown key)",
      "POST /vector-search/query",
      "POST /vector-search/query (no key)",
      `OPTIONS /v1/chat/completions ${PROD_ORIGINS[0]} (no key)`,
      "OPTIONS /v1/chat/completions https://smoke-refused-origin.invalid (no key)",
      `GET /v1/models ${PROD_ORIGINS[0]}`,
      "GET /v1/models https://smoke-refused-origin.invalid",
    ];
    for (const request of expected) assert.ok(seen.has(request), `not exercised: ${request}\nseen: ${[...seen].join("\n")}`);
    // Every request asked for the edge's host (ingress rules match on it), and every chat was tiny.
    assert.deepEqual([...new Set(d.calls.map((c) => c.host))], [EDGE_HOST]);
    for (const c of d.calls.filter((c) => c.path.endsWith("/chat/completions") && c.method === "POST")) assert.ok(c.maxTokens! <= 8, JSON.stringify(c));
    for (const [i, adapter] of PROD_ADAPTERS.entries()) {
      assert.match(
        row(run.stdout, `adapter ${adapter} on its path route`),
        new RegExp(`^PASS .* 200 +\\d+ ms {2}answered "ok" in 1 token\\(s\\) via ${PROD_PATH_ROUTES[i]} → /v1$`),
      );
      assert.match(row(run.stdout, `adapter ${adapter} through /v1`), /^PASS /);
    }
    // The prod fixture serves a reranker (servers.reranker, task score): ranked on /v1/rerank.
    assert.match(row(run.stdout, "reranker reranker"), /^PASS .*POST \/v1\/rerank model=reranker .* 200 .*the relevant document first/);
    for (const https of ["certificate valid for the host", "plain HTTP redirects to HTTPS", "HSTS header on HTTPS answers"])
      assert.match(row(run.stdout, https), /^SKIP .*https only/);
    assert.ok(!run.stdout.includes(KEY) && !run.stderr.includes(KEY), "the key is printed");
    assert.ok(!run.stdout.includes(QDRANT_TOKEN) && !run.stderr.includes(QDRANT_TOKEN), "the Qdrant token is printed");
  });

  it("meets the 429 of a bounded burst (--burst) and stops at the first one", async () => {
    const d = await start();
    const run = await smoke([...base(d), "--burst", "300"]);
    assert.equal(run.code, 0, run.stdout);
    const line = row(run.stdout, "a burst of 300 meets 429");
    assert.match(line, /^PASS .* 429 .*429 at request \d+ of at most 300/);
    const burst = d.calls.filter((c) => c.path === "/v1/models" && c.client === "webui").length;
    assert.ok(burst < 300, `sent ${burst} requests after the first 429`);
  });

  it("fails a burst that meets no 429 and says why (per NGINX replica, per address and per key, the policy to look at)", async () => {
    const d = await start({ faults: { noRateLimit: true } });
    const run = await smoke([...base(d), "--burst", "40"]);
    assert.equal(run.code, 1);
    assert.match(row(run.stdout, "a burst of 40 meets 429"), /^FAIL .*no 429 in 40 request\(s\) \(answers: 200×40\)/);
    // prod: 20 rps per address and 40 per key, over 2 data-plane replicas, burst ×5.
    assert.match(
      run.stdout,
      /each of 2 NGINX data-plane replica\(s\) admits 10 rps \+ a burst of 50 per client address, and 20 rps \+ a burst of 100 per API key, counted on its own; no address is exempt: raise --burst; edge\.rateLimits \(RateLimitPolicy edge-rate-limits\): kubectl describe ratelimitpolicy -n ingress-nginx edge-rate-limits/,
    );
    assert.equal(d.calls.filter((c) => c.path === "/v1/models" && c.client === "webui" && !c.origin).length, 1 + 40);
  });

  it("exits 1 naming the one adapter that fails, on both its routes, with its server's and the gateway's logs", async () => {
    const d = await start({ faults: { failAdapter: "code" } });
    const run = await smoke(base(d));
    assert.equal(run.code, 1);
    assert.match(row(run.stdout, "adapter code on its path route"), /^FAIL .* 502 .*Connection refused to vllm-llm:8000/);
    assert.match(row(run.stdout, "adapter code through /v1"), /^FAIL .* 502 /);
    for (const other of ["chatbot", "rag", "microservices"]) assert.equal(resultOf(run.stdout, `adapter ${other} on its path route`), "PASS");
    assert.match(run.stdout, /FAIL adapter code on its path route \[chat-path:code\]/);
    assert.match(
      run.stdout,
      /next: the edge could not reach a healthy backend: kubectl logs -n llm-gateway -l app\.kubernetes\.io\/name=litellm --tail=200; kubectl logs -n llm-inference -l llm-platform\.io\/server=llm --tail=200; npm run doctor -- --stack prod/,
    );
    assert.match(run.stdout, /2 failed/);
  });

  it("names the HTTPRoute to look at when an adapter's path route is missing", async () => {
    const d = await start({ faults: { missingPathRoute: "rag" } });
    const run = await smoke(base(d));
    assert.equal(run.code, 1);
    assert.match(row(run.stdout, "adapter rag on its path route"), /^FAIL .* 404 /);
    assert.equal(resultOf(run.stdout, "adapter rag through /v1"), "PASS");
    assert.match(run.stdout, /kubectl describe httproute -n llm-gateway -l llm-platform\.io\/route=adapter-rag/);
    assert.doesNotMatch(run.stdout, /describe ingress/, "prod's edge has no Ingresses");
  });

  it("names the Ingress and ingress-nginx's logs on an ingress-nginx edge", async () => {
    const d = await start({ implementation: "ingress-nginx", faults: { missingPathRoute: "rag", failAdapter: "code" } });
    const file = variantStackFile((raw) => {
      raw.edge.implementation = "ingress-nginx";
      delete raw.edge.gatewayApi;
      delete raw.edge.rateLimits.perApiKey;
    });
    const run = await smoke(["--stack", "prod", "--config", file, "--url", d.url, "--api-key", KEY, "--qdrant-token", QDRANT_TOKEN]);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /kubectl describe ingress -n llm-gateway -l llm-platform\.io\/route=adapter-rag/);
    assert.doesNotMatch(run.stdout, /httproute|nginx-gateway-fabric/);
    assert.equal(resultOf(run.stdout, "preflight from an unlisted origin is refused"), "PASS", "LiteLLM refuses the preflight ingress-nginx passes on");
    assert.equal(resultOf(run.stdout, "answers carry allow-origin once, for listed origins only"), "PASS");
  });

  it("fails an answer that is no chat completion", async () => {
    const d = await start({ faults: { malformedAdapter: "microservices" } });
    const run = await smoke(base(d));
    assert.equal(run.code, 1);
    assert.match(row(run.stdout, "adapter microservices through /v1"), /^FAIL .* 200 .*no choices in the answer/);
  });

  it("fails when the allowed origin's preflight gets no allow-origin header", async () => {
    let d = await start({ faults: { preflightWithoutHeaders: true } });
    let run = await smoke(base(d));
    assert.equal(run.code, 1);
    assert.match(
      row(run.stdout, "preflight from https://chat.example.com is allowed"),
      /^FAIL .* 200 .*access-control-allow-origin missing, expected "https:\/\/chat\.example\.com"/,
    );
    assert.equal(resultOf(run.stdout, "preflight from an unlisted origin is refused"), "PASS");
    assert.match(
      run.stdout,
      /edge\.cors \(the HTTPRoutes' CORS filter; NGINX Gateway Fabric answers every preflight itself\): kubectl describe httproute -n llm-gateway -l llm-platform\.io\/route=v1/,
    );
    await d.close();
    // No CORS at the edge at all: the preflight reaches the gateway, whose CORS allows no origin.
    d = await start({ faults: { noCors: true } });
    run = await smoke(base(d));
    assert.equal(run.code, 1);
    assert.match(row(run.stdout, "preflight from https://chat.example.com is allowed"), /^FAIL .* 400 .*HTTP 400 to the preflight, expected 2xx/);
  });

  it("fails when the gateway answers CORS behind the edge: a repeated allow-origin for listed origins, one for unlisted ones", async () => {
    const d = await start({ faults: { backendCorsAnyOrigin: true } });
    const run = await smoke(base(d));
    assert.equal(run.code, 1);
    // NGINX Gateway Fabric answers preflights itself: they pass; the answers carry LiteLLM's header too.
    assert.equal(resultOf(run.stdout, "preflight from https://chat.example.com is allowed"), "PASS");
    assert.equal(resultOf(run.stdout, "preflight from an unlisted origin is refused"), "PASS");
    assert.match(
      row(run.stdout, "answers carry allow-origin once, for listed origins only"),
      /^FAIL .*access-control-allow-origin "https:\/\/chat\.example\.com, https:\/\/chat\.example\.com" on an answer to https:\/\/chat\.example\.com, expected exactly "https:\/\/chat\.example\.com": two answer CORS/,
    );
    assert.match(run.stdout, /LITELLM_CORS_ALLOW_ORIGINS set and empty/);
  });

  it("fails when an unlisted origin's preflight is allowed behind an ingress-nginx edge (it passes them on)", async () => {
    const d = await start({ implementation: "ingress-nginx", faults: { backendCorsAnyOrigin: true } });
    const file = variantStackFile((raw) => {
      raw.edge.implementation = "ingress-nginx";
      delete raw.edge.gatewayApi;
      delete raw.edge.rateLimits.perApiKey;
    });
    const run = await smoke(["--stack", "prod", "--config", file, "--url", d.url, "--api-key", KEY, "--qdrant-token", QDRANT_TOKEN]);
    assert.equal(run.code, 1);
    assert.match(
      row(run.stdout, "preflight from an unlisted origin is refused"),
      /^FAIL .*access-control-allow-origin "https:\/\/smoke-refused-origin\.invalid"/,
    );
    assert.match(
      row(run.stdout, "answers carry allow-origin once, for listed origins only"),
      /^FAIL .*access-control-allow-origin "https:\/\/smoke-refused-origin\.invalid" on an answer to https:\/\/smoke-refused-origin\.invalid/,
    );
    assert.equal(resultOf(run.stdout, "preflight from https://chat.example.com is allowed"), "PASS");
  });

  it("fails when a call without a key gets through (no 401)", async () => {
    const d = await start({ faults: { openGateway: true } });
    const run = await smoke(base(d));
    assert.equal(run.code, 1);
    assert.match(row(run.stdout, "gateway refuses a call without a key"), /^FAIL .* 200 .*expected 401: the API is open/);
    assert.equal(resultOf(run.stdout, "gateway refuses an unknown key"), "PASS");
  });

  it("fails when an unknown key is accepted", async () => {
    const d = await start({ faults: { anyKey: true } });
    const run = await smoke(base(d));
    assert.equal(run.code, 1);
    assert.match(row(run.stdout, "gateway refuses an unknown key"), /^FAIL .* 200 /);
    assert.equal(resultOf(run.stdout, "gateway refuses a call without a key"), "PASS");
  });

  it("fails a model list that lacks an adapter, naming it", async () => {
    const d = await start({ faults: { unlistedModel: "rag" } });
    const run = await smoke(base(d));
    assert.equal(run.code, 1);
    assert.match(
      row(run.stdout, "model list names every adapter"),
      /^FAIL .*missing rag \(listed: chatbot, code, microservices, embedding, reranker, default\)/,
    );
  });

  it("fails embeddings whose size differs from the collection's", async () => {
    const d = await start({ faults: { embeddingDim: 768 } });
    const run = await smoke(base(d));
    assert.equal(run.code, 1);
    assert.match(row(run.stdout, "embeddings from embedding"), /^FAIL .*768 dimensions, the collection rag holds 1024/);
  });

  it("fails when the vector search answers without a key, and skips the search itself without a token", async () => {
    const d = await start({ faults: { openVectorSearch: true } });
    const run = await smoke(["--stack", "prod", "--url", d.url, "--api-key", KEY]);
    assert.equal(run.code, 1);
    assert.match(row(run.stdout, "vector search refuses a call without a key"), /^FAIL .* 200 .*readable by anyone/);
    assert.match(row(run.stdout, "vector search in rag"), /^SKIP .*no Qdrant token: no --qdrant-token and the pulumi CLI is not on PATH/);
  });

  it("searches the collection with a unit vector of its size and a client's token, as a bearer token", async () => {
    const d = await start();
    const run = await smoke(base(d));
    assert.equal(run.code, 0, run.stdout);
    assert.match(
      row(run.stdout, "vector search in rag"),
      /^PASS +vector search in rag +POST \/vector-search\/query \(1024-dim unit vector\) +200 .*the collection is empty/,
    );
    assert.ok(d.calls.some((c) => c.path === "/vector-search/query" && c.client === "webui"));
  });

  it("names the token's source when Qdrant refuses it", async () => {
    const d = await start({ qdrantTokens: { "eyJ.other.token": "webui" } });
    const run = await smoke(base(d));
    assert.equal(run.code, 1);
    assert.match(row(run.stdout, "vector search in rag"), /^FAIL .* 403 .*Invalid API key or JWT/);
    assert.match(run.stdout, /Qdrant refused the token \(--qdrant-token\): expired/);
  });

  it("refuses the old --qdrant-key: there is no shared read-only key any more", async () => {
    const run = await smoke(["--stack", "prod", "--qdrant-key", "x"]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--qdrant-key is gone: .*--qdrant-token \(stack output qdrantClientTokens\)/);
  });

  it("passes a reranker served under --rerank-model and warns when it ranks the unrelated document first", async () => {
    let d = await start({ reranker: "reranker" });
    let run = await smoke([...base(d), "--rerank-model", "reranker"]);
    assert.equal(run.code, 0, run.stdout);
    assert.match(row(run.stdout, "reranker reranker"), /^PASS .*POST \/v1\/rerank model=reranker .* 200 .*2 result\(s\), the relevant document first/);
    assert.match(row(run.stdout, "model list names every adapter"), /including chatbot, rag, code, microservices, embedding, reranker/);
    await d.close();
    d = await start({ reranker: "reranker", rerankerInverted: true });
    run = await smoke([...base(d), "--rerank-model", "reranker"]);
    assert.equal(run.code, 0, run.stdout);
    assert.match(row(run.stdout, "reranker reranker"), /^WARN .*ranked the unrelated document first/);
  });

  it("never prints a key, even when an upstream error quotes it", async () => {
    const d = await start({ faults: { failAdapter: "chatbot", echoKey: true } });
    const dir = mkdtempSync(join(tmpdir(), "smoke-junit-"));
    for (const format of [[], ["--json"], ["--junit", join(dir, "junit.xml")]]) {
      const run = await smoke([...base(d), ...format]);
      assert.equal(run.code, 1);
      assert.ok(run.stdout.includes("(key [redacted])"), run.stdout);
      assert.ok(!run.stdout.includes(KEY) && !run.stderr.includes(KEY));
    }
    const junit = readFileSync(join(dir, "junit.xml"), "utf8");
    assert.ok(junit.includes("(key [redacted])") && !junit.includes(KEY));
  });

  it("prints one JSON document with --json and writes JUnit XML with --junit", async () => {
    const d = await start({ faults: { failAdapter: "rag" } });
    const junitFile = join(mkdtempSync(join(tmpdir(), "smoke-junit-")), "smoke.xml");
    const run = await smoke([...base(d), "--json", "--junit", junitFile]);
    assert.equal(run.code, 1);
    const doc = JSON.parse(run.stdout);
    assert.deepEqual(Object.keys(doc), ["stack", "url", "host", "client", "startedAt", "durationMs", "ok", "summary", "checks"]);
    assert.equal(doc.ok, false);
    assert.equal(doc.host, EDGE_HOST);
    // 22 checks: the 3 https-only and one other skipped (http URL), the reranker ranked (prod serves one).
    assert.deepEqual(doc.summary, { pass: 16, fail: 2, warn: 0, skip: 4 });
    const failed = doc.checks.filter((c: any) => c.result === "fail").map((c: any) => c.id);
    assert.deepEqual(failed, ["chat-path:rag", "chat-v1:rag"]);
    const chat = doc.checks.find((c: any) => c.id === "chat-path:chatbot");
    assert.equal(chat.httpStatus, 200);
    assert.equal(typeof chat.latencyMs, "number");

    const xml = readFileSync(junitFile, "utf8");
    assert.match(xml, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="llm-platform smoke" tests="22" failures="2" errors="0" skipped="4"/);
    assert.equal((xml.match(/<testcase /g) ?? []).length, 22);
    assert.equal((xml.match(/<failure /g) ?? []).length, 2);
    assert.equal((xml.match(/<skipped /g) ?? []).length, 4);
    assert.match(
      xml,
      /<testcase classname="smoke\.prod\.gateway" name="adapter rag on its path route \[chat-path:rag\]" time="\d+\.\d{3}">\n {6}<failure message="HTTP 502: /,
    );
  });

  it("answers within the per-request deadline or fails naming the server's logs", async () => {
    const d = await start({ faults: { slowAdapter: { name: "rag", ms: 1500 } } });
    const run = await smoke([...base(d), "--timeout-ms", "300"]);
    assert.equal(run.code, 1);
    assert.match(row(run.stdout, "adapter rag on its path route"), /^FAIL .*no answer within 300 ms/);
    assert.match(
      run.stdout,
      /no answer in time \(--timeout-ms 300\): kubectl logs -n llm-gateway .*kubectl logs -n llm-inference -l llm-platform\.io\/server=llm/,
    );
    // A timeout is not retried: one request per route.
    assert.equal(d.calls.filter((c) => c.path === "/rag/v1/chat/completions").length, 1);
  });

  it("stops at the overall budget: checks it no longer covers fail as not run", async () => {
    const d = await start({ faults: { slowAdapter: { name: "chatbot", ms: 700 } } });
    const run = await smoke([...base(d), "--budget-ms", "500"]);
    assert.equal(run.code, 1);
    assert.match(row(run.stdout, "adapter chatbot on its path route"), /^FAIL .*no answer within \d+ ms/);
    assert.match(row(run.stdout, "embeddings from embedding"), /^FAIL .*not run: the overall budget of 500 ms ran out/);
  });

  it("says to use the HTTPS side when --url is the edge's plain-HTTP port (every answer a redirect)", async () => {
    const redirect = await startRedirectDouble();
    try {
      const run = await smoke(["--stack", "prod", "--url", redirect.url, "--api-key", KEY, "--qdrant-token", QDRANT_TOKEN]);
      assert.equal(run.code, 1);
      assert.match(row(run.stdout, "gateway refuses a call without a key"), /^FAIL .* 308 .*HTTP 308 redirect to https:\/\/llm\.example\.com\/v1\/models$/);
      assert.match(
        row(run.stdout, "adapter chatbot on its path route"),
        /^FAIL .*not run: http:\/\/127\.0\.0\.1:\d+ answers with a redirect \(308\) \(see auth-no-key\)/,
      );
      assert.match(
        run.stdout,
        /next: the edge redirects plain HTTP to HTTPS: point --url at its HTTPS side \(https:\/\/llm\.example\.com, or a port-forward of the Gateway's Service port 443\)/,
      );
    } finally {
      await redirect.close();
    }
  });

  it("stops sending after a refused connection and its one retry", async () => {
    const d = await start();
    const url = d.url;
    await d.close();
    double = undefined;
    const run = await smoke(["--stack", "prod", "--url", url, "--api-key", KEY, "--qdrant-token", QDRANT_TOKEN]);
    assert.equal(run.code, 1);
    assert.match(row(run.stdout, "gateway refuses a call without a key"), /^FAIL .*ECONNREFUSED .*\(after one retry\)/);
    assert.match(row(run.stdout, "model list names every adapter"), /^FAIL .*not run: http:\/\/127\.0\.0\.1:\d+ is unreachable \(see auth-no-key\)/);
    assert.match(
      run.stdout,
      /next: the edge did not answer \(ECONNREFUSED\): DNS and load balancer of llm\.example\.com, the edge's NGINX \(kubectl describe gateway -n ingress-nginx edge; kubectl logs -n ingress-nginx -l llm-platform\.io\/edge=edge --tail=200; kubectl logs -n ingress-nginx -l app\.kubernetes\.io\/name=nginx-gateway-fabric --tail=200\)/,
    );
  });
});

describe("npm run smoke: keys and clients", function () {
  this.timeout(30_000);
  let double: EdgeDouble | undefined;
  afterEach(async () => {
    await double?.close();
    double = undefined;
  });
  const clients = { webui: "sk-webui-key-0001", n8n: "sk-n8n-key-0002" };
  const withClients = () =>
    variantStackFile((raw) => {
      raw.gateway = { clients: { webui: { rpm: 60 }, n8n: { rpm: 30, models: ["microservices", "code"] } } };
    });

  it("reads the first client's key from the stack output clientKeys when there is no --api-key", async () => {
    double = await startEdgeDouble({ keys: { [clients.webui]: "webui", [clients.n8n]: "n8n" }, qdrantTokens: { [QDRANT_TOKEN]: "webui" } });
    const pulumi = fakePulumi({ clientKeys: clients, qdrantClientTokens: { n8n: "eyJ.n8n.rw", webui: QDRANT_TOKEN } });
    const run = await smoke(["--stack", "prod", "--config", withClients(), "--url", double.url], { env: { PATH: pulumi.dir } });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /key clientKeys\.webui/);
    assert.deepEqual([...new Set(double.calls.filter((c) => c.path === "/v1/embeddings").map((c) => c.client))], ["webui"]);
    assert.deepEqual(readFileSync(pulumi.log, "utf8").trim().split("\n"), [
      "stack output --show-secrets --json clientKeys --stack prod",
      "stack output --show-secrets --json qdrantClientTokens --stack prod",
    ]);
    assert.ok(
      double.calls.some((c) => c.path === "/vector-search/query" && c.client === "webui"),
      "the gateway client's own Qdrant token",
    );
    for (const key of Object.values(clients)) assert.ok(!run.stdout.includes(key));
  });

  it("--client picks a key, and that client's model allowlist decides what is called", async () => {
    double = await startEdgeDouble({
      keys: { [clients.webui]: "webui", [clients.n8n]: "n8n" },
      clientModels: { n8n: ["microservices", "code"] },
      qdrantTokens: { [QDRANT_TOKEN]: "webui", "eyJ.n8n.rw": "n8n" },
    });
    const pulumi = fakePulumi({ clientKeys: clients, qdrantClientTokens: { n8n: "eyJ.n8n.rw", webui: QDRANT_TOKEN } });
    const run = await smoke(["--stack", "prod", "--config", withClients(), "--url", double.url, "--client", "n8n"], { env: { PATH: pulumi.dir } });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(row(run.stdout, "adapter chatbot through /v1"), /^SKIP .*client n8n may not call chatbot \(gateway\.clients\.n8n\.models\)/);
    assert.match(row(run.stdout, "embeddings from embedding"), /^SKIP .*client n8n may not call embedding/);
    assert.equal(resultOf(run.stdout, "adapter code on its path route"), "PASS");
    assert.match(row(run.stdout, "model list names every adapter"), /including code, microservices$/);
    assert.ok(double.calls.every((c) => c.client !== "webui"));
    // n8n's own Qdrant token, not webui's.
    assert.ok(double.calls.some((c) => c.path === "/vector-search/query" && c.client === "n8n"));
  });

  it("refuses a --client that has no key, naming those that do", async () => {
    const pulumi = fakePulumi({ clientKeys: clients });
    const run = await smoke(["--stack", "prod", "--config", withClients(), "--url", "http://127.0.0.1:9", "--client", "grafana"], {
      env: { PATH: pulumi.dir },
    });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--client grafana: no such key in clientKeys of prod \(have: webui, n8n\)/);
  });

  it("refuses a --client the stack config does not know (its allowlist could not apply)", async () => {
    const run = await smoke(["--stack", "prod", "--url", "http://127.0.0.1:9", "--api-key", KEY, "--client", "grafana"]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--client grafana is not in gateway\.clients of prod \(have: webui, n8n\)/);
    assert.ok(!run.stderr.includes(KEY));
  });

  it("exits 2 with what to do when there is no key and no pulumi CLI", async () => {
    const run = await smoke(["--stack", "prod", "--url", "http://127.0.0.1:9"]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /no API key: pass --api-key <key> \(or set SMOKE_API_KEY\); the pulumi CLI is not on PATH/);
  });

  it("exits 2 with the CLI's message when the stack has no clientKeys output", async () => {
    const pulumi = fakePulumi({});
    const run = await smoke(["--stack", "prod", "--url", "http://127.0.0.1:9"], { env: { PATH: pulumi.dir } });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /pulumi stack output clientKeys --stack prod failed: error: current stack does not have output property 'clientKeys'/);
  });

  it("takes the key and the token from SMOKE_API_KEY and SMOKE_QDRANT_TOKEN", async () => {
    double = await startEdgeDouble({ keys: { [KEY]: "webui" }, qdrantTokens: { [QDRANT_TOKEN]: "webui" } });
    const run = await smoke(["--stack", "prod", "--url", double.url], { env: { PATH: "/nonexistent", SMOKE_API_KEY: KEY, SMOKE_QDRANT_TOKEN: QDRANT_TOKEN } });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(resultOf(run.stdout, "vector search in rag"), "PASS");
  });
});

describe("npm run smoke: usage", () => {
  it("exits 2 on bad arguments, with the usage", async () => {
    const cases: [string[], RegExp][] = [
      [["--stack", "prod", "--burst", "0"], /--burst needs a whole number of at least 1, not "0"/],
      [["--stack", "prod", "--burst", "2001"], /--burst 2001 is above the limit of 2000/],
      [["--stack", "prod", "--timeout-ms", "1.5"], /--timeout-ms needs a whole number/],
      [["--stack", "prod", "--api-key"], /--api-key needs a value/],
      [["--stack", "prod", "--frobnicate"], /unknown argument "--frobnicate"/],
    ];
    for (const [args, message] of cases) {
      const run = await smoke(args);
      assert.equal(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
      assert.match(run.stderr, message);
      assert.match(run.stderr, /usage: npm run smoke -- --stack <name>/);
    }
    let stderr = "";
    const code = await main(["--url", "http://127.0.0.1:9"], { stdout: () => undefined, stderr: (t) => (stderr += t), env: {} });
    assert.equal(code, 2);
    assert.match(stderr, /give --stack <name>/);
    // 2000 is the largest burst allowed: the next problem reported is the URL's.
    const atLimit = await smoke(["--stack", "prod", "--burst", "2000", "--api-key", KEY, "--url", "http://127.0.0.1:9/v1"]);
    assert.equal(atLimit.code, 2);
    assert.doesNotMatch(atLimit.stderr, /--burst/);
    assert.match(atLimit.stderr, /--url "http:\/\/127\.0\.0\.1:9\/v1" must have no path/);
  });

  it("needs --url for a stack without an edge", async () => {
    const file = variantStackFile((raw) => {
      delete raw.edge;
    });
    const run = await smoke(["--stack", "prod", "--config", file, "--api-key", KEY]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /stack prod has no edge \(llm-platform:edge\.hosts\): pass --url/);
  });

  it("reports an invalid stack config by key path, exit 2", async () => {
    const file = variantStackFile((raw) => {
      raw.edge.hosts = ["not a host"];
    });
    const run = await smoke(["--stack", "prod", "--config", file, "--api-key", KEY]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /llm-platform:edge\.hosts\[0\]: "not a host" is not a DNS host name/);
  });

  it("prints the usage with --help", async () => {
    const run = await smoke(["--help"]);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /--burst <n> +also send up to n requests \(at most 2000\) and expect a 429/);
  });
});
