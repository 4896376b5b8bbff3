import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parsePlatformConfig, fromPulumiConfig } from "../../config/load";
import { readStackFile } from "../../plan/stackFile";
import { PROJECT_ROOT, fixtureStackFile } from "../fixtures/stacks";

function stackFile(extra: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "stack-")), "Pulumi.prod.yaml");
  writeFileSync(file, `${readFileSync(fixtureStackFile("prod"), "utf8")}${extra}`);
  return file;
}

describe("stack files: secure values", () => {
  it("reads a secure value nested at any depth (`pulumi config set --secret --path`) as a marked placeholder, the key a secret key", () => {
    const file = stackFile(`  llm-platform:workstation:
    dockerHost: ssh://dev@gpu-box.lan
    address: gpu-box.lan
    bindAddress: 192.168.1.50
    model: hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4
    extraArgs:
      - --api-key
      - secure: v1:QmFzZTY0Q2lwaGVydGV4dA==
`);
    writeFileSync(
      file,
      `${readFileSync(file, "utf8")}  llm-platform:huggingFace:\n    tokenSecret: {name: huggingface-token, key: token}\n    token:\n      secure: v1:AAAABBBBCCCC\n`,
    );
    const s = readStackFile(file, "prod", PROJECT_ROOT);
    assert.deepEqual(JSON.parse(s.config["llm-platform:huggingFace"]!), {
      tokenSecret: { name: "huggingface-token", key: "token" },
      token: "[secret llm-platform:huggingFace.token]",
    });
    assert.deepEqual(JSON.parse(s.config["llm-platform:workstation"]!).extraArgs, ["--api-key", "[secret llm-platform:workstation.extraArgs[1]]"]);
    assert.deepEqual(s.secretKeys.sort(), ["llm-platform:huggingFace", "llm-platform:workstation"]);
    assert.doesNotMatch(JSON.stringify(s.config), /v1:|secure/);
    // The program reads the placeholder as the value: the config stays valid.
    assert.equal(parsePlatformConfig(fromPulumiConfig(s.config)).huggingFace.token, "[secret llm-platform:huggingFace.token]");
  });

  it("still reads a top-level secure value, and leaves an object that merely has a `secure` field among others alone", () => {
    const file = stackFile(`  llm-platform:plainKey:
    secure: v1:ZZZZ
  other:thing:
    secure: not-a-secret-marker
    note: two fields
`);
    const s = readStackFile(file, "prod", PROJECT_ROOT);
    assert.equal(s.config["llm-platform:plainKey"], "[secret llm-platform:plainKey]");
    assert.deepEqual(JSON.parse(s.config["other:thing"]!), { secure: "not-a-secret-marker", note: "two fields" });
    assert.ok(s.secretKeys.includes("llm-platform:plainKey") && !s.secretKeys.includes("other:thing"));
  });
});
