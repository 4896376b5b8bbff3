import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { formatReport } from "./report";
import { planJson, runPlan, type PlanOptions } from "./runPlan";
import { PlanUsageError, stackFileFor } from "./stackFile";
import { formatSuggestions, suggestLayouts } from "./suggest";
import { ConfigError, fromPulumiConfig } from "../config/load";

const USAGE = `usage: npm run plan -- (--stack <name> | --config <Pulumi.<stack>.yaml>) [options]

  --stack <name>          plan Pulumi.<name>.yaml of this project
  --config <file>         plan any stack file (e.g. examples/Pulumi.seed-literal.yaml)
  --out <dir>             where to write manifests/, plan.json, gpu-plan.svg (default out/<stack>)
  --policy-config <file>  host inventory for the policies (default: the stack's own host config)
  --json                  print the plan as JSON instead of the report
                          (use \`npm run -s plan -- --json\`: without -s npm prints its banner first)
  --json-file <file>      also write the JSON document to <file> (the report still goes to stdout)
  --base <file|git-ref>   preview the change from a base config: a stack file, or a git ref whose
                          Pulumi.<stack>.yaml is read (config only: both run this working tree's program)
  --load-bandwidth <MiB/s> model cache read bandwidth for GPU load-time estimates (default 250)
  --no-write              do not write files
  --no-validate           skip schema validation of rendered objects
  --suggest               rank GPU layouts for the stack's servers on its host (sharing mode, placement,
                          tensor parallelism, builds, KV dtype, utilization), each verified with the
                          program's planner and the policy pack; with --json: {"layouts": [...]}
  --limit <n>             layouts --suggest prints (default 5)
  -h, --help              this help

exit codes: 0 fits, 1 a mandatory policy violation or a refused change (--base), 2 a configuration error`;

export interface CliOptions extends PlanOptions {
  json: boolean;
  jsonFile?: string;
  suggest?: boolean;
  limit?: number;
}

export function parseArgs(argv: string[]): CliOptions | "help" {
  const options: CliOptions = { root: join(__dirname, ".."), json: false };
  const value = (i: number, flag: string) => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) throw new PlanUsageError(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    switch (arg) {
      case "--stack":
        options.stack = value(i++, arg);
        break;
      case "--config":
        options.config = value(i++, arg);
        break;
      case "--out":
        options.out = value(i++, arg);
        break;
      case "--policy-config":
        options.policyConfig = value(i++, arg);
        break;
      case "--json":
        options.json = true;
        break;
      case "--json-file":
        options.jsonFile = value(i++, arg);
        break;
      case "--base":
        options.base = value(i++, arg);
        break;
      case "--load-bandwidth": {
        const mibps = Number(value(i++, arg));
        if (!(mibps > 0)) throw new PlanUsageError(`--load-bandwidth needs a positive number of MiB/s, not "${argv[i]}"`);
        options.loadBandwidthMiBps = mibps;
        break;
      }
      case "--no-write":
        options.write = false;
        break;
      case "--no-validate":
        options.validate = false;
        break;
      case "--suggest":
        options.suggest = true;
        break;
      case "--limit": {
        const n = Number(value(i++, arg));
        if (!Number.isInteger(n) || n < 1) throw new PlanUsageError("--limit needs a whole number ≥ 1");
        options.limit = n;
        break;
      }
      case "-h":
      case "--help":
        return "help";
      default:
        throw new PlanUsageError(`unknown argument "${arg}"`);
    }
  }
  if (!options.stack && !options.config) throw new PlanUsageError("give --stack <name> or --config <file>");
  return options;
}

async function main(argv: string[]): Promise<number> {
  let options;
  try {
    options = parseArgs(argv);
  } catch (error) {
    process.stderr.write(`plan: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const started = Date.now();
  if (options.suggest) {
    try {
      const file = stackFileFor(options.root, options);
      const result = await suggestLayouts(file.stack, fromPulumiConfig(file.config), { limit: options.limit });
      process.stdout.write(
        options.json
          ? `${JSON.stringify({ stack: result.stack, main: result.main, evaluated: result.evaluated, rejected: result.rejected, layouts: result.layouts }, null, 2)}\n`
          : formatSuggestions(result),
      );
      return result.layouts.some((l) => l.verified) ? 0 : 1;
    } catch (error) {
      if (error instanceof ConfigError) {
        process.stderr.write(`plan: configuration error\n${error.issues.map((i) => `  - ${i.path}: ${i.message}`).join("\n")}\n`);
        return 2;
      }
      process.stderr.write(`plan: ${error instanceof Error ? error.message : String(error)}\n`);
      return 2;
    }
  }
  try {
    const result = await runPlan({ ...options, progress: options.json ? undefined : (m) => process.stderr.write(`… ${m}\n`) });
    const json = `${JSON.stringify(planJson(result), null, 2)}\n`;
    if (options.jsonFile) writeFileSync(options.jsonFile, json);
    process.stdout.write(options.json ? json : formatReport(result, result.outDir));
    if (!options.json) process.stderr.write(`planned in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return result.exitCode;
  } catch (error) {
    if (error instanceof PlanUsageError) {
      process.stderr.write(`plan: ${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    process.stderr.write(`plan: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
}

if (require.main === module) {
  // Exit only once stdout has drained: a large --json document piped to another process is written asynchronously.
  main(process.argv.slice(2)).then((code) => process.stdout.write("", () => process.exit(code)));
}
