// StrykerJS config for the second pass of the capacity area (issue #23): the Kubernetes helpers the policies
// count with (the @llm-platform/kube package), every mutant including the module-level grammar and tables
// a normal pass ignores as static, with the tests written for them.
// `npm run test:mutation -- --area capacity` runs both passes, this one second.
//
// - kube/quantity.ts: the Kubernetes quantity grammar (QUANTITY regex, suffix multipliers) every CPU,
//   memory and storage budget is parsed with;
// - kube/workloads.ts: WORKLOAD_KINDS, where each workload kind keeps its pod spec (the policies
//   count pods, DaemonSets per node, through it).
// A static mutant only acts while the module loads, so each one runs in a fresh test process with every
// test of `tests`: two small test files keep that at 1.5-3.5 min for 103 mutants on 2 busy cores. The GPU and model catalogs
// (capacity/gpus.ts, capacity/catalog.ts: 247 static mutants, mostly source and name strings) stay out:
// their tests include the catalog and calibration suites, ~4 s per fresh process, ~8 min on 2 cores.
import { areaConfig } from "./base.mjs";

export default {
  ...areaConfig({
    area: "capacity-static",
    mutate: ["kube/quantity.ts", "kube/workloads.ts"],
    tests: ["tests/kube/quantity.test.ts", "tests/kube/workloads.test.ts"],
    thresholds: { high: 95, low: 85, break: 95 },
  }),
  ignoreStatic: false,
};

/** Surviving mutants of this pass, each with the reason. */
export const equivalentMutants = [
  {
    file: "kube/quantity.ts",
    reason:
      "Of the valid quantities only the milli suffix contains a lower-case m, always at the end; strings with an m elsewhere are refused by parseQuantity anyway.",
    mutants: [["Regex", "/m$/", "/m/"]],
  },
  {
    file: "kube/quantity.ts",
    reason: "For undefined, Math.round(undefined * 1000) is NaN and Number.isInteger(NaN) is false, so the result is undefined either way.",
    mutants: [["ConditionalExpression", "bytes !== undefined", "true"]],
  },
];
