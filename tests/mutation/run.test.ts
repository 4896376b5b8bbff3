import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/**
 * The mutation-testing setup (issue #23) checked without running StrykerJS: the interface the
 * workflow calls, the per-area rules (each area mutates only its own folder with only its own tests),
 * and the bookkeeping of documented survivors.
 */
const ROOT = join(__dirname, "..", "..");
const load = async (file: string) => import(pathToFileURL(join(ROOT, "mutation", file)).href);

describe("npm run test:mutation", () => {
  it("is a script of its own, not part of npm test", () => {
    const scripts = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts as Record<string, string>;
    assert.equal(scripts["test:mutation"], "node mutation/run.mjs");
    assert.doesNotMatch(scripts.test!, /stryker|mutation/);
  });

  it("runs all three areas without --area, one with --area, and passes other flags to stryker run", async () => {
    const { parseArgs, PASSES } = await load("run.mjs");
    assert.deepEqual(parseArgs([]), { areas: ["capacity", "policies", "config"], passThrough: [] });
    assert.deepEqual(parseArgs(["--area", "policies"]), { areas: ["policies"], passThrough: [] });
    assert.deepEqual(parseArgs(["--area=config", "--concurrency", "1"]), { areas: ["config"], passThrough: ["--concurrency", "1"] });
    assert.deepEqual(parseArgs(["--area", "capacity,config", "--area", "capacity"]).areas, ["capacity", "config"]);
    assert.throws(() => parseArgs(["--area", "components"]), /unknown area "components"; the areas are capacity, policies, config/);
    assert.throws(() => parseArgs(["--area"]), /--area needs a value/);
    assert.deepEqual(PASSES, { capacity: ["capacity", "capacity-static"], policies: ["policies"], config: ["config"] });
  });
});

describe("each area's Stryker config", () => {
  const passes = [
    { pass: "capacity", folder: "capacity" },
    { pass: "capacity-static", folder: "kube" },
    // Two files of tests/plan test policies code (the ordering policies, the serving modes' cron and GPU plan).
    { pass: "policies", folder: "policies", alsoTests: ["tests/plan/ordering.test.ts", "tests/plan/gpuModes.test.ts"] },
    { pass: "config", folder: "config" },
  ];
  for (const { pass, folder, alsoTests = [] } of passes as { pass: string; folder: string; alsoTests?: string[] }[]) {
    it(`${pass}: mutates only ${folder}/ with only tests/${folder}/, in place, with a break threshold slot and its own reports`, async () => {
      const { default: config, equivalentMutants } = await load(`${pass}.config.mjs`);
      assert.ok(config.mutate.length > 0);
      for (const glob of config.mutate as string[]) assert.ok(glob.replace(/^!/, "").startsWith(`${folder}/`), glob);
      for (const spec of config.mochaOptions.spec as string[]) assert.ok(spec.startsWith(`tests/${folder}/`) || alsoTests.includes(spec), spec);
      assert.equal(config.inPlace, true, "the workspace packages are symlinked: a sandbox copy would test the original files");
      assert.equal(config.testRunner, "mocha");
      assert.equal(config.coverageAnalysis, "perTest");
      assert.ok(config.concurrency <= 2, "two shared cores");
      assert.ok("break" in config.thresholds);
      assert.equal(config.jsonReporter.fileName, `reports/mutation/${pass}/mutation.json`);
      assert.equal(config.htmlReporter.fileName, `reports/mutation/${pass}/mutation.html`);
      for (const group of equivalentMutants as { file: string; kind?: string; reason: string; mutants: string[][] }[]) {
        assert.ok(group.file.startsWith(`${folder}/`), group.file);
        assert.ok(group.reason.length > 20, `${group.file}: a reason`);
        assert.ok(group.kind === undefined || group.kind === "accepted", group.kind);
        for (const m of group.mutants) assert.equal(m.length, 3, JSON.stringify(m));
      }
    });
  }
});

describe("survivor bookkeeping", () => {
  const report = {
    files: {
      "capacity/x.ts": {
        source: "const a = b >= 0;\nif (c) {\n  return 1;\n}\n",
        mutants: [
          {
            mutatorName: "EqualityOperator",
            replacement: "b > 0",
            status: "Survived",
            location: { start: { line: 1, column: 11 }, end: { line: 1, column: 17 } },
          },
          { mutatorName: "BlockStatement", replacement: "{}", status: "Survived", location: { start: { line: 2, column: 8 }, end: { line: 4, column: 2 } } },
          {
            mutatorName: "ConditionalExpression",
            replacement: "true",
            status: "Killed",
            location: { start: { line: 2, column: 5 }, end: { line: 2, column: 6 } },
          },
          {
            mutatorName: "ConditionalExpression",
            replacement: "false",
            status: "Timeout",
            location: { start: { line: 2, column: 5 }, end: { line: 2, column: 6 } },
          },
          { mutatorName: "StringLiteral", replacement: '""', status: "Ignored", location: { start: { line: 1, column: 1 }, end: { line: 1, column: 2 } } },
        ],
      },
    },
  };

  it("scores detected / (detected + undetected), ignoring ignored mutants, and matches documented survivors by text", async () => {
    const { summarize, flattenEquivalents } = await load("run.mjs");
    const documented = flattenEquivalents([
      { file: "capacity/x.ts", reason: "b is never exactly 0", mutants: [["EqualityOperator", "b >= 0", "b > 0"]] },
      { file: "capacity/x.ts", kind: "accepted", reason: "gone", mutants: [["StringLiteral", "x", '""']] },
    ]);
    const s = summarize(report, documented);
    assert.equal(s.score, 50);
    assert.deepEqual(s.files, [{ file: "capacity/x.ts", score: 50, detected: 2, valid: 4 }]);
    assert.equal(s.equivalent, 1);
    assert.equal(s.accepted, 0);
    assert.deepEqual(s.undocumented, [
      { file: "capacity/x.ts", line: 2, mutator: "BlockStatement", status: "Survived", original: "{\n  return 1;\n}", replacement: "{}" },
    ]);
    assert.deepEqual(
      s.stale.map((e: { reason: string }) => e.reason),
      ["gone"],
    );
  });
});
