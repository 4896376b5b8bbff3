// StrykerJS config for capacity/ (issue #23): the capacity model, scored with tests/capacity/** only.
// Run: `npm run test:mutation -- --area capacity` (or `npx stryker run mutation/capacity.config.mjs`).
import { areaConfig } from "./base.mjs";

export default areaConfig({
  area: "capacity",
  mutate: ["capacity/**/*.ts"],
  tests: ["tests/capacity/**/*.test.ts"],
  thresholds: { high: 90, low: 80, break: null },
});

/**
 * Surviving mutants no test could distinguish from the original, each with the reason. mutation/run.mjs
 * matches them by file, mutator, original text and replacement (not by line) and reports documented
 * equivalents that no longer survive.
 * @type {{ file: string; mutator: string; original: string; replacement: string; reason: string }[]}
 */
export const equivalentMutants = [];
