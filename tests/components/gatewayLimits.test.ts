import { strict as assert } from "node:assert";
import { execFile, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LIMITS_ENV, LIMITS_MODULE, LIMITS_MODULE_FILE } from "../../components/specs/gatewayLimits";

const hasPython = () => spawnSync("python3", ["--version"]).status === 0;

/**
 * Runs the limits hook as LiteLLM loads it (a module next to config.yaml whose `proxy_handler_instance`
 * is a CustomLogger), against the two names it imports from the image: fastapi's HTTPException and
 * litellm's CustomLogger, given here as minimal stand-ins with the same constructor signatures.
 */
function hookHarness(): string {
  const dir = mkdtempSync(join(tmpdir(), "limits-"));
  mkdirSync(join(dir, "litellm", "integrations"), { recursive: true });
  writeFileSync(
    join(dir, "fastapi.py"),
    "class HTTPException(Exception):\n    def __init__(self, status_code, detail=None):\n        super().__init__(detail)\n        self.status_code = status_code\n        self.detail = detail\n",
  );
  writeFileSync(join(dir, "litellm", "__init__.py"), "");
  writeFileSync(join(dir, "litellm", "integrations", "__init__.py"), "");
  writeFileSync(join(dir, "litellm", "integrations", "custom_logger.py"), "class CustomLogger:\n    pass\n");
  writeFileSync(join(dir, LIMITS_MODULE_FILE), LIMITS_MODULE);
  writeFileSync(
    join(dir, "run.py"),
    `import asyncio, json, sys
from fastapi import HTTPException
import llm_platform_limits as hook

class Key:
    def __init__(self, metadata):
        self.metadata = metadata

cases = json.load(sys.stdin)
out = []
for case in cases:
    try:
        data = asyncio.run(hook.proxy_handler_instance.async_pre_call_hook(Key(case.get("metadata")), None, case["data"], case["call_type"]))
        out.append({"data": data})
    except HTTPException as e:
        out.append({"status": e.status_code, "error": e.detail["error"]})
print(json.dumps(out))
`,
  );
  return dir;
}

interface Case {
  data: Record<string, unknown>;
  call_type: string;
  metadata?: Record<string, unknown>;
}

async function runHook(dir: string, limits: Record<string, number> | undefined, cases: Case[]): Promise<any[]> {
  const child = execFile("python3", [join(dir, "run.py")], {
    env: { ...process.env, PYTHONPATH: dir, ...(limits ? { [LIMITS_ENV]: JSON.stringify(limits) } : {}) },
  });
  child.stdin!.end(JSON.stringify(cases));
  let stdout = "";
  child.stdout!.on("data", (d) => (stdout += d));
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  await new Promise((resolve, reject) => child.on("close", (code) => (code === 0 ? resolve(code) : reject(new Error(stderr)))));
  return JSON.parse(stdout);
}

describe("the gateway's request limits hook (LiteLLM pre-call hook)", function () {
  this.timeout(20000);
  let dir: string;
  before(function () {
    if (!hasPython()) this.skip();
    dir = hookHarness();
  });
  const LIMITS = { maxTokens: 1000, maxN: 2, maxRequestBytes: 200 };
  const chat = (extra: Record<string, unknown>, call_type = "acompletion", metadata?: Record<string, unknown>): Case => ({
    data: { model: "chatbot", messages: [{ role: "user", content: "hi" }], ...extra },
    call_type,
    metadata,
  });

  it("admits n and max_tokens exactly at their limits and refuses one above, naming the limit", async () => {
    const out = await runHook(dir, LIMITS, [
      chat({ n: 2, max_tokens: 1000 }),
      chat({ n: 3 }),
      chat({ max_tokens: 1001 }),
      chat({ max_completion_tokens: 1001 }),
      chat({ best_of: 3 }),
    ]);
    assert.deepEqual(out[0].data.max_tokens, 1000);
    assert.deepEqual(out.slice(1), [
      { status: 400, error: "llm-platform limits: n=3 is above the limit of 2 per request" },
      { status: 400, error: "llm-platform limits: max_tokens=1001 is above the limit of 1000" },
      { status: 400, error: "llm-platform limits: max_completion_tokens=1001 is above the limit of 1000" },
      { status: 400, error: "llm-platform limits: best_of=3 is above the limit of 2 per request" },
    ]);
  });

  it("caps a request that asks for no max_tokens (else it could run to the model's whole context)", async () => {
    const [chatOut, textOut, responsesOut] = await runHook(dir, LIMITS, [
      chat({}),
      chat({}, "atext_completion"),
      { data: { model: "chatbot", input: "hi" }, call_type: "aresponses" },
    ]);
    assert.equal(chatOut.data.max_tokens, 1000);
    assert.equal(textOut.data.max_tokens, 1000);
    assert.equal(responsesOut.data.max_output_tokens, 1000, "the Responses API's field");
    assert.equal(responsesOut.data.max_tokens, undefined);
  });

  it("lowers the cap for a client whose key metadata says so, never raises it", async () => {
    const out = await runHook(dir, LIMITS, [
      chat({}, "acompletion", { max_tokens: 300 }),
      chat({ max_tokens: 301 }, "acompletion", { max_tokens: 300 }),
      chat({}, "acompletion", { max_tokens: 5000 }),
    ]);
    assert.equal(out[0].data.max_tokens, 300);
    assert.equal(out[1].error, "llm-platform limits: max_tokens=301 is above the limit of 300");
    assert.equal(out[2].data.max_tokens, 1000);
  });

  it("refuses content above the size limit on any call, embeddings included; token caps apply only to generation", async () => {
    const big = "x".repeat(200);
    const out = await runHook(dir, LIMITS, [
      { data: { model: "embedding", input: ["a"] }, call_type: "aembedding" },
      { data: { model: "embedding", input: big }, call_type: "aembedding" },
      { data: { model: "embedding", input: "x".repeat(198) }, call_type: "aembedding" },
    ]);
    assert.deepEqual(out[0], { data: { model: "embedding", input: ["a"] } }, "untouched: no max_tokens on embeddings");
    assert.equal(out[1].error, "llm-platform limits: the request's content is 202 bytes; the limit is 200");
    assert.equal(out[2].data.input.length, 198, `"${"x".repeat(198)}" is exactly 200 bytes of JSON: admitted`);
  });

  it("refuses values that are not whole numbers", async () => {
    const out = await runHook(dir, LIMITS, [chat({ n: true }), chat({ max_tokens: "999" })]);
    assert.equal(out[0].error, "llm-platform limits: n=True is above the limit of 2 per request");
    assert.equal(out[1].error, "llm-platform limits: max_tokens='999' is above the limit of 1000");
  });

  it("lets everything through unchanged when no limits are configured", async () => {
    const [out] = await runHook(dir, undefined, [chat({ n: 9, max_tokens: 99999 })]);
    assert.deepEqual(out.data, chat({ n: 9, max_tokens: 99999 }).data);
  });
});
