import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
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
      assert.ok(
        (o.kvCacheGiBGuaranteed as number) <= actual.kvCacheGiB,
        `case ${i}: guaranteed GiB ${String(o.kvCacheGiBGuaranteed)} > real ${actual.kvCacheGiB}`,
      );
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

describe("estimateCases (the CLI's estimating part, in process)", () => {
  // Imported here, not at the top: the rest of this file runs the CLI in a child process.
  const { estimateCases } = require("../../capacity/cli") as typeof import("../../capacity/cli");
  const { estimateMemory } = require("@llm-platform/capacity") as typeof import("@llm-platform/capacity");
  const readCases = () => JSON.parse(readFileSync(CALIBRATION, "utf8")) as Record<string, any>[];

  it("rounds expected figures to the nearest 0.001, guaranteed ends down and footprints up", () => {
    const [c] = readCases();
    const e = estimateMemory(c as never);
    const [out] = estimateCases([c]) as Record<string, number>[];
    const nearest = (x: number) => Math.abs(x * 1000 - Math.round(x * 1000)) < 1e-6;
    for (const key of ["weightsGiB", "activationGiB", "nonTorchGiB", "kvCacheGiB", "maxConcurrency", "cudaGraphGiB"] as const) {
      assert.ok(Math.abs(out[key]! - e[key]) <= 0.0005 + 1e-12, `${key}: ${out[key]} vs ${e[key]}`);
      assert.ok(nearest(out[key]!), `${key} has three decimals`);
    }
    assert.equal(out.kvCacheTokens, e.kvCacheTokens);
    assert.equal(out.kvCacheTokensGuaranteed, e.kvCacheTokensGuaranteed);
    // A printed guarantee never promises more than the model, a printed footprint never shows less.
    assert.ok(out.kvCacheGiBGuaranteed! <= e.kvCacheGiBGuaranteed && out.kvCacheGiBGuaranteed! > e.kvCacheGiBGuaranteed - 0.001);
    assert.ok(out.deviceFootprintGiB! >= e.deviceFootprintGiB && out.deviceFootprintGiB! < e.deviceFootprintGiB + 0.001);
    assert.ok(nearest(out.kvCacheGiBGuaranteed!) && nearest(out.deviceFootprintGiB!));
  });

  it("rounds a value just above a thousandth down for guarantees and up for footprints", () => {
    // util 0.5 of 10.0004 GiB: footprint 0.55 + 5.0002 + 0 (eager) = 5.5502 GiB → printed 5.551.
    const [c] = readCases();
    const input = { ...c, id: "edge", gpu: { totalMemoryGiB: 10.0004 }, vllm: { ...c!.vllm, gpuMemoryUtilization: 0.5, enforceEager: true } };
    const [out] = estimateCases([input]) as Record<string, number>[];
    assert.equal(out.deviceFootprintGiB, 5.551);
    const e = estimateMemory(input as never);
    assert.equal(out.kvCacheGiBGuaranteed, Math.floor(e.kvCacheGiBGuaranteed * 1000) / 1000);
    assert.notEqual(out.kvCacheGiBGuaranteed, Math.ceil(e.kvCacheGiBGuaranteed * 1000) / 1000, "not rounded up");
  });

  it("names each case by its id, else by its position, and reports errors per case", () => {
    const [c] = readCases();
    const { id: _id, ...anonymous } = c!;
    const out = estimateCases([c, anonymous, { ...c, id: 7 }, { ...c, id: "bad", dtype: "int4" }, null]);
    assert.equal(out[0]!.id, c!.id);
    assert.equal(out[1]!.id, "case-1");
    assert.equal(out[2]!.id, "case-2", "a non-string id is not a name");
    assert.deepEqual(out[3], { id: "bad", error: "dtype must be bfloat16, float16 or float32 (got int4)" });
    assert.equal(out[4]!.id, "case-4");
    assert.match(String(out[4]!.error), /./);
    assert.equal(out.length, 5);
  });

  it("reports a thrown non-Error as its text", () => {
    const [c] = readCases();
    const hostile = {
      ...c,
      id: "hostile",
      get model(): never {
        throw "not an Error object";
      },
    };
    assert.deepEqual(estimateCases([hostile]), [{ id: "hostile", error: "not an Error object" }]);
  });
});
