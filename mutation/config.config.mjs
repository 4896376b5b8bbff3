// StrykerJS config for config/ (issue #23): the stack configuration schema, scored with tests/config/** only.
// Run: `npm run test:mutation -- --area config` (or `npx stryker run mutation/config.config.mjs`).
import { areaConfig } from "./base.mjs";

export default areaConfig({
  area: "config",
  mutate: ["config/**/*.ts"],
  tests: ["tests/config/**/*.test.ts"],
  thresholds: { high: 90, low: 80, break: null },
});

/** Surviving mutants no test could distinguish, each with the reason (see mutation/capacity.config.mjs for the shape). */
export const equivalentMutants = [];
