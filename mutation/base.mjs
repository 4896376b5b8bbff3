// Shared StrykerJS settings for the three mutation areas (capacity/, policies/, config/), issue #23.
// Each area's config (mutation/<area>.config.mjs) calls `areaConfig` with what it mutates, which tests
// it runs and its break threshold. `npm run test:mutation [-- --area <name>]` (mutation/run.mjs) runs them.

/** @typedef {{ high: number; low: number; break: number | null }} Thresholds */

/**
 * @param {{
 *   area: string;
 *   mutate: string[];
 *   tests: string[];
 *   ignoreTests?: string[];
 *   thresholds: Thresholds;
 *   timeoutMS?: number;
 * }} area
 * @returns {import("@stryker-mutator/api/core").PartialStrykerOptions}
 */
export function areaConfig(area) {
  return {
    $schema: "../node_modules/@stryker-mutator/core/schema/stryker-schema.json",
    packageManager: "npm",
    testRunner: "mocha",
    // Only this area's tests (the spec overrides .mocharc.json's; its `require: ts-node/register` and
    // `extension: ts` still apply, and ts-node runs transpile-only per tsconfig.json).
    mochaOptions: { spec: area.tests, ...(area.ignoreTests ? { ignore: area.ignoreTests } : {}) },
    mutate: area.mutate,
    // Mutate the files where they are. In a sandbox copy (the default), tests import the capacity model as
    // `@llm-platform/capacity`, which resolves through the symlinked node_modules/@llm-platform/capacity ->
    // ../../capacity of the ORIGINAL checkout: the tests would load unmutated code and every mutant would
    // survive (measured: 17 of 17 survived in a sandbox, 13 of the same 17 were killed in place). Stryker
    // restores the files when the run ends, also on failure or Ctrl-C (backup under .stryker-tmp/).
    inPlace: true,
    // Run only the tests that cover a mutant: the whole capacity suite takes ~40 s (CLI tests spawn ts-node).
    coverageAnalysis: "perTest",
    // Static mutants (in module-level data: the GPU and model catalogs, constants) run only while a module
    // loads; the mocha runner cannot reload its environment (capabilities().reloadEnvironment is false), so
    // each one would need a fresh test process, a ts-node compile of every test file and ALL of the area's
    // tests (~40-60 s each on 2 busy cores): hundreds of them would take hours. They are reported as
    // "Ignored", not counted in the score; the catalogs' values are checked by their own tests (catalog,
    // gpus), which the instrumented run still executes.
    ignoreStatic: true,
    // The mutated files get a `// @ts-nocheck` header: mutants are not type-correct TypeScript. ts-node
    // runs transpile-only, so this only matters for a `tsc` run started while the files are mutated.
    // Only the mutated files: `true` means every .ts file of the project, which in place means every file
    // of the checkout is rewritten for the run (and restored from the backup at the end, undoing any edit
    // made to a test meanwhile).
    disableTypeChecks: area.mutate.length === 1 ? area.mutate[0] : `{${area.mutate.join(",")}}`,
    // Two cores shared with other work.
    concurrency: 2,
    // A busy 2-core machine: a mutant is a timeout only well past its normal test time.
    timeoutMS: area.timeoutMS ?? 15000,
    timeoutFactor: 2,
    dryRunTimeoutMinutes: 10,
    thresholds: area.thresholds,
    reporters: ["clear-text", "progress-append-only", "html", "json"],
    clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true, reportMutants: true },
    htmlReporter: { fileName: `reports/mutation/${area.area}/mutation.html` },
    jsonReporter: { fileName: `reports/mutation/${area.area}/mutation.json` },
    appendPlugins: ["./mutation/ignorers.mjs"],
    ignorers: ["llm-platform-io"],
    tempDirName: ".stryker-tmp",
    cleanTempDir: "always",
    allowConsoleColors: false,
  };
}
