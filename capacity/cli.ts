import { readFileSync } from "node:fs";
import { estimateMemory } from "./estimate";
import type { EstimateInput } from "./types";

const USAGE = "usage: npm run --silent estimate -- FILE.json   (FILE: a JSON array of cases: model, dtype, quantization, gpu, vllm)";
const round = (x: number) => Math.round(x * 1000) / 1000;
/** Guaranteed ends round down and footprints up, so rounding never makes a promise the run cannot keep. */
const floor3 = (x: number) => Math.floor(x * 1000) / 1000;
const ceil3 = (x: number) => Math.ceil(x * 1000) / 1000;

/**
 * One output object per case, in order; a case that cannot be estimated gets {id, error}. Besides the
 * expected figures each case carries the pessimistic end of the error band: `kvCacheGiBGuaranteed` and
 * `kvCacheTokensGuaranteed`, which a real run does not fall below.
 */
export function estimateCases(cases: unknown[]): Record<string, unknown>[] {
  return cases.map((raw, index) => {
    const input = raw as EstimateInput;
    const id = typeof input?.id === "string" ? input.id : `case-${index}`;
    try {
      const e = estimateMemory(input);
      return {
        id,
        weightsGiB: round(e.weightsGiB),
        activationGiB: round(e.activationGiB),
        nonTorchGiB: round(e.nonTorchGiB),
        kvCacheGiB: round(e.kvCacheGiB),
        kvCacheTokens: e.kvCacheTokens,
        maxConcurrency: round(e.maxConcurrency),
        cudaGraphGiB: round(e.cudaGraphGiB),
        deviceFootprintGiB: ceil3(e.deviceFootprintGiB),
        kvCacheGiBGuaranteed: floor3(e.kvCacheGiBGuaranteed),
        kvCacheTokensGuaranteed: e.kvCacheTokensGuaranteed,
      };
    } catch (error) {
      return { id, error: error instanceof Error ? error.message : String(error) };
    }
  });
}

function main(argv: string[]): number {
  const file = argv[0];
  if (!file || argv.length > 1 || file.startsWith("-")) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  let cases: unknown;
  try {
    cases = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    process.stderr.write(`estimate: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 2;
  }
  if (!Array.isArray(cases)) {
    process.stderr.write(`estimate: ${file} must hold a JSON array of cases\n${USAGE}\n`);
    return 2;
  }
  process.stdout.write(`${JSON.stringify(estimateCases(cases), null, 1)}\n`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
