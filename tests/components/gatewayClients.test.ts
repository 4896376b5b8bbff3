import { strict as assert } from "node:assert";
import { execFile, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { CLIENT_KEYS_SCRIPT, keyRequest, type GatewayClient } from "../../components/specs/gatewayClients";
import { startDouble, type DoubleRequest } from "../fixtures/httpDouble";

const MASTER = "sk-master-test";
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const hasPython = () => spawnSync("python3", ["--version"]).status === 0;

type Stored = Record<string, unknown> & { key_alias?: string; metadata?: Record<string, unknown> };

/**
 * Enough of LiteLLM's key admin API (proxy/management_endpoints/key_management_endpoints): /key/list
 * (paginated, full objects with the sha256 `token`), /key/generate with a caller-chosen `key`,
 * /key/update by token (null fields ignored, like LiteLLM's exclude_none) and /key/delete by token.
 */
function keyApi(keys: Map<string, Stored>, pageSize = 100) {
  return (req: DoubleRequest) => {
    if (req.headers.authorization !== `Bearer ${MASTER}`) return { status: 401 };
    if (req.url.pathname === "/key/list") {
      const all = [...keys.entries()].map(([token, k]) => ({ token, ...k }));
      const page = Number(req.url.searchParams.get("page") ?? 1);
      const size = Math.min(Number(req.url.searchParams.get("size") ?? 10), pageSize);
      return {
        json: {
          keys: all.slice((page - 1) * size, page * size),
          total_count: all.length,
          current_page: page,
          total_pages: Math.max(1, Math.ceil(all.length / size)),
        },
      };
    }
    const data = JSON.parse(req.body) as Record<string, unknown>;
    if (req.url.pathname === "/key/generate") {
      const { key, ...fields } = data;
      keys.set(sha256(String(key)), fields);
      return { json: { key } };
    }
    if (req.url.pathname === "/key/update" && keys.has(String(data.key))) {
      const { key, ...fields } = data;
      keys.set(String(key), { ...keys.get(String(key)), ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null)) });
      return { json: {} };
    }
    if (req.url.pathname === "/key/delete") {
      for (const token of data.keys as string[]) keys.delete(token);
      return { json: { deleted_keys: data.keys } };
    }
    return undefined;
  };
}

/** Runs the reconciler as the Job does: client files in one directory, each key in a file named after its client. */
async function reconcile(url: string, clients: Record<string, { config: GatewayClient; key: string }>): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), "clients-"));
  mkdirSync(join(dir, "clients"));
  mkdirSync(join(dir, "keys"));
  for (const [name, c] of Object.entries(clients)) {
    writeFileSync(join(dir, "clients", `${name}.json`), JSON.stringify(keyRequest(name, c.config)));
    writeFileSync(join(dir, "keys", name), c.key);
  }
  writeFileSync(join(dir, "reconcile.py"), CLIENT_KEYS_SCRIPT);
  const { stdout } = await promisify(execFile)("python3", [join(dir, "reconcile.py")], {
    env: { ...process.env, GATEWAY: url, LITELLM_MASTER_KEY: MASTER, CLIENTS_DIR: join(dir, "clients"), KEYS_DIR: join(dir, "keys") },
  });
  return stdout.trim().split("\n").filter(Boolean);
}

