// StrykerJS config for policies/ (issue #23): the CrossGuard policy pack, scored with tests/policies/** only.
// Run: `npm run test:mutation -- --area policies` (or `npx stryker run mutation/policies.config.mjs`).
//
// Tests: every tests/policies file but grpc.test.ts, and the two files of tests/plan that test policies/
// code: ordering.test.ts (policies/ordering.ts) and gpuModes.test.ts (serving modes: policies/cron.ts and
// the modes of policies/gpuPlan.ts). That one runs the pack in a child process over the
// Analyzer protocol (Stryker sees no coverage there, and the child runs the unmutated pack: it was
// started before any mutant was active); its in-process half evaluates the whole pack on prod and the
// seed plan, which the other files do policy by policy. Kept, it made every mutant of the pack's shared
// code run it, and each restart of a test process (after a timeout) start the pack again with ts-node.
// The prod and seed plans are synthesized once per test process (tests/fixtures/plans.ts); each test
// derives the host config and evaluates only the policies it judges, so per-test coverage is precise.
import { areaConfig } from "./base.mjs";

export default areaConfig({
  area: "policies",
  mutate: ["policies/**/*.ts"],
  tests: ["tests/policies/**/*.test.ts", "tests/plan/ordering.test.ts", "tests/plan/gpuModes.test.ts"],
  ignoreTests: ["tests/policies/grpc.test.ts"],
  // Measured 81.20 % (2371 of 2920 detected, 464 static ignored) in 11 min 17 s on 2 cores under a load of
  // 5-7 from other work (6 min 38 s at a lower load with fewer tests). Raise `break` as the tests improve.
  thresholds: { high: 90, low: 80, break: 79 },
});

/**
 * Surviving mutants no test could distinguish, each with the reason (see mutation/capacity.config.mjs for
 * the shape). Not yet sorted: the 549 undetected mutants of the last run (470 survived, 79 without
 * coverage) are listed by mutation/run.mjs as "not documented"; most are message text and the serving
 * modes' gap search (policies/gpuPlan.ts), see docs/testing.md.
 */
export const equivalentMutants = [];
