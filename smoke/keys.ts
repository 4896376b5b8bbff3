import { execFile } from "node:child_process";

/** A usage problem the operator must fix before anything is sent (exit 2). */
export class SmokeUsageError extends Error {}

const PULUMI_TIMEOUT_MS = 60_000;

export interface PulumiRunner {
  /** Runs `pulumi <args>` in `cwd`; resolves stdout, rejects with the CLI's stderr (PulumiMissing: no CLI on PATH). */
  (args: string[], cwd: string): Promise<string>;
}

/** Whether `pulumi` is an executable on PATH (as execFile would find it). */
async function onPath(env: NodeJS.ProcessEnv): Promise<boolean> {
  const { access, constants } = await import("node:fs/promises");
  const { delimiter, join } = await import("node:path");
  for (const dir of (env.PATH ?? "").split(delimiter).filter(Boolean)) {
    try {
      await access(join(dir, "pulumi"), constants.X_OK);
      return true;
    } catch {
      // next
    }
  }
  return false;
}

/** The real CLI. stdout may hold secrets: it is parsed, never printed; only stderr reaches messages. */
export function pulumiCli(env: NodeJS.ProcessEnv): PulumiRunner {
  return async (args, cwd) => {
    if (!(await onPath(env))) throw new PulumiMissing();
    return new Promise((resolve, reject) => {
      execFile("pulumi", args, { cwd, env, timeout: PULUMI_TIMEOUT_MS, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
        if (error) reject(new Error(String(stderr).trim().split("\n").slice(-3).join(" ") || error.message));
        else resolve(String(stdout));
      });
    });
  };
}

export class PulumiMissing extends Error {
  constructor() {
    super("the pulumi CLI is not on PATH");
  }
}

async function stackOutput(run: PulumiRunner, name: string, stack: string, cwd: string): Promise<unknown> {
  const stdout = await run(["stack", "output", "--show-secrets", "--json", name, "--stack", stack], cwd);
  try {
    return JSON.parse(stdout);
  } catch {
    throw new Error(`pulumi stack output ${name} did not print JSON`);
  }
}

export interface ApiKey {
  key: string;
  /** The client the key belongs to (its model allowlist applies), when known. */
  client?: string;
  source: string;
}

/**
 * The client key: `--api-key` (or SMOKE_API_KEY), else the stack output `clientKeys` (client name →
 * key) read with the Pulumi CLI; `--client` picks one, default the first. Never printed.
 */
export async function resolveApiKey(options: {
  apiKey?: string;
  client?: string;
  stack: string;
  cwd: string;
  run: PulumiRunner;
}): Promise<ApiKey> {
  if (options.apiKey) return { key: options.apiKey, client: options.client, source: "--api-key" };
  let keys: unknown;
  try {
    keys = await stackOutput(options.run, "clientKeys", options.stack, options.cwd);
  } catch (error) {
    const why = error instanceof PulumiMissing ? error.message : `pulumi stack output clientKeys --stack ${options.stack} failed: ${(error as Error).message}`;
    throw new SmokeUsageError(
      `no API key: pass --api-key <key> (or set SMOKE_API_KEY); ${why}. ` +
        `With the CLI logged in, the keys are the stack output clientKeys (pulumi stack output --show-secrets clientKeys --stack ${options.stack}).`,
    );
  }
  if (!keys || typeof keys !== "object" || Array.isArray(keys)) {
    throw new SmokeUsageError(`the stack output clientKeys of ${options.stack} is not a map of client name → key; pass --api-key`);
  }
  const entries = Object.entries(keys as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === "string" && e[1].length > 0);
  if (entries.length === 0) throw new SmokeUsageError(`the stack output clientKeys of ${options.stack} holds no key (add gateway.clients, or pass --api-key)`);
  if (options.client) {
    const found = entries.find(([name]) => name === options.client);
    if (!found) throw new SmokeUsageError(`--client ${options.client}: no such key in clientKeys of ${options.stack} (have: ${entries.map(([n]) => n).join(", ")})`);
    return { key: found[1], client: found[0], source: `clientKeys.${found[0]}` };
  }
  const [client, key] = entries[0]!;
  return { key, client, source: `clientKeys.${client}` };
}

/** Qdrant's read-only key: `--qdrant-key` (or SMOKE_QDRANT_KEY), else the stack output `qdrantReadOnlyApiKey`; undefined when neither. */
export async function resolveQdrantKey(options: { qdrantKey?: string; stack: string; cwd: string; run: PulumiRunner }): Promise<{ key?: string; why?: string }> {
  if (options.qdrantKey) return { key: options.qdrantKey };
  try {
    const key = await stackOutput(options.run, "qdrantReadOnlyApiKey", options.stack, options.cwd);
    if (typeof key === "string" && key.length > 0) return { key };
    return { why: `the stack output qdrantReadOnlyApiKey of ${options.stack} is empty` };
  } catch (error) {
    return { why: error instanceof PulumiMissing ? "no --qdrant-key and the pulumi CLI is not on PATH" : `no --qdrant-key and pulumi stack output qdrantReadOnlyApiKey failed: ${(error as Error).message}` };
  }
}
