import { strict as assert } from "node:assert";
import { MODEL_CATALOG } from "@llm-platform/capacity";
import { ConfigError, parsePlatformConfig } from "../../config/load";

import { serverConfigIssues } from "../../config/serverChecks";
import { stackConfig, variant } from "../fixtures/stacks";

const problems = (raw: Record<string, unknown>) => {
  try {
    parsePlatformConfig(raw);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues.map((i) => `${i.path}: ${i.message}`);
  }
};

describe("server checks the schema alone cannot see (#15)", () => {
  const prod = stackConfig("prod");
  // bge-m3 (XLM-RoBERTa): 8194 positions minus RoBERTa's padding offset of 2 (its config.json).
  const bgeContext = MODEL_CATALOG["BAAI/bge-m3"]!.maxPositionEmbeddings;

  it("accepts maxModelLen exactly at the model's context", () => {
    assert.equal(bgeContext, 8192);
    assert.deepEqual(
      serverConfigIssues({ models: { m: { id: "BAAI/bge-m3" } }, servers: { e: { model: "m", task: "embed", maxModelLen: bgeContext } }, adapters: {} }),
      [],
    );
  });

  it("refuses one token beyond it, naming the model's context", () => {
    const issues = serverConfigIssues({
      models: { m: { id: "BAAI/bge-m3" } },
      servers: { e: { model: "m", task: "embed", maxModelLen: bgeContext + 1 } },
      adapters: {},
    });
    assert.deepEqual(issues, [
      {
        path: ["servers", "e", "maxModelLen"],
        message: `8193 tokens is beyond the context of BAAI/bge-m3 (8192 tokens, its max_position_embeddings): vLLM refuses to start; use at most 8192, or a model with a longer context`,
      },
    ]);
  });

  it("refuses it in a stack, at the key path", () => {
    const server = Object.entries((prod as any).servers).find(([, s]: [string, any]) => s.task === "embed")![0];
    const found = problems(variant(prod, (c) => (c.servers[server].maxModelLen = bgeContext + 1)));
    assert.ok(
      found.some((p) => p.startsWith(`llm-platform:servers.${server}.maxModelLen: 8193 tokens is beyond the context`)),
      found.join("\n"),
    );
  });

  it("refuses a chat adapter routed to an embedding server", () => {
    const server = Object.entries((prod as any).servers).find(([, s]: [string, any]) => s.task === "embed")![0];
    const found = problems(variant(prod, (c) => (c.adapters.rag.server = server)));
    assert.ok(
      found.some((p) =>
        p.startsWith(
          `llm-platform:adapters.rag.server: "${server}" serves task embed (BAAI/bge-m3): adapters are chat/completion endpoints and need a generate server; embeddings are served under the server's own name`,
        ),
      ),
      found.join("\n"),
    );
  });

  it("leaves unknown model aliases to their own check", () => {
    assert.deepEqual(serverConfigIssues({ models: {}, servers: { e: { model: "nope", task: "generate", maxModelLen: 10 ** 9 } }, adapters: {} }), []);
  });

  it("accepts the fixture stacks", () => {
    assert.deepEqual(problems(prod), []);
    assert.deepEqual(problems(stackConfig("dev")), []);
  });
});
