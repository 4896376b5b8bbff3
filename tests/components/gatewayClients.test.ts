import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLIENT_KEYS_SCRIPT, keyRequest } from "../../components/specs/gatewayClients";
import { hasCurl, runShell, startDouble, type DoubleRequest } from "../fixtures/httpDouble";

const MASTER = "sk-master-test";

/**
 * Just enough of LiteLLM's key admin API: /key/list by alias, /key/generate, and /key/update by token
 * hash, which (like LiteLLM's, `exclude_none=True`) ignores null fields.
 */
function keyApi(keys: Map<string, Record<string, unknown>>) {
  return (req: DoubleRequest) => {
    if (req.headers.authorization !== `Bearer ${MASTER}`) return { status: 401 };
    if (req.url.pathname === "/key/list") {
      const alias = req.url.searchParams.get("key_alias");
      const found = [...keys.entries()].filter(([, k]) => k.key_alias === alias).map(([token, k]) => ({ token, ...k }));
      return { json: { keys: found, total_count: found.length } };
    }
    const data = JSON.parse(req.body) as Record<string, unknown>;
    if (req.url.pathname === "/key/generate") {
      keys.set(createHash("sha256").update(`sk-${data.key_alias}`).digest("hex"), data);
      return { json: { key: `sk-${data.key_alias}` } };
    }
    if (req.url.pathname === "/key/update" && keys.has(String(data.key))) {
      const { key, ...fields } = data;
      keys.set(String(key), { ...keys.get(String(key)), ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null)) });
      return { json: {} };
    }
    return undefined;
  };
}

describe("LiteLLM client keys Job script", () => {
  it("creates a missing key, then updates its limits by token hash when the config changes", async function () {
    this.timeout(10000);
    if (!hasCurl()) this.skip();
    const keys = new Map<string, Record<string, unknown>>();
    const api = await startDouble(keyApi(keys));
    const run = (body: Record<string, unknown>) => {
      const dir = mkdtempSync(join(tmpdir(), "clients-"));
      writeFileSync(join(dir, "webui.json"), JSON.stringify(body));
      return runShell(CLIENT_KEYS_SCRIPT.replace("/clients/", `${dir}/`), { LITELLM_MASTER_KEY: MASTER, GATEWAY: api.url });
    };
    try {
      assert.equal((await run(keyRequest("webui", { rpm: 60, budgetDuration: "30d" }))).trim(), "client webui: key created");
      assert.deepEqual([...keys.values()][0]!.models, [], "every model");

      const second = await run(keyRequest("webui", { rpm: 30, tpm: 5000, maxBudget: 10, budgetDuration: "7d", models: ["chatbot"] }));
      assert.equal(second.trim(), "client webui: key exists, limits updated");
      assert.equal(keys.size, 1, "no second key for the same alias");
      const key = [...keys.values()][0]!;
      assert.equal(key.rpm_limit, 30);
      assert.equal(key.tpm_limit, 5000);
      assert.equal(key.max_budget, 10);
      assert.equal(key.budget_duration, "7d");
      assert.deepEqual(key.models, ["chatbot"]);
      assert.deepEqual(api.calls, ["GET /key/list", "POST /key/generate", "GET /key/list", "POST /key/update"]);
    } finally {
      api.close();
    }
  });
});
