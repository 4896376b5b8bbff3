import { join } from "node:path";
import { ConfigError, fromPulumiConfig, parsePlatformConfig } from "../config/load";
import type { PlatformConfig } from "../config/schema";
import { runPlan } from "../plan/runPlan";
import type { Prerequisite } from "../plan/prerequisites";
import { PlanUsageError, stackFileFor, StackFileError } from "../plan/stackFile";
import { checkClusterIdentity, type IdentityResult } from "./identity";
import { checkPrerequisites, systemResolver, type CheckResult, type ResolveHost } from "./checks";
import { kubeClusterReader, loadKubeConfig, type ClusterReader } from "./cluster";

const USAGE = `usage: npm run doctor -- (--stack <name> | --config <Pulumi.<stack>.yaml>) [--kubeconfig <file>] [--context <name>]

Checks, read-only, that the stack's cluster — the kube context llm-platform:cluster.context names (the one
its Kubernetes provider uses), else kubectl's current one; --context overrides — is the one
llm-platform:cluster.identity names (kube-system UID, API server), and that it has what the stack needs
before \`pulumi up\`: storage classes, node labels, the NVIDIA runtime, Secrets the stack reads but does not
create, a load balancer, DNS for the edge hosts, the API server address.

exit codes: 0 ready, 1 another cluster than the stack's, or something is missing (each named with how to
create it), 2 usage, configuration or connection error`;

export interface DoctorOptions {
  root: string;
  stack?: string;
  config?: string;
  kubeconfig?: string;
  context?: string;
}

export function parseArgs(argv: string[]): DoctorOptions | "help" {
  const options: DoctorOptions = { root: join(__dirname, "..") };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new PlanUsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === "--stack") options.stack = value();
    else if (arg === "--config") options.config = value();
    else if (arg === "--kubeconfig") options.kubeconfig = value();
    else if (arg === "--context") options.context = value();
    else if (arg === "-h" || arg === "--help") return "help";
    else throw new PlanUsageError(`unknown argument "${arg}"`);
  }
  if (!options.stack && !options.config) throw new PlanUsageError("give --stack <name> or --config <file>");
  return options;
}

const MARK = { ok: "✓", missing: "✗", pending: "…", unverified: "?", mismatch: "✗" } as const;

function describe(p: Prerequisite): string {
  return `${p.kind} ${p.namespace ? `${p.namespace}/` : ""}${p.name}${p.kind === "Secret" && p.keys.length ? ` (keys ${p.keys.join(", ")})` : ""}`;
}

/** The doctor's report: one line per prerequisite, how to create what is missing, a verdict. */
export function formatDoctorReport(
  stack: string,
  cluster: { context: string; server: string; version: string },
  results: CheckResult[],
  identity?: IdentityResult,
): string {
  const lines = [`doctor: stack ${stack} against context ${cluster.context} (${cluster.server}, Kubernetes ${cluster.version})`];
  if (identity)
    lines.push(
      `  ${MARK[identity.status]} cluster identity: ${identity.status === "ok" ? identity.detail : `${identity.status.toUpperCase()} — ${identity.detail}`}`,
    );
  for (const r of results) {
    lines.push(`  ${MARK[r.status]} ${describe(r.prerequisite)}: ${r.status === "ok" ? r.detail : `${r.status.toUpperCase()} — ${r.detail}`}`);
    if (r.status === "missing") lines.push(`      why: ${r.prerequisite.why}`, `      fix: ${r.prerequisite.howToCreate}`);
  }
  const count = (status: CheckResult["status"]) => results.filter((r) => r.status === status).length;
  const missing = count("missing");
  const rest = [
    count("pending") ? `${count("pending")} created during \`pulumi up\`` : "",
    count("unverified") ? `${count("unverified")} not checkable through the API (see above)` : "",
  ].filter(Boolean);
  lines.push(
    missing
      ? `result: NOT READY — ${missing} missing; create ${missing === 1 ? "it" : "them"} and run the doctor again`
      : `result: ready — ${count("ok")} present${rest.length ? `, ${rest.join(", ")}` : ""}`,
  );
  return `${lines.join("\n")}\n`;
}

