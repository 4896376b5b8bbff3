#!/usr/bin/env node
// `npm run test:mutation [-- --area <capacity|policies|config>] [-- other stryker run flags]` (issue #23).
//
// Runs StrykerJS over one area or, without --area, over all three one after another. An area is one or
// more passes, each a Stryker config (mutation/<pass>.config.mjs: what it mutates, with which tests, its
// thresholds.break); capacity has a second, static pass. Stryker prints the score per file; this script
// adds, per pass, the surviving mutants documented in the config (equivalent, with the reason) and those
// that are not, and a summary. It exits non-zero when any pass fails (Stryker exits 1 below its
// thresholds.break). Reports: reports/mutation/<pass>/mutation.{html,json}.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const AREAS = ["capacity", "policies", "config"];
/** The Stryker passes of each area, one config file each (mutation/<pass>.config.mjs), run in this order. */
export const PASSES = { capacity: ["capacity", "capacity-static"], policies: ["policies"], config: ["config"] };
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const USAGE = `usage: npm run test:mutation [-- --area <${AREAS.join("|")}>] [-- <stryker run flags>]`;

/** `--area x` / `--area=x` (repeatable, or comma-separated); everything else goes to `stryker run`. */
export function parseArgs(argv) {
  const areas = [];
  const passThrough = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--area" || arg.startsWith("--area=")) {
      const value = arg === "--area" ? argv[++i] : arg.slice("--area=".length);
      if (!value) throw new Error(`--area needs a value\n${USAGE}`);
      for (const area of value.split(",")) {
        if (!AREAS.includes(area)) throw new Error(`unknown area "${area}"; the areas are ${AREAS.join(", ")}\n${USAGE}`);
        if (!areas.includes(area)) areas.push(area);
      }
    } else if (arg === "--help" || arg === "-h") {
      throw new Error(USAGE);
    } else {
      passThrough.push(arg);
    }
  }
  return { areas: areas.length > 0 ? areas : [...AREAS], passThrough };
}

const DETECTED = new Set(["Killed", "Timeout"]);
const UNDETECTED = new Set(["Survived", "NoCoverage"]);

/** The source text a mutant replaced (report locations: 1-based lines and columns). */
function originalText(source, location) {
  const lines = source.split("\n");
  const { start, end } = location;
  if (start.line === end.line) return lines[start.line - 1].slice(start.column - 1, end.column - 1);
  return [lines[start.line - 1].slice(start.column - 1), ...lines.slice(start.line, end.line - 1), lines[end.line - 1].slice(0, end.column - 1)].join("\n");
}

/**
 * The documented survivors of a config, one entry per mutant: the config groups them by reason,
 * `{ file, kind?, reason, mutants: [[mutator, original text, replacement], ...] }`.
 */
export function flattenEquivalents(groups) {
  return groups.flatMap(({ file, kind = "equivalent", reason, mutants }) =>
    mutants.map(([mutator, original, replacement]) => ({ file, kind, reason, mutator, original, replacement })),
  );
}

/** Score per file and the survivors, split into documented ones and the rest (Stryker's score: detected / (detected + undetected)). */
export function summarize(report, documented) {
  const files = [];
  const undocumented = [];
  const matched = new Set();
  let detected = 0;
  let valid = 0;
  for (const [file, { source, mutants }] of Object.entries(report.files)) {
    let d = 0;
    let v = 0;
    for (const m of mutants) {
      if (DETECTED.has(m.status)) d++;
      if (DETECTED.has(m.status) || UNDETECTED.has(m.status)) v++;
      if (!UNDETECTED.has(m.status)) continue;
      const original = originalText(source, m.location);
      const entry = documented.find(
        (e) => e.file === file && e.mutator === m.mutatorName && e.original === original && e.replacement === m.replacement && !matched.has(e),
      );
      if (entry) matched.add(entry);
      else undocumented.push({ file, line: m.location.start.line, mutator: m.mutatorName, status: m.status, original, replacement: m.replacement });
    }
    files.push({ file, score: v === 0 ? 100 : (100 * d) / v, detected: d, valid: v });
    detected += d;
    valid += v;
  }
  const survivors = [...matched];
  return {
    score: valid === 0 ? 100 : (100 * detected) / valid,
    files,
    undocumented,
    equivalent: survivors.filter((e) => e.kind === "equivalent").length,
    accepted: survivors.filter((e) => e.kind === "accepted").length,
    stale: documented.filter((e) => !matched.has(e)),
  };
}

function runPass(pass, passThrough) {
  const require = createRequire(import.meta.url);
  const stryker = join(dirname(require.resolve("@stryker-mutator/core/package.json")), "bin", "stryker.js");
  const started = Date.now();
  const run = spawnSync(process.execPath, [stryker, "run", join("mutation", `${pass}.config.mjs`), ...passThrough], { cwd: ROOT, stdio: "inherit" });
  return { status: run.status ?? 1, started, seconds: Math.round((Date.now() - started) / 1000) };
}

async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  const results = [];
  for (const pass of args.areas.flatMap((area) => PASSES[area])) {
    process.stdout.write(`\n=== mutation testing: ${pass} (mutation/${pass}.config.mjs) ===\n`);
    const { status, started, seconds } = runPass(pass, args.passThrough);
    const configModule = await import(pathToFileURL(join(ROOT, "mutation", `${pass}.config.mjs`)).href);
    const config = configModule.default;
    const reportFile = join(ROOT, config.jsonReporter.fileName);
    const result = { pass, status, seconds, breakAt: config.thresholds.break };
    // A report older than this run (Stryker failed before reporting) says nothing about it.
    const fresh = existsSync(reportFile) && statSync(reportFile).mtimeMs >= started;
    const report = fresh ? JSON.parse(readFileSync(reportFile, "utf8")) : undefined;
    if (report?.files) {
      const summary = summarize(report, flattenEquivalents(configModule.equivalentMutants ?? []));
      Object.assign(result, summary);
      process.stdout.write(
        `\n${pass}: surviving mutants documented in mutation/${pass}.config.mjs: ${summary.equivalent} equivalent, ${summary.accepted} accepted; ` +
          `${summary.undocumented.length} not documented\n`,
      );
      for (const u of summary.undocumented) {
        process.stdout.write(
          `  ${u.status}, not documented: ${u.file}:${u.line} ${u.mutator} ${JSON.stringify(u.original)} -> ${JSON.stringify(u.replacement)}\n`,
        );
      }
      for (const s of summary.stale) {
        process.stdout.write(
          `  documented but no longer surviving (remove it from the config): ${s.file} ${s.mutator} ${JSON.stringify(s.original)} -> ${JSON.stringify(s.replacement)}\n`,
        );
      }
    }
    results.push(result);
  }
  process.stdout.write("\n=== mutation score per pass ===\n");
  for (const r of results) {
    const score = r.score === undefined ? "no report" : `${r.score.toFixed(2)} %`;
    const threshold = r.breakAt === null ? "no break threshold" : `break below ${r.breakAt} %`;
    process.stdout.write(`${r.pass.padEnd(16)} ${score.padStart(9)}  (${threshold})  ${r.seconds} s  ${r.status === 0 ? "ok" : `FAILED (exit ${r.status})`}\n`);
  }
  return results.some((r) => r.status !== 0) ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = await main();
