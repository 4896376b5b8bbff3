import { strict as assert } from "node:assert";
import { execFile, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { CLIENT_KEYS_SCRIPT, keyRequest } from "../../components/specs/gatewayClients";

const run = promisify(execFile);
const MASTER = "sk-master-test";

/**
 * Just enough of LiteLLM's key admin API: /key/list by alias, /key/generate, and /key/update by token
 * hash, which (like LiteLLM's, `exclude_none=True`) ignores null fields.
 */
function fakeKeyApi(keys: Map<string, Record<string, unknown>>): { server: Server; calls: string[] } {
  const calls: string[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      if (req.headers.authorization !== `Bearer ${MASTER}`) return res.writeHead(401).end();
      const url = new URL(req.url!, "http://x");
      calls.push(`${req.method} ${url.pathname}`);
      if (url.pathname === "/key/list") {
        const alias = url.searchParams.get("key_alias");
        const found = [...keys.entries()].filter(([, k]) => k.key_alias === alias).map(([token, k]) => ({ token, ...k }));
        return res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: found, total_count: found.length }));
      }
      const data = JSON.parse(body) as Record<string, unknown>;
      if (url.pathname === "/key/generate") {
        keys.set(createHash("sha256").update(`sk-${data.key_alias}`).digest("hex"), data);
        return res.writeHead(200).end(JSON.stringify({ key: `sk-${data.key_alias}` }));
      }
      if (url.pathname === "/key/update" && keys.has(String(data.key))) {
        const { key, ...fields } = data;
        const set = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null));
        keys.set(String(key), { ...keys.get(String(key)), ...set });
        return res.writeHead(200).end("{}");
      }
      return res.writeHead(404).end();
    });
  });
  return { server, calls };
}

async function runScript(port: number, clients: Record<string, Record<string, unknown>>): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "clients-"));
  for (const [name, body] of Object.entries(clients)) writeFileSync(join(dir, `${name}.json`), JSON.stringify(body));
  const { stdout } = await run("sh", ["-c", CLIENT_KEYS_SCRIPT.replace("/clients/", `${dir}/`)], {
    env: { ...process.env, LITELLM_MASTER_KEY: MASTER, GATEWAY: `http://127.0.0.1:${port}` },
  });
  return stdout;
}

describe("LiteLLM client keys Job script", () => {
  const keys = new Map<string, Record<string, unknown>>();
  const { server, calls } = fakeKeyApi(keys);
  let port: number;
  before((done) => {
    server.listen(0, "127.0.0.1", () => {
      port = (server.address() as AddressInfo).port;
      done();
    });
  });
  after(() => server.close());

  it("creates a missing key, then updates its limits by token hash when the config changes", async function () {
    this.timeout(10000);
    if (spawnSync("curl", ["--version"]).status !== 0) this.skip();
    const first = await runScript(port, { webui: keyRequest("webui", { rpm: 60, budgetDuration: "30d" }) });
    assert.equal(first.trim(), "client webui: key created");
    assert.equal(keys.size, 1);

    assert.deepEqual([...keys.values()][0]!.models, [], "every model");

    const second = await runScript(port, { webui: keyRequest("webui", { rpm: 30, tpm: 5000, maxBudget: 10, budgetDuration: "7d", models: ["chatbot"] }) });
    assert.equal(second.trim(), "client webui: key exists, limits updated");
    assert.equal(keys.size, 1, "no second key for the same alias");
    const key = [...keys.values()][0]!;
    assert.equal(key.rpm_limit, 30);
    assert.equal(key.tpm_limit, 5000);
    assert.equal(key.max_budget, 10);
    assert.equal(key.budget_duration, "7d");
    assert.deepEqual(key.models, ["chatbot"]);
    assert.deepEqual(calls, ["GET /key/list", "POST /key/generate", "GET /key/list", "POST /key/update"]);
  });
});
