import { strict as assert } from "node:assert";
import { ConfigError, fromPulumiConfig, parsePlatformConfig } from "../../config/load";
import { pulumiConfigMap, stackConfig, variant } from "../fixtures/stacks";

function issuesOf(raw: Record<string, unknown>): { path: string; message: string }[] {
  try {
    parsePlatformConfig(raw);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return error.issues;
  }
  assert.fail("expected the config to be rejected");
}

function expectIssue(raw: Record<string, unknown>, path: string, message: RegExp): void {
  const issues = issuesOf(raw);
  const match = issues.find((i) => i.path === path);
  assert.ok(match, `no issue at ${path}; got ${JSON.stringify(issues)}`);
  assert.match(match.message, message);
}

describe("config schema", () => {
  const prod = stackConfig("prod");

  it("accepts the prod stack and applies defaults", () => {
    const config = parsePlatformConfig(prod);
    assert.equal(config.host.nodes["gpu-node"]!.gpus, 2);
    assert.deepEqual(config.gpuSharing, { mode: "time-slicing", replicas: 4, renameByDefault: false });
    assert.equal(config.servers.llm!.rollout, "Recreate");
    assert.equal(config.servers.llm!.gpus, 1);
    assert.equal(config.namespaces.inference, "llm-inference");
    assert.equal(config.images.vllm, "vllm/vllm-openai:v0.19.0");
    assert.equal(config.storage.qdrant.backupTier, "gfs");
  });

  it("reads the flat map the Pulumi CLI passes", () => {
    const all = { ...pulumiConfigMap(prod), "kubernetes:context": "kind-dev" };
    assert.deepEqual(parsePlatformConfig(fromPulumiConfig(all)), parsePlatformConfig(prod));
  });

  it("rejects unknown top-level keys with the list of known ones", () => {
    expectIssue(variant(prod, (c) => (c.gpuSharring = {})), "llm-platform:gpuSharring", /unknown configuration key .*gpuSharing/);
  });

  it("rejects unknown nested keys naming them", () => {
    expectIssue(
      variant(prod, (c) => (c.servers.llm.maxModelLength = 4096)),
      "llm-platform:servers.llm",
      /unknown key "maxModelLength"/,
    );
  });

  it("rejects wrong types", () => {
    expectIssue(variant(prod, (c) => (c.servers.llm.maxModelLen = "8k")), "llm-platform:servers.llm.maxModelLen", /whole number/);
  });

  it("rejects fractional and negative GPU counts", () => {
    expectIssue(variant(prod, (c) => (c.servers.llm.gpus = 0.5)), "llm-platform:servers.llm.gpus", /whole number/);
    expectIssue(variant(prod, (c) => (c.host.nodes["gpu-node"].gpus = -1)), "llm-platform:host.nodes.gpu-node.gpus", /0 or more/);
  });

  for (const bad of [0, 1.2, -0.1]) {
    it(`rejects gpuMemoryUtilization ${bad}`, () => {
      expectIssue(
        variant(prod, (c) => (c.servers.llm.gpuMemoryUtilization = bad)),
        "llm-platform:servers.llm.gpuMemoryUtilization",
        /\(0, 1\]/,
      );
    });
  }

  it('rejects "16GB" and "500m" as memory quantities', () => {
    const issues = issuesOf(
      variant(prod, (c) => {
        c.servers.llm.resources.limits.memory = "16GB";
        c.servers.llm.resources.requests.memory = "500m";
      }),
    );
    const paths = issues.map((i) => i.path);
    assert.ok(paths.includes("llm-platform:servers.llm.resources.limits.memory"), paths.join());
    assert.ok(paths.includes("llm-platform:servers.llm.resources.requests.memory"), paths.join());
    assert.match(issues[0]!.message, /binary suffix/);
  });

  it("rejects names that are not DNS-1123 labels", () => {
    expectIssue(
      variant(prod, (c) => {
        c.adapters.Chat_Bot = c.adapters.chatbot;
        delete c.adapters.chatbot;
      }),
      "llm-platform:adapters.Chat_Bot",
      /not a DNS-1123 label/,
    );
  });

  it("rejects an adapter whose name is another server's", () => {
    expectIssue(variant(prod, (c) => (c.adapters.embedding = { server: "llm" })), "llm-platform:adapters.embedding", /name of another server/);
  });

  it("rejects references to unknown servers and models", () => {
    expectIssue(variant(prod, (c) => (c.adapters.chatbot.server = "gpt")), "llm-platform:adapters.chatbot.server", /not a key of servers/);
    expectIssue(variant(prod, (c) => (c.servers.llm.model = "llama")), "llm-platform:servers.llm.model", /not a key of models/);
  });

  it("rejects models that are not in the capacity catalog", () => {
    expectIssue(variant(prod, (c) => (c.models["llama-8b-awq"].id = "acme/unknown-7b")), "llm-platform:models.llama-8b-awq.id", /not in the model catalog/);
  });

  it("rejects a LoRA adapter on an embedding server", () => {
    expectIssue(
      variant(prod, (c) => (c.adapters.rag = { server: "embedding", lora: { source: "acme/rag-lora" } })),
      "llm-platform:adapters.rag.lora",
      /need a generate server/,
    );
  });

  it("requires the memory of GPUs on nodes that have them", () => {
    expectIssue(variant(prod, (c) => delete c.host.nodes["gpu-node"].gpuMemoryGiB), "llm-platform:host.nodes.gpu-node.gpuMemoryGiB", /is required/);
  });

  it("requires missing top-level values", () => {
    expectIssue(variant(prod, (c) => delete c.host), "llm-platform:host", /required/);
  });

  it("rejects unpinned images", () => {
    expectIssue(variant(prod, (c) => (c.images = { vllm: "vllm/vllm-openai:latest" })), "llm-platform:images.vllm", /pinned/);
  });

  it("reports every problem at once", () => {
    const issues = issuesOf(
      variant(prod, (c) => {
        c.servers.llm.gpus = 1.5;
        c.gpuSharing.replicas = 0;
        c.storage.qdrant.size = "20GB";
      }),
    );
    assert.equal(issues.length, 3, JSON.stringify(issues));
  });

  it("formats the error with one line per key path", () => {
    try {
      parsePlatformConfig(variant(prod, (c) => (c.gpuSharing.mode = "mig")));
      assert.fail("expected ConfigError");
    } catch (error) {
      assert.match(String((error as Error).message), /invalid stack configuration \(1 problem\):\n {2}- llm-platform:gpuSharing\.mode: /);
    }
  });
});
