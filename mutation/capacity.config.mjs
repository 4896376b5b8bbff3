// StrykerJS config for capacity/ (issue #23): the capacity model, scored with tests/capacity/** only.
// Run: `npm run test:mutation -- --area capacity` (or `npx stryker run mutation/capacity.config.mjs`).
//
// What is mutated: every file of capacity/. Left out, each with its reason:
// - capacity/cli.ts `main()` and its `require.main === module` guard: I/O only (argv, file, stderr, exit
//   code), run by tests/capacity/cli.test.ts in a child process where Stryker sees no coverage
//   (mutation/ignorers.mjs). estimateCases, the part that estimates, is mutated and tested in process.
// - Static mutants (code that runs only while a module loads: the GPU and model catalogs' data and the
//   helpers that build them, module-level constants and regexes): ignoreStatic in mutation/base.mjs,
//   because the mocha runner cannot reload modules and each would cost a fresh process and the whole suite.
//   capacity/index.ts holds only re-exports and capacity/types.ts only types and the error class.
//
// Measured (2 cores shared with other work, Node 24.21.0, StrykerJS 10.0.0): 2128 mutants, 348 ignored
// (316 static, 32 in the CLI's I/O-only main), 1780 tested in 3 min 20 s to 6 min 52 s depending on the
// machine's load; score 96.18-96.24 % (1712-1713 detected, 67-68 surviving, all listed below). The static
// pass (mutation/capacity-static.config.mjs) adds ~1.5 min. See docs/testing.md.
import { areaConfig } from "./base.mjs";

export default areaConfig({
  area: "capacity",
  mutate: ["capacity/**/*.ts"],
  tests: ["tests/capacity/**/*.test.ts"],
  // Raise `break` as the tests improve; it sits a little under the measured score so one new equivalent
  // mutant does not fail the run, while a removed test or an untested branch does.
  thresholds: { high: 95, low: 85, break: 94 },
});

/**
 * Surviving mutants, grouped by the reason no test can (or should) kill them. kind "equivalent" (the
 * default): no test could tell the mutant from the original. kind "accepted": a test could, at a cost
 * out of proportion (named in the reason). mutation/run.mjs matches each [mutator, original text,
 * replacement] against the report (not by line, so edits elsewhere do not break the list), prints the
 * survivors that are not listed here and the listed ones that no longer survive.
 * @type {{ file: string; kind?: "equivalent" | "accepted"; reason: string; mutants: [string, string, string][] }[]}
 */