/** Checks prerequisites against a cluster: the report and the exit code (0 ready, 1 something missing). */
export async function doctor(
  stack: string,
  list: Prerequisite[],
  cluster: ClusterReader,
  version: string,
  resolveHost: ResolveHost = systemResolver,
  identity?: IdentityResult,
): Promise<{ exitCode: 0 | 1; output: string }> {
  const results = await checkPrerequisites(list, cluster, resolveHost);
  const output = formatDoctorReport(stack, { context: cluster.context, server: cluster.server, version }, results, identity);
  return { exitCode: results.some((r) => r.status === "missing") ? 1 : 0, output };
}

/** The stack's configuration, read before connecting: its cluster section says which context to use. */
function stackConfig(options: DoctorOptions): { stack: string; config?: PlatformConfig; errors: { path: string; message: string }[] } {
  try {
    const file = stackFileFor(options.root, options);
    return { stack: file.stack, config: parsePlatformConfig(fromPulumiConfig(file.config)), errors: [] };
  } catch (error) {
    if (error instanceof ConfigError) return { stack: options.stack ?? "custom", errors: error.issues };
    if (error instanceof StackFileError)
      return { stack: options.stack ?? "custom", errors: [{ path: options.config ?? options.stack ?? "", message: error.message }] };
    throw error;
  }
}

/**
 * Reads the stack's config, connects through the stack's context (a wrong or missing context fails
 * fast), checks that it reaches the stack's cluster (another cluster: exit 1 before anything else),
 * then plans the stack offline for its prerequisites and checks each.
 */
export async function runDoctor(
  options: DoctorOptions,
  deps: { cluster?: ClusterReader; resolveHost?: ResolveHost } = {},
): Promise<{ exitCode: 0 | 1 | 2; output: string }> {
  const configuration = stackConfig(options);
  const configErrors = (stack: string, errors: { path: string; message: string }[]) => ({
    exitCode: 2 as const,
    output: `doctor: stack ${stack} has configuration errors — nothing was checked\n${errors.map((e) => `  - ${e.path}: ${e.message}`).join("\n")}\n`,
  });
  if (!configuration.config) return configErrors(configuration.stack, configuration.errors);
  const context = options.context ?? configuration.config.cluster.context;
  let cluster: ClusterReader;
  let version: string;
  try {
    cluster = deps.cluster ?? kubeClusterReader(loadKubeConfig(options.kubeconfig, context));
    version = await cluster.version();
  } catch (error) {
    const where = deps.cluster
      ? `${deps.cluster.context} (${deps.cluster.server})`
      : context
        ? `context ${context}${options.context ? "" : " (llm-platform:cluster.context)"}`
        : "the current kube context";
    return {
      exitCode: 2,
      output: `doctor: cannot reach the API server of ${where}: ${(error as Error).message}. Check \`kubectl config get-contexts\` and \`kubectl --context <context> version\`.\n`,
    };
  }
  const identity = await checkClusterIdentity(configuration.config.cluster, cluster);
  if (identity.status === "mismatch") {
    return {
      exitCode: 1,
      output: `${formatDoctorReport(configuration.stack, { context: cluster.context, server: cluster.server, version }, [], identity).split("\n").slice(0, 2).join("\n")}\nresult: WRONG CLUSTER — not this stack's\n`,
    };
  }
  const plan = await runPlan({ root: options.root, stack: options.stack, config: options.config, write: false, validate: false });
  if (plan.exitCode === 2) return configErrors(plan.stack, plan.configErrors);
  return doctor(plan.stack, plan.prerequisites ?? [], cluster, version, deps.resolveHost, identity);
}

async function main(argv: string[]): Promise<number> {
  let options;
  try {
    options = parseArgs(argv);
  } catch (error) {
    process.stderr.write(`doctor: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    const { exitCode, output } = await runDoctor(options);
    (exitCode === 2 ? process.stderr : process.stdout).write(output);
    return exitCode;
  } catch (error) {
    process.stderr.write(`doctor: ${error instanceof Error ? error.message : String(error)}\n${error instanceof PlanUsageError ? `\n${USAGE}\n` : ""}`);
    return 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.stdout.write("", () => process.exit(code)));
}