describe("LiteLLM client keys reconciler (the keys Job's script)", function () {
  this.timeout(20000);
  let keys: Map<string, Stored>;
  let api: Awaited<ReturnType<typeof startDouble>>;
  before(function () {
    if (!hasPython()) this.skip();
  });
  beforeEach(async () => {
    keys = new Map();
    api = await startDouble(keyApi(keys, 2));
  });
  afterEach(() => api?.close());

  it("creates each client's key with the generated value, so the key handed out is the one that works", async () => {
    const out = await reconcile(api.url, { webui: { config: { rpm: 60 }, key: "sk-webui-1" }, n8n: { config: { tpm: 500 }, key: "sk-n8n-1" } });
    assert.deepEqual(out, ["client n8n: key created", "client webui: key created"]);
    assert.deepEqual([...keys.keys()].sort(), [sha256("sk-n8n-1"), sha256("sk-webui-1")].sort());
    assert.deepEqual(keys.get(sha256("sk-webui-1"))!.models, [], "every model");
    assert.equal(keys.get(sha256("sk-n8n-1"))!.tpm_limit, 500);
  });

  it("updates limits of an existing key by its token hash, creating nothing", async () => {
    await reconcile(api.url, { webui: { config: { rpm: 60 }, key: "sk-webui-1" } });
    const out = await reconcile(api.url, {
      webui: { config: { rpm: 30, tpm: 5000, maxBudget: 10, budgetDuration: "7d", models: ["chatbot"] }, key: "sk-webui-1" },
    });
    assert.deepEqual(out, ["client webui: key exists, limits updated"]);
    assert.equal(keys.size, 1);
    const key = keys.get(sha256("sk-webui-1"))!;
    assert.deepEqual([key.rpm_limit, key.tpm_limit, key.max_budget, key.budget_duration, key.models], [30, 5000, 10, "7d", ["chatbot"]]);
    assert.ok(api.calls.includes("POST /key/update"));
  });

  it("replaces a rotated key: the old token is revoked before the new key is created", async () => {
    await reconcile(api.url, { webui: { config: { rpm: 60 }, key: "sk-webui-1" } });
    const out = await reconcile(api.url, { webui: { config: { rpm: 60 }, key: "sk-webui-2" } });
    assert.deepEqual(out, ["client webui: revoked 1 old key(s)", "client webui: key created"]);
    assert.deepEqual([...keys.keys()], [sha256("sk-webui-2")]);
  });

  it("revokes the key of a client removed from the config, and never touches keys it does not manage", async () => {
    keys.set(sha256("sk-by-hand"), { key_alias: "ops", metadata: { owner: "me" } });
    keys.set(sha256("sk-other"), { key_alias: "n8n", metadata: {} });
    await reconcile(api.url, { webui: { config: {}, key: "sk-webui-1" }, n8n: { config: {}, key: "sk-n8n-1" }, batch: { config: {}, key: "sk-batch-1" } });
    // Listing spans pages (page size 2 here): the reconciler must read them all.
    const out = await reconcile(api.url, { webui: { config: {}, key: "sk-webui-1" } });
    assert.deepEqual(out, [
      "client webui: key exists, limits updated",
      "client batch: no longer configured, key revoked",
      "client n8n: no longer configured, key revoked",
    ]);
    assert.deepEqual([...keys.keys()].sort(), [sha256("sk-by-hand"), sha256("sk-other"), sha256("sk-webui-1")].sort());
    assert.ok(api.calls.filter((c) => c === "GET /key/list").length >= 3, api.calls.join(", "));
  });

  it("fails (so the Job is retried) when the admin API refuses the master key", async () => {
    await assert.rejects(
      promisify(execFile)("python3", ["-c", CLIENT_KEYS_SCRIPT], {
        env: { ...process.env, GATEWAY: api.url, LITELLM_MASTER_KEY: "wrong", CLIENTS_DIR: tmpdir(), KEYS_DIR: tmpdir() },
      }),
      /HTTP Error 401/,
    );
  });

  it("builds the key request without the key, with the client's cap in its metadata", () => {
    assert.deepEqual(keyRequest("n8n", { rpm: 30, tpm: 100, maxParallelRequests: 2, maxBudget: 5, budgetDuration: "30d", models: ["code"], maxTokens: 512 }), {
      key_alias: "n8n",
      metadata: { client: "n8n", managed_by: "llm-platform", max_tokens: 512 },
      rpm_limit: 30,
      tpm_limit: 100,
      max_parallel_requests: 2,
      max_budget: 5,
      budget_duration: "30d",
      models: ["code"],
    });
    assert.deepEqual(keyRequest("x", {}), { key_alias: "x", metadata: { client: "x", managed_by: "llm-platform" }, models: [] });
  });
});
