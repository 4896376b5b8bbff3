import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CALIBRATED_CONSTANTS, estimateMemory, type EstimateInput, type MemoryEstimate } from "../capacity";

/**
 * Predicted vs actual on real vLLM runs (capacity/data, or a file given as argument), with the error
 * band next to the errors, and a check that the pessimistic ends hold: guaranteed KV never above the
 * real run, pessimistic footprint never below it. The offsets fitted to these runs (profile base,
 * non-torch memory) are also re-fitted leave-one-out, so each run is judged by constants it did not
 * shape. Exits 1 when a guaranteed end is broken.
 */
const FIELDS = ["weightsGiB", "activationGiB", "nonTorchGiB", "kvCacheGiB", "kvCacheTokens", "maxConcurrency", "cudaGraphGiB"] as const;
type Actual = Record<(typeof FIELDS)[number], number> & { initContextGiB: number };
type Case = EstimateInput & { id: string; actual: Actual };

const file = process.argv[2] ?? join(__dirname, "..", "capacity", "data", "vllm-memory-calibration.json");
const cases = JSON.parse(readFileSync(file, "utf8")) as Case[];
const estimates: MemoryEstimate[] = cases.map((c) => estimateMemory(c));
const errors: Record<string, number[]> = Object.fromEntries(FIELDS.map((f) => [f, []]));
const pct = (p: number, a: number) => ((p - a) / a) * 100;
const f3 = (x: number) => x.toFixed(3);

/** Leave-one-out re-fit of the offsets: what the run would have been predicted with constants fitted on the others. */
const parallel = (c: Case) => c.vllm.tensorParallelSize > 1;
const fittedBase = cases.map((c, i) => c.actual.activationGiB - (estimates[i]!.activationGiB - CALIBRATED_CONSTANTS.profileBaseGiB));
function heldOutKvGiB(k: number): { kv: number; note: string } {
  const others = cases.map((_, i) => i).filter((i) => i !== k);
  const base = others.reduce((s, i) => s + fittedBase[i]!, 0) / others.length;
  const sameTp = others.filter((i) => parallel(cases[i]!) === parallel(cases[k]!));
  const modelled = parallel(cases[k]!) ? CALIBRATED_CONSTANTS.nonTorchGiB.tensorParallel : CALIBRATED_CONSTANTS.nonTorchGiB.single;
  const nonTorch = sameTp.length > 0 ? Math.max(...sameTp.map((i) => cases[i]!.actual.nonTorchGiB)) : modelled;
  const e = estimates[k]!;
  const kv = e.kvCacheGiB - (base - CALIBRATED_CONSTANTS.profileBaseGiB) - (nonTorch - e.nonTorchGiB);
  return { kv, note: sameTp.length > 0 ? "" : " (no other run at this TP: non-torch kept)" };
}

let broken = 0;
let heldOutBroken = 0;
const brokenRuns = new Set<number>();
cases.forEach((c, k) => {
  const e = estimates[k]!;
  console.log(c.id);
  for (const field of FIELDS) {
    const actual = c.actual[field];
    const predicted = e[field];
    errors[field]!.push(Math.abs(pct(predicted, actual)));
    console.log(
      `  ${field.padEnd(15)} predicted ${predicted.toFixed(3).padStart(12)}  actual ${String(actual).padStart(10)}  error ${pct(predicted, actual).toFixed(2).padStart(7)}%`,
    );
  }
  const band = e.errorBand;
  console.log(
    `  error band      non-KV +${f3(band.nonKvGiB)} GiB, footprint +${f3(band.footprintGiB)} GiB: ${band.terms.map((t) => `${t.name} ${f3(t.GiB)}`).join(", ")}`,
  );
  const kvOk = e.kvCacheGiBGuaranteed <= c.actual.kvCacheGiB && e.kvCacheTokensGuaranteed <= c.actual.kvCacheTokens;
  if (!kvOk) brokenRuns.add(k);
  console.log(
    `  guaranteed KV   ${f3(e.kvCacheGiBGuaranteed).padStart(12)} GiB ${String(e.kvCacheTokensGuaranteed).padStart(9)} tokens  actual ${c.actual.kvCacheGiB} GiB ${c.actual.kvCacheTokens} tokens  ${kvOk ? "holds" : "BROKEN"}` +
      `  (${((1 - e.kvCacheGiBGuaranteed / c.actual.kvCacheGiB) * 100).toFixed(2)}% below the run)`,
  );
  const held = heldOutKvGiB(k);
  const heldGuaranteed = held.kv - band.nonKvGiB;
  const heldOk = heldGuaranteed <= c.actual.kvCacheGiB;
  if (!heldOk) heldOutBroken++;
  console.log(
    `  held-out KV     ${f3(held.kv).padStart(12)} GiB (error ${pct(held.kv, c.actual.kvCacheGiB).toFixed(2)}%), guaranteed ${f3(heldGuaranteed)} GiB ${heldOk ? "holds" : "BROKEN"}${held.note}`,
  );
  const actualFootprint = c.actual.initContextGiB + c.vllm.gpuMemoryUtilization * c.gpu.totalMemoryGiB + c.actual.cudaGraphGiB;
  const fpOk = e.deviceFootprintGiB >= actualFootprint && e.deviceFootprintGiBPessimistic >= actualFootprint;
  if (!fpOk) brokenRuns.add(k);
  console.log(
    `  footprint       predicted ${f3(e.deviceFootprintGiB)} pessimistic ${f3(e.deviceFootprintGiBPessimistic)}  actual ${actualFootprint.toFixed(2)}  ${fpOk ? "holds" : "BROKEN"}`,
  );
});

console.log(`\nmean absolute error over ${cases.length} runs:`);
for (const field of FIELDS) {
  const list = errors[field]!;
  console.log(`  ${field.padEnd(15)} ${(list.reduce((a, b) => a + b, 0) / list.length).toFixed(2)}%  (max ${Math.max(...list).toFixed(2)}%)`);
}
const bands = estimates.map((e) => e.errorBand.nonKvGiB);
console.log(`  error band      non-KV ${f3(Math.min(...bands))}–${f3(Math.max(...bands))} GiB (KV shrinks by it at the pessimistic end)`);
broken = brokenRuns.size;
console.log(
  `  guaranteed ends hold on ${cases.length - broken} of ${cases.length} runs; with leave-one-out offsets on ${cases.length - heldOutBroken} of ${cases.length}`,
);
if (broken > 0 || heldOutBroken > 0) process.exitCode = 1;
