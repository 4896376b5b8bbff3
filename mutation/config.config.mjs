// StrykerJS config for config/ (issue #23): the stack configuration schema, scored with tests/config/** only.
// Run: `npm run test:mutation -- --area config` (or `npx stryker run mutation/config.config.mjs`).
//
// Most of config/ is zod schemas built while its modules load (static mutants). They are not left out:
// the rule tests (tests/config/rules.test.ts, gatewayRules.test.ts, sectionRules.test.ts) evaluate the
// modules whose rules they check afresh inside each test (tests/fixtures/freshConfig.ts), so Stryker
// sees those mutants covered by the test and runs it with the mutant active. `ignoreStatic` (base.mjs)
// then only ignores module-level code that no rule test evaluates. See docs/testing.md.
import { areaConfig } from "./base.mjs";

export default areaConfig({
  area: "config",
  mutate: ["config/**/*.ts"],
  tests: ["tests/config/**/*.test.ts"],
  thresholds: { high: 90, low: 80, break: null },
});

/** Surviving mutants no test could distinguish, each with the reason (see mutation/capacity.config.mjs for the shape). */
export const equivalentMutants = [];
