import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..");
const CALIBRATION = join(ROOT, "capacity", "data", "vllm-memory-calibration.json");

function estimate(...args: string[]) {
  return spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", join(ROOT, "capacity", "cli.ts"), ...args], { cwd: ROOT, encoding: "utf8" });
}

describe("npm run estimate", () => {
  it("prints one result per case with the contract's fields", () => {
    const run = estimate(CALIBRATION);
    assert.equal(run.status, 0, run.stderr);
    const out = JSON.parse(run.stdout) as Record<string, unknown>[];
    assert.equal(out.length, 5);
    assert.deepEqual(Object.keys(out[1]!), [
      "id",
      "weightsGiB",
      "activationGiB",
      "nonTorchGiB",
      "kvCacheGiB",
      "kvCacheTokens",
      "maxConcurrency",
      "cudaGraphGiB",
      "deviceFootprintGiB",
      "kvCacheGiBGuaranteed",
      "kvCacheTokensGuaranteed",
    ]);
    assert.equal(out[1]!.id, "llama-3.1-8b-instruct-bfloat16-qNone-kvauto-tp1-len8192");
    const cases = require(CALIBRATION) as { actual: { kvCacheGiB: number; kvCacheTokens: number } }[];
    out.forEach((o, i) => {
      const actual = cases[i]!.actual;
      assert.ok((o.kvCacheGiBGuaranteed as number) <= actual.kvCacheGiB, `case ${i}: guaranteed GiB ${String(o.kvCacheGiBGuaranteed)} > real ${actual.kvCacheGiB}`);
      assert.ok((o.kvCacheTokensGuaranteed as number) <= actual.kvCacheTokens, `case ${i}: guaranteed tokens above the real run`);
      assert.ok((o.kvCacheGiBGuaranteed as number) < (o.kvCacheGiB as number));
      assert.equal((o.kvCacheTokensGuaranteed as number) % 16, 0, "whole KV blocks");
    });
  });

  it("reports a bad case and still estimates the others (exit 0)", () => {
    const dir = mkdtempSync(join(tmpdir(), "estimate-"));
    const cases = require(CALIBRATION) as Record<string, any>[];
    const file = join(dir, "cases.json");
    writeFileSync(file, JSON.stringify([{ ...cases[0], id: "bad", vllm: { ...cases[0]!.vllm, gpuMemoryUtilization: 0 } }, cases[1]]));
    const run = estimate(file);
    assert.equal(run.status, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    assert.deepEqual(out[0], { id: "bad", error: "vllm.gpuMemoryUtilization must be in (0, 1] (got 0)" });
    assert.ok(out[1].kvCacheGiB > 50);
  });

  it("exits 2 with a usage message for a missing file or a non-array", () => {
    const missing = estimate(join(tmpdir(), "no-such-file.json"));
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /cannot read .*\nusage: npm run --silent estimate -- FILE.json/);
    const dir = mkdtempSync(join(tmpdir(), "estimate-"));
    writeFileSync(join(dir, "obj.json"), "{}");
    const notArray = estimate(join(dir, "obj.json"));
    assert.equal(notArray.status, 2);
    assert.match(notArray.stderr, /must hold a JSON array/);
    assert.equal(estimate().status, 2);
  });
});
