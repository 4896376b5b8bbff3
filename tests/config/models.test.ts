import { strict as assert } from "node:assert";
import { ConfigError, parsePlatformConfig } from "../../config/load";

import { stackConfig, variant } from "../fixtures/stacks";

const SHA = "db1f81ad4b8c7e39777509fac66c652eb0a52f91";

function issues(raw: Record<string, unknown>): string[] {
  try {
    parsePlatformConfig(raw);
    return [];
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.issues.map((i) => `${i.path}: ${i.message}`);
  }
}

/**
 * The prod fixture without Bitwarden: its store, and the cloud provider whose key comes from it (and the
 * fallbacks to that provider), are taken away together, as an operator without Bitwarden would.
 */
function withoutBitwarden(c: any): void {
  delete c.externalSecrets.bitwarden;
  delete c.providers.openai;
  c.gateway.fallbacks = {};
  c.gateway.contextWindowFallbacks = {};
}

describe("models and the Hugging Face token (config)", () => {
  const prod = stackConfig("prod");
  const unprotected = variant(prod, (c) => (c.platform.protectStatefulData = false));

  it("accepts prod's pinned revisions", () => {
    const config = parsePlatformConfig(prod);
    assert.equal(config.models["llama-8b-awq"]!.revision, SHA);
    assert.equal(config.models["llama-8b-awq"]!.gated, false);
  });

  describe("pinned revisions where data is protected (#21)", () => {
    it("refuses a served model without a revision, naming the key and how to find the commit", () => {
      const found = issues(variant(prod, (c) => delete c.models["llama-8b-awq"].revision));
      assert.equal(found.length, 1, found.join("\n"));
      assert.match(
        found[0]!,
        /^llm-platform:models\.llama-8b-awq\.revision: is required in a stack with platform\.protectStatefulData: pin the 40-hex commit SHA/,
      );
      assert.match(found[0]!, /curl -s https:\/\/huggingface\.co\/api\/models\/hugging-quants\/Meta-Llama-3\.1-8B-Instruct-AWQ-INT4\/revision\/main/);
    });

    it("refuses a branch or a short SHA, and accepts exactly 40 hex", () => {
      assert.match(
        issues(variant(prod, (c) => (c.models["bge-m3"].revision = "main")))[0]!,
        /^llm-platform:models\.bge-m3\.revision: "main" is a branch or tag, not a commit/,
      );
      assert.equal(issues(variant(prod, (c) => (c.models["bge-m3"].revision = SHA.slice(0, 39)))).length, 1);
      assert.equal(issues(variant(prod, (c) => (c.models["bge-m3"].revision = SHA.toUpperCase()))).length, 1, "the Hub's SHAs are lower-case");
      assert.deepEqual(issues(variant(prod, (c) => (c.models["bge-m3"].revision = SHA))), []);
    });

    it("lets a stack without protected data follow a branch", () => {
      assert.deepEqual(issues(variant(unprotected, (c) => delete c.models["llama-8b-awq"].revision)), []);
    });

    it("does not ask a model no server uses to be pinned", () => {
      assert.deepEqual(issues(variant(prod, (c) => (c.models.spare = { id: "BAAI/bge-m3" }))), []);
    });
  });

  describe("the token only where a model is gated (#15, #21)", () => {
    it("refuses a gated model without a token Secret, naming huggingFace.tokenSecret and both ways to give it", () => {
      const found = issues(variant(prod, (c) => (c.models["llama-8b-awq"].gated = true)));
      assert.equal(found.length, 1, found.join("\n"));
      assert.match(
        found[0]!,
        /^llm-platform:huggingFace\.tokenSecret: is required: model "llama-8b-awq" \(hugging-quants\/Meta-Llama-3\.1-8B-Instruct-AWQ-INT4\) is gated/,
      );
      assert.match(found[0]!, /bitwardenSecret.*externalSecrets\.bitwarden.*a Secret you create in namespace llm-inference before `pulumi up`/);
    });

    it("accepts a gated model with an existing Secret (a prerequisite) and without Bitwarden", () => {
      const gated = (c: any) =>
        Object.assign(
          c,
          { huggingFace: { tokenSecret: { name: "huggingface-token" } } },
          { models: { ...c.models, "llama-8b-awq": { ...c.models["llama-8b-awq"], gated: true } } },
        );
      assert.deepEqual(issues(variant(prod, gated)), []);
      assert.deepEqual(
        issues(
          variant(prod, (c) => {
            withoutBitwarden(c);
            gated(c);
          }),
        ),
        [],
      );
    });

    it("refuses a token from Bitwarden without a Bitwarden store", () => {
      const found = issues(
        variant(prod, (c) => {
          withoutBitwarden(c);
          c.huggingFace = { tokenSecret: { name: "huggingface-token", bitwardenSecret: "0b4c8e9d-1f2a-4b3c-8d4e-5f6a7b8c9d0e" } };
        }),
      );
      assert.deepEqual(found, [
        "llm-platform:externalSecrets.bitwarden: is required: huggingFace.tokenSecret.bitwardenSecret comes from Bitwarden Secrets Manager (organizationId, projectId, accessTokenSecret)",
      ]);
    });

    it("defaults the download deadline to an hour and refuses a non-positive one", () => {
      assert.equal(parsePlatformConfig(prod).huggingFace.downloadTimeoutSeconds, 3600);
      assert.match(
        issues(variant(prod, (c) => (c.huggingFace = { downloadTimeoutSeconds: 0 })))[0]!,
        /^llm-platform:huggingFace\.downloadTimeoutSeconds: must be at least 1/,
      );
    });
  });
});
