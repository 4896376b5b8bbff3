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
export async function resolveApiKey(options: { apiKey?: string; client?: string; stack: string; cwd: string; run: PulumiRunner }): Promise<ApiKey> {
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
    if (!found)
      throw new SmokeUsageError(`--client ${options.client}: no such key in clientKeys of ${options.stack} (have: ${entries.map(([n]) => n).join(", ")})`);
    return { key: found[1], client: found[0], source: `clientKeys.${found[0]}` };
  }
  const [client, key] = entries[0]!;
  return { key, client, source: `clientKeys.${client}` };
}

export interface QdrantToken {
  token?: string;
  /** The Qdrant client the token belongs to, when it came from the stack outputs. */
  client?: string;
  source?: string;
  /** Why there is none (the vector search is then skipped). */
  why?: string;
}

/**
 * A Qdrant client token (a JWT scoped to the collection, QdrantStore's per-client tokens): `--qdrant-token`
 * (or SMOKE_QDRANT_TOKEN), else the stack output `qdrantClientTokens` (client → token): the token of
 * `client` (the gateway client in use) when it has one, else the first read-only client's (searching
 * needs no more), else the first. Undefined, with the reason, when there is none.
 */
export async function resolveQdrantToken(options: {
  qdrantToken?: string;
  client?: string;
  /** Qdrant client → access (`r`, `rw`), from the stack config. */
  access: Record<string, string>;
  stack: string;
  cwd: string;
  run: PulumiRunner;
}): Promise<QdrantToken> {
  if (options.qdrantToken) return { token: options.qdrantToken, source: "--qdrant-token" };
  let tokens: unknown;
  try {
    tokens = await stackOutput(options.run, "qdrantClientTokens", options.stack, options.cwd);
  } catch (error) {
    return {
      why:
        error instanceof PulumiMissing
          ? "no --qdrant-token and the pulumi CLI is not on PATH"
          : `no --qdrant-token and pulumi stack output qdrantClientTokens failed: ${(error as Error).message}`,
    };
  }
  const entries =
    tokens && typeof tokens === "object" && !Array.isArray(tokens)
      ? Object.entries(tokens as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === "string" && e[1].length > 0)
      : [];
  if (entries.length === 0) return { why: `the stack output qdrantClientTokens of ${options.stack} holds no token (add qdrant.clients)` };
  const chosen = entries.find(([name]) => name === options.client) ?? entries.find(([name]) => options.access[name] === "r") ?? entries[0]!;
  return { token: chosen[1], client: chosen[0], source: `qdrantClientTokens.${chosen[0]}` };
}
