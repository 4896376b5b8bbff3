// StrykerJS config for policies/ (issue #23): the CrossGuard policy pack, scored with tests/policies/** only.
// Run: `npm run test:mutation -- --area policies` (or `npx stryker run mutation/policies.config.mjs`).
import { areaConfig } from "./base.mjs";

export default areaConfig({
  area: "policies",
  mutate: ["policies/**/*.ts"],
  tests: ["tests/policies/**/*.test.ts"],
  thresholds: { high: 90, low: 80, break: null },
});

/** Surviving mutants no test could distinguish, each with the reason (see mutation/capacity.config.mjs for the shape). */
export const equivalentMutants = [];