export const equivalentMutants = [
  {
    file: "capacity/estimate.ts",
    reason: 'Number.isFinite() is false for every non-number (it does not coerce), so the next test refuses what `typeof value !== "number"` would.',
    mutants: [["ConditionalExpression", 'typeof value !== "number"', "false"]],
  },
  {
    file: "capacity/estimate.ts",
    reason: "With 0 LoRA slots (validation refuses fewer) the formula multiplies by 0 and returns 0 as the early return does.",
    mutants: [
      ["ConditionalExpression", "loras <= 0", "false"],
      ["EqualityOperator", "loras <= 0", "loras < 0"],
    ],
  },
  {
    file: "capacity/estimate.ts",
    reason: "Without a product label lookupGpu(undefined) throws inside the try and the catch returns undefined, as the early return does.",
    mutants: [["ConditionalExpression", "!input.gpu.product", "false"]],
  },
  {
    file: "capacity/estimate.ts",
    reason: 'An empty KV dtype is not "fp8", so every backend check treats it as the 16-bit cache "auto" means.',
    mutants: [["StringLiteral", '"auto"', '""']],
  },
  {
    file: "capacity/estimate.ts",
    reason: "An empty catch block falls off the end of the function and returns undefined, as `return undefined` does.",
    mutants: [["BlockStatement", "{\n    return undefined;\n  }", "{}"]],
  },
  {
    file: "capacity/estimate.ts",
    reason: "Without a product label lookupGpu(undefined) throws inside the try and the catch returns false, as the else branch does.",
    mutants: [["ConditionalExpression", "input.gpu.product", "true"]],
  },
  {
    file: "capacity/estimate.ts",
    reason: "An empty catch block returns undefined, which the caller (`!isCalibratedGpu(...)`) reads as false.",
    mutants: [["BlockStatement", "{\n      return false;\n    }", "{}"]],
  },
  {
    file: "capacity/estimate.ts",
    reason: "With kvBytes = 0, floor(0 / block) × block is 0, the value of the else branch.",
    mutants: [["EqualityOperator", "kvBytes > 0", "kvBytes >= 0"]],
  },
  {
    file: "capacity/gpus.ts",
    reason:
      "The catalog lists the variants sharing a label (RTX 3080 10 GB, 12 GB) smallest first already, so the sort changes nothing on this data (it guards future entries).",
    mutants: [
      ["ArithmeticOperator", "a.usableMemoryGiB - b.usableMemoryGiB", "a.usableMemoryGiB + b.usableMemoryGiB"],
      [
        "MethodExpression",
        "SPECS.filter((s) => normalize(s.product) === key).sort((a, b) => a.usableMemoryGiB - b.usableMemoryGiB)",
        "SPECS.filter(s => normalize(s.product) === key)",
      ],
    ],
  },
  {
    file: "capacity/gpus.ts",
    reason:
      "The early return is a shortcut: without memoryMiB the sort compares NaN distances (order kept, smallest first) and a single variant sorts to itself, so variants[0] is returned either way.",
    mutants: [
      ["LogicalOperator", "memoryMiB === undefined || variants.length === 1", "memoryMiB === undefined && variants.length === 1"],
      ["ConditionalExpression", "memoryMiB === undefined || variants.length === 1", "false"],
      ["ConditionalExpression", "variants.length === 1", "false"],
      ["ConditionalExpression", "memoryMiB === undefined", "false"],
    ],
  },
  {
    file: "capacity/kernels.ts",
    reason: "The activation dtypes of a kernel that cannot run are never read: planKernels checks them only when weights.problem is undefined.",
    mutants: [
      ["ArrayDeclaration", "[]", '["Stryker was here"]'],
      ["ArrayDeclaration", "[]", '["Stryker was here"]'],
      ["ArrayDeclaration", "[]", '["Stryker was here"]'],
      ["ArrayDeclaration", "[]", '["Stryker was here"]'],
    ],
  },
  {
    file: "capacity/kernels.ts",
    reason:
      "flashInferCould is read only when kvCacheDtype is fp8 and no backend was selected; then FlashInfer being allowed and able to run is impossible (it would have been selected), so the first two conjuncts never decide.",
    mutants: [
      ["ConditionalExpression", 'kvCacheDtype === "fp8" &&\n        !allowed.includes(AttentionBackend.FlashInfer)', "true"],
      [
        "LogicalOperator",
        'kvCacheDtype === "fp8" &&\n        !allowed.includes(AttentionBackend.FlashInfer)',
        'kvCacheDtype === "fp8" || !allowed.includes(AttentionBackend.FlashInfer)',
      ],
      ["ConditionalExpression", 'kvCacheDtype === "fp8"', "true"],
    ],
  },
  {
    file: "capacity/kernels.ts",
    reason: "cap < 89 already excludes compute capability 9.x, so `c.major !== 9` never decides.",
    mutants: [["ConditionalExpression", "c.major !== 9", "true"]],
  },
  {
    file: "capacity/kernels.ts",
    reason:
      "Below 8.9 outside Hopper only FlashInfer keeps an fp8 KV cache (FlashAttention needs FA3 on 9.x, Triton needs 8.9), so the selected backend is always FlashInfer there.",
    mutants: [["ConditionalExpression", "choice.backend === AttentionBackend.FlashInfer", "true"]],
  },
  {
    file: "capacity/layouts.ts",
    reason: "When the KV heads equal the TP size both branches compute 0 (kv % tp and tp % kv), so > and >= agree.",
    mutants: [["EqualityOperator", "kv >= tp", "kv > tp"]],
  },
  {
    file: "capacity/layouts.ts",
    reason: "Cache of the variants per server and card: without it the same variants are computed again (time only).",
    mutants: [
      ["ConditionalExpression", "cached", "false"],
      ["CallExpression", "this.variantCache.set(key, out);", ";"],
    ],
  },
  {
    file: "capacity/layouts.ts",
    reason:
      "Cache of the minimum utilizations: without it the same value is computed again (time only; on a busy machine the slower search may also end as a timeout, which counts as killed).",
    mutants: [
      ["ConditionalExpression", "this.minUtilCache.has(key)", "false"],
      ["CallExpression", "this.minUtilCache.set(key, result);", ";"],
    ],
  },
  {
    file: "capacity/layouts.ts",
    reason: "A pooling model has no KV cache, so its guaranteed KV tokens are 0, the value of the else branch.",
    mutants: [["ConditionalExpression", 'main.task === "generate"', "true"]],
  },
  {
    file: "capacity/layouts.ts",
    reason: "Differs from `<` only when two footprints differ by exactly 1e-9 GiB (a float coincidence no catalog case reaches).",
    mutants: [["EqualityOperator", "footprint < best.footprint - 1e-9", "footprint <= best.footprint - 1e-9"]],
  },
  {
    file: "capacity/layouts.ts",
    reason:
      "Redundant with the per-card check after the loop (line `cardSets.some(...)`): a pooling server that overfills its card is dropped there too; tests/capacity/layoutSearch.test.ts pins the exact-fit boundary (`>` vs `>=`) of both.",
    mutants: [
      [
        "MethodExpression",
        "p.cards.some((card) => onCard(card, p).reduce((x, y) => x + y, 0) + p.estimate.deviceFootprintGiBPessimistic > card.memoryGiB)",
        "p.cards.every(card => onCard(card, p).reduce((x, y) => x + y, 0) + p.estimate.deviceFootprintGiBPessimistic > card.memoryGiB)",
      ],
      [
        "ConditionalExpression",
        "p.cards.some((card) => onCard(card, p).reduce((x, y) => x + y, 0) + p.estimate.deviceFootprintGiBPessimistic > card.memoryGiB)",
        "false",
      ],
      ["ArrowFunction", "(card) => onCard(card, p).reduce((x, y) => x + y, 0) + p.estimate.deviceFootprintGiBPessimistic > card.memoryGiB", "() => undefined"],
      ["ConditionalExpression", "onCard(card, p).reduce((x, y) => x + y, 0) + p.estimate.deviceFootprintGiBPessimistic > card.memoryGiB", "false"],
      [
        "ArithmeticOperator",
        "onCard(card, p).reduce((x, y) => x + y, 0) + p.estimate.deviceFootprintGiBPessimistic",
        "onCard(card, p).reduce((x, y) => x + y, 0) - p.estimate.deviceFootprintGiBPessimistic",
      ],
      ["ArrowFunction", "(x, y) => x + y", "() => undefined"],
      ["BooleanLiteral", "false", "true"],
      ["ArithmeticOperator", "x + y", "x - y"],
    ],
  },
  {
    file: "capacity/layouts.ts",
    reason:
      "Redundant with the per-card check after the loop: a generative server that cannot reach its minimum beside its neighbours overfills the card at its minimum, and that check drops the layout.",
    mutants: [["BooleanLiteral", "false", "true"]],
  },
  {
    file: "capacity/layouts.ts",
    reason: "Redundant with the per-card check after the loop: every infeasible placement found in the loop overfills a card there.",
    mutants: [["ConditionalExpression", "!feasible", "false"]],
  },
  {
    file: "capacity/layouts.ts",
    reason:
      "Redundant with the checks in the loop (maxGpuMemoryUtilization per generative server, the pooling check): every overfilled card is found there first; the exact-fit boundary (`>` vs `>=`) is tested.",
    mutants: [
      [
        "ConditionalExpression",
        "cardSets.some(({ card, servers }) => servers.reduce((s, p) => s + p.estimate.deviceFootprintGiBPessimistic, 0) > card.memoryGiB)",
        "false",
      ],
      [
        "MethodExpression",
        "cardSets.some(({ card, servers }) => servers.reduce((s, p) => s + p.estimate.deviceFootprintGiBPessimistic, 0) > card.memoryGiB)",
        "cardSets.every(({\n  card,\n  servers\n}) => servers.reduce((s, p) => s + p.estimate.deviceFootprintGiBPessimistic, 0) > card.memoryGiB)",
      ],
      ["ArrowFunction", "({ card, servers }) => servers.reduce((s, p) => s + p.estimate.deviceFootprintGiBPessimistic, 0) > card.memoryGiB", "() => undefined"],
      ["ConditionalExpression", "servers.reduce((s, p) => s + p.estimate.deviceFootprintGiBPessimistic, 0) > card.memoryGiB", "false"],
      ["ArrowFunction", "(s, p) => s + p.estimate.deviceFootprintGiBPessimistic", "() => undefined"],
      ["ArithmeticOperator", "s + p.estimate.deviceFootprintGiBPessimistic", "s - p.estimate.deviceFootprintGiBPessimistic"],
    ],
  },
  {
    file: "capacity/layouts.ts",
    reason:
      "Redundant with cardGroups, which builds tensor-parallel groups within one node only: a TP size above a node's card count gets no group either way.",
    mutants: [
      ["ConditionalExpression", "c.node === n", "true"],
      ["MethodExpression", "cards.filter((c) => c.node === n)", "cards"],
      ["ConditionalExpression", "tp <= maxPerNode", "true"],
    ],
  },
  {
    file: "capacity/layouts.ts",
    kind: "accepted",
    reason:
      "The cap of 20,000 enumerated assignments: reaching it takes a search of minutes (thousands of cards × servers); not worth a test run, kept as a guard.",
    mutants: [
      ["EqualityOperator", "out.length >= limit", "out.length > limit"],
      ["ConditionalExpression", "out.length >= limit", "false"],
    ],
  },
  {
    file: "capacity/layouts.ts",
    reason: "Card ids are `<node>/gpu<i>` and Kubernetes node names cannot contain '/', so the joined keys stay distinct without separators.",
    mutants: [
      ["StringLiteral", '"+"', '""'],
      ["StringLiteral", '"|"', '""'],
    ],
  },
  {
    file: "capacity/layouts.ts",
    reason:
      "The main server's parallel requests follow from its guaranteed tokens (generative) or equal maxNumSeqs (pooling), which already tie when this key is reached.",
    mutants: [["MethodExpression", "l.servers.slice(1)", "l.servers"]],
  },
  {
    file: "capacity/layouts.ts",
    reason:
      "V8's Array.prototype.sort (TimSort) only tests `comparator(a, b) < 0`, so returning 0 or 1 for 'not before' is the same answer; equal summaries mean equal configs, deduplicated next.",
    mutants: [
      ["EqualityOperator", "a.summary < b.summary", "a.summary <= b.summary"],
      ["ConditionalExpression", "a.summary > b.summary", "true"],
      ["ConditionalExpression", "a.summary > b.summary", "false"],
      ["EqualityOperator", "a.summary > b.summary", "a.summary >= b.summary"],
      ["EqualityOperator", "a.summary > b.summary", "a.summary <= b.summary"],
    ],
  },
  {
    file: "capacity/layouts.ts",
    reason: "No two layouts of one search share a config (modes, replicas, builds, KV dtypes and placements differ), so the first-wins guard never decides.",
    mutants: [["ConditionalExpression", "!unique.has(key)", "true"]],
  },
  {
    file: "capacity/planning.ts",
    reason: "Only the first guess of the grid search changes: a larger guess is walked down by the loop to the same answer (time only).",
    mutants: [
      ["ArithmeticOperator", "total / STEPS", "total * STEPS"],
      ["ArithmeticOperator", "total - neighbours - fixed", "total - neighbours + fixed"],
      ["ArithmeticOperator", "(total - neighbours - fixed) / total", "(total - neighbours - fixed) * total"],
    ],
  },
  {
    file: "capacity/vllmArgs.ts",
    reason: "Number(undefined) is NaN, which the finiteness check turns into undefined as the early return does.",
    mutants: [["ConditionalExpression", "value === undefined", "false"]],
  },
  {
    file: "capacity/vllmArgs.ts",
    reason: 'An empty value list makes values[0] undefined, which is not "false": present, as the first test says.',
    mutants: [["ConditionalExpression", "values.length === 0", "false"]],
  },
];
