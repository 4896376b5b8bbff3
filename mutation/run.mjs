#!/usr/bin/env node
// `npm run test:mutation [-- --area <capacity|policies|config>] [-- other stryker flags]` (issue #23).
//
// Runs StrykerJS over one area or, without --area, over all three one after another, each with its own
// config (mutation/<area>.config.mjs: what it mutates, which tests, thresholds.break). Stryker prints the
// score per file; this script adds, per area, the surviving mutants that are documented as equivalent
// (in the area's config, with the reason) and those that are not, and a summary line. It exits non-zero
// when any area fails (Stryker exits 1 below its thresholds.break). Reports: reports/mutation/<area>/.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const AREAS = ["capacity", "policies", "config"];
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

/** Score per file and the survivors, split into documented equivalents and the rest. */
export function summarize(report, equivalents) {
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
      const equivalent = equivalents.find(
        (e) => e.file === file && e.mutator === m.mutatorName && e.original === original && e.replacement === m.replacement,
      );
      if (equivalent) matched.add(equivalent);
      else undocumented.push({ file, line: m.location.start.line, mutator: m.mutatorName, status: m.status, original, replacement: m.replacement });
    }
    files.push({ file, score: v === 0 ? 100 : (100 * d) / v, detected: d, valid: v });
    detected += d;
    valid += v;
  }
  return {
    score: valid === 0 ? 100 : (100 * detected) / valid,
    files,
    undocumented,
    equivalentSurvivors: matched.size,
    staleEquivalents: equivalents.filter((e) => !matched.has(e)),
  };
}

function runArea(area, passThrough) {
  const require = createRequire(import.meta.url);
  const stryker = join(dirname(require.resolve("@stryker-mutator/core/package.json")), "bin", "stryker.js");
  const started = Date.now();
  const run = spawnSync(process.execPath, [stryker, "run", join("mutation", `${area}.config.mjs`), ...passThrough], { cwd: ROOT, stdio: "inherit" });
  return { status: run.status ?? 1, seconds: Math.round((Date.now() - started) / 1000) };
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
  for (const area of args.areas) {
    process.stdout.write(`\n=== mutation testing: ${area}/ (mutation/${area}.config.mjs) ===\n`);
    const { status, seconds } = runArea(area, args.passThrough);
    const configModule = await import(pathToFileURL(join(ROOT, "mutation", `${area}.config.mjs`)).href);
    const config = configModule.default;
    const reportFile = join(ROOT, config.jsonReporter.fileName);
    const result = { area, status, seconds, breakAt: config.thresholds.break };
    if (existsSync(reportFile) && JSON.parse(readFileSync(reportFile, "utf8")).files) {
      const summary = summarize(JSON.parse(readFileSync(reportFile, "utf8")), configModule.equivalentMutants ?? []);
      Object.assign(result, summary);
      process.stdout.write(`\n${area}: ${summary.equivalentSurvivors} surviving mutant(s) documented as equivalent in mutation/${area}.config.mjs; ${summary.undocumented.length} not documented\n`);
      for (const s of summary.staleEquivalents) {
        process.stdout.write(`  documented equivalent no longer survives (remove it from the config): ${s.file} ${s.mutator} ${JSON.stringify(s.original)} -> ${JSON.stringify(s.replacement)}\n`);
      }
    }
    results.push(result);
  }
  process.stdout.write("\n=== mutation score per area ===\n");
  for (const r of results) {
    const score = r.score === undefined ? "no report" : `${r.score.toFixed(2)} %`;
    const threshold = r.breakAt === null ? "no break threshold" : `break below ${r.breakAt} %`;
    process.stdout.write(`${r.area.padEnd(9)} ${score.padStart(9)}  (${threshold})  ${r.seconds} s  ${r.status === 0 ? "ok" : `FAILED (exit ${r.status})`}\n`);
  }
  return results.some((r) => r.status !== 0) ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = await main();
