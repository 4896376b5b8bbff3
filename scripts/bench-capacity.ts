import { readFileSync } from "node:fs";
import { join } from "node:path";
import { estimateMemory, type EstimateInput, type MemoryEstimate } from "../capacity";

/** Predicted vs actual on the real vLLM runs in capacity/data, and the mean absolute errors we report. */
const FIELDS = ["weightsGiB", "activationGiB", "nonTorchGiB", "kvCacheGiB", "kvCacheTokens", "maxConcurrency", "cudaGraphGiB"] as const;
type Actual = Record<(typeof FIELDS)[number], number> & { initContextGiB: number };

const file = process.argv[2] ?? join(__dirname, "..", "capacity", "data", "vllm-memory-calibration.json");
const cases = JSON.parse(readFileSync(file, "utf8")) as (EstimateInput & { id: string; actual: Actual })[];
const errors: Record<string, number[]> = Object.fromEntries(FIELDS.map((f) => [f, []]));
let underestimates = 0;

for (const c of cases) {
  const e: MemoryEstimate = estimateMemory(c);
  console.log(c.id);
  for (const field of FIELDS) {
    const actual = c.actual[field];
    const predicted = e[field];
    const pct = ((predicted - actual) / actual) * 100;
    errors[field]!.push(Math.abs(pct));
    console.log(`  ${field.padEnd(15)} predicted ${predicted.toFixed(3).padStart(12)}  actual ${String(actual).padStart(10)}  error ${pct.toFixed(2).padStart(7)}%`);
  }
  const actualFootprint = c.actual.initContextGiB + c.vllm.gpuMemoryUtilization * c.gpu.totalMemoryGiB + c.actual.cudaGraphGiB;
  if (e.deviceFootprintGiB < actualFootprint) underestimates++;
  console.log(`  ${"footprint".padEnd(15)} predicted ${e.deviceFootprintGiB.toFixed(3).padStart(12)}  actual ${actualFootprint.toFixed(2).padStart(10)}`);
}

console.log(`\nmean absolute error over ${cases.length} runs:`);
for (const field of FIELDS) {
  const list = errors[field]!;
  console.log(`  ${field.padEnd(15)} ${(list.reduce((a, b) => a + b, 0) / list.length).toFixed(2)}%  (max ${Math.max(...list).toFixed(2)}%)`);
}
console.log(`  footprint underestimated on ${underestimates} of ${cases.length} runs`);
