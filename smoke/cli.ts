import { readFileSync, writeFileSync } from "node:fs";
import { isIP } from "node:net";
import { join } from "node:path";
import { ConfigError, parseStackConfig } from "../config/load";
import { PlanUsageError, StackFileError, stackFileFor } from "../plan/stackFile";
import { MAX_BURST, planChecks, type SmokeSettings } from "./checks";
import { pulumiCli, resolveApiKey, resolveQdrantToken, SmokeUsageError, type PulumiRunner } from "./keys";
import { formatSummary, junitXml, redactor, summarize, tableLayout, type SmokeReport } from "./report";
import { runChecks } from "./run";
import { smokeTargets } from "./targets";

const USAGE = `usage: npm run smoke -- --stack <name> [options]

Exercises the running platform through its public edge: every adapter (path route and /v1), embeddings,
/v1/models, a vector search, the reranker when served, CORS, keys, HTTPS redirect and certificate,
and optionally the rate limit. Requests are tiny (a few tokens); keys are never printed.

  --stack <name>          the stack: Pulumi.<name>.yaml, and the stack the keys are read from
  --config <file>         read the stack config from this file instead (e.g. a fixture)
  --url <url>             where to connect (default https://<edge.hosts[0]>), e.g. a port-forward
                          https://127.0.0.1:8443; the edge host is still sent as Host and TLS name
  --host <name>           the host name to present (default edge.hosts[0] for an IP/localhost URL)
  --http-url <url>        plain-HTTP entry for the redirect check (default http://<host> for a
                          default-port https URL)
  --api-key <key>         a gateway client key (or SMOKE_API_KEY); default: the stack output
                          clientKeys via the pulumi CLI
  --client <name>         which client's key (from clientKeys, default the first); its model
                          allowlist (gateway.clients.<name>.models) applies
  --qdrant-token <jwt>    a Qdrant client token for the collection (or SMOKE_QDRANT_TOKEN); default:
                          the stack output qdrantClientTokens (the --client's, else a read-only
                          client's); without one the vector search is skipped
  --embedding-model <m>   gateway model for embeddings (default: the server with task embed)
  --rerank-model <m>      gateway model for reranking (default: a server with a score/rerank task)
  --ca <file>             extra trusted CA certificates (PEM), e.g. Let's Encrypt staging's roots;
                          may be repeated
  --burst <n>             also send up to n requests (at most ${MAX_BURST}) and expect a 429
  --timeout-ms <n>        per-request deadline (default 30000)
  --budget-ms <n>         overall deadline (default 180000)
  --cert-warn-days <n>    warn when the certificate has fewer days left (default 14)
  --json                  print the report as JSON (use npm run -s smoke so npm prints no banner)
  --junit <file>          also write JUnit XML for CI
  -h, --help              this help

exit codes: 0 every check holds (warnings and skips allowed), 1 a check failed, 2 a usage or config error`;

export interface SmokeOptions {
  stack?: string;
  config?: string;
  url?: string;
  host?: string;
  httpUrl?: string;
  apiKey?: string;
  client?: string;
  qdrantToken?: string;
  embeddingModel?: string;
  rerankModel?: string;
  ca: string[];
  burst?: number;
  timeoutMs: number;
  budgetMs: number;
  certWarnDays: number;
  json: boolean;
  junit?: string;
}

function positive(flag: string, raw: string, max?: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new SmokeUsageError(`${flag} needs a whole number of at least 1, not "${raw}"`);
  if (max !== undefined && n > max) throw new SmokeUsageError(`${flag} ${n} is above the limit of ${max}`);
  return n;
}

export function parseArgs(argv: string[]): SmokeOptions | "help" {
  const o: SmokeOptions = { ca: [], timeoutMs: 30_000, budgetMs: 180_000, certWarnDays: 14, json: false };
  const value = (i: number, flag: string) => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) throw new SmokeUsageError(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    switch (arg) {
      case "--stack":
        o.stack = value(i++, arg);
        break;
      case "--config":
        o.config = value(i++, arg);
        break;
      case "--url":
        o.url = value(i++, arg);
        break;
      case "--host":
        o.host = value(i++, arg);
        break;
      case "--http-url":
        o.httpUrl = value(i++, arg);
        break;
      case "--api-key":
        o.apiKey = value(i++, arg);
        break;
      case "--client":
        o.client = value(i++, arg);
        break;
      case "--qdrant-token":
        o.qdrantToken = value(i++, arg);
        break;
      case "--qdrant-key":
        throw new SmokeUsageError(
          "--qdrant-key is gone: Qdrant has no shared read-only key any more; pass a client's token with --qdrant-token (stack output qdrantClientTokens)",
        );
      case "--embedding-model":
        o.embeddingModel = value(i++, arg);
        break;
      case "--rerank-model":
        o.rerankModel = value(i++, arg);
        break;
      case "--ca":
        o.ca.push(value(i++, arg));
        break;
      case "--burst":
        o.burst = positive(arg, value(i++, arg), MAX_BURST);
        break;
      case "--timeout-ms":
        o.timeoutMs = positive(arg, value(i++, arg));
        break;
      case "--budget-ms":
        o.budgetMs = positive(arg, value(i++, arg));
        break;
      case "--cert-warn-days":
        o.certWarnDays = positive(arg, value(i++, arg));
        break;
      case "--json":
        o.json = true;
        break;
      case "--junit":
        o.junit = value(i++, arg);
        break;
      case "-h":
      case "--help":
        return "help";
      default:
        throw new SmokeUsageError(`unknown argument "${arg}"`);
    }
  }
  if (!o.stack && !o.config) throw new SmokeUsageError("give --stack <name> (and optionally --config <file>)");
  return o;
}

function parseUrl(flag: string, raw: string, protocols: string[]): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new SmokeUsageError(`${flag} "${raw}" is not a URL (scheme://host[:port])`);
  }
  if (!protocols.includes(url.protocol)) throw new SmokeUsageError(`${flag} "${raw}" must use ${protocols.join(" or ")}`);
  if (url.pathname !== "/" || url.search || url.hash)
    throw new SmokeUsageError(`${flag} "${raw}" must have no path: the routes are the edge's own (/v1, /<adapter>/v1, /vector-search)`);
  return url;
}

export interface SmokeIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** The pulumi CLI (replaceable in tests); default: `pulumi` on env.PATH. */
  pulumi?: PulumiRunner;
  now?: () => Date;
}

const ROOT = join(__dirname, "..");

/** The whole command; resolves the exit code. */
export async function main(argv: string[], io: SmokeIo): Promise<number> {
  let options: SmokeOptions | "help";
  try {
    options = parseArgs(argv);
  } catch (error) {
    io.stderr(`smoke: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options === "help") {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  const o = options;
  const apiKeyFlag = o.apiKey ?? io.env.SMOKE_API_KEY;
  const qdrantTokenFlag = o.qdrantToken ?? io.env.SMOKE_QDRANT_TOKEN;
  // Every text that leaves this process goes through `redact`, including usage errors.
  let redact = redactor([apiKeyFlag, qdrantTokenFlag]);
  try {
    const file = stackFileFor(ROOT, { stack: o.stack, config: o.config });
    const stack = o.stack ?? file.stack;
    const config = parseStackConfig(file.config);
    const targets = smokeTargets(config, { embeddingModel: o.embeddingModel, rerankModel: o.rerankModel });

    if (!o.url && !targets.host)
      throw new SmokeUsageError(`stack ${stack} has no edge (llm-platform:edge.hosts): pass --url, e.g. a port-forward of the gateway`);
    const baseUrl = parseUrl("--url", o.url ?? `https://${targets.host}`, ["http:", "https:"]);
    const urlHost = baseUrl.hostname.replace(/^\[|\]$/g, "");
    const hostName = o.host ?? ((isIP(urlHost) || urlHost === "localhost") && targets.host ? targets.host : urlHost);
    let httpUrl: URL | undefined;
    let httpUrlWhy: string | undefined;
    if (o.httpUrl) httpUrl = parseUrl("--http-url", o.httpUrl, ["http:"]);
    else if (baseUrl.protocol === "https:" && (baseUrl.port === "" || baseUrl.port === "443")) httpUrl = new URL(`http://${baseUrl.hostname}`);
    else httpUrlWhy = `--url has port ${baseUrl.port}: pass --http-url for the plain-HTTP entry (e.g. a port-forward of the controller's port 80)`;
    const ca = o.ca.map((f) => {
      try {
        return readFileSync(f, "utf8");
      } catch (error) {
        throw new SmokeUsageError(`--ca ${f}: ${(error as Error).message}`);
      }
    });

    const pulumi = io.pulumi ?? pulumiCli(io.env);
    const apiKey = await resolveApiKey({ apiKey: apiKeyFlag, client: o.client, stack, cwd: ROOT, run: pulumi });
    if (apiKey.client && !(apiKey.client in targets.clientModels) && o.client) {
      throw new SmokeUsageError(
        `--client ${apiKey.client} is not in gateway.clients of ${stack} (have: ${Object.keys(targets.clientModels).join(", ") || "none"})`,
      );
    }
    const qdrant = await resolveQdrantToken({
      qdrantToken: qdrantTokenFlag,
      client: apiKey.client,
      access: targets.qdrantClients,
      stack,
      cwd: ROOT,
      run: pulumi,
    });
    redact = redactor([apiKey.key, qdrant.token, apiKeyFlag, qdrantTokenFlag]);

    const settings: SmokeSettings = {
      stack,
      endpoint: { baseUrl, hostName, ca },
      httpUrl,
      httpUrlWhy,
      apiKey: apiKey.key,
      client: apiKey.client,
      qdrantToken: qdrant.token,
      qdrantTokenSource: qdrant.source,
      qdrantTokenWhy: qdrant.why,
      timeoutMs: o.timeoutMs,
      certWarnDays: o.certWarnDays,
      burst: o.burst,
    };
    const checks = planChecks(targets, settings);
    const layout = tableLayout(checks);
    const startedAt = (io.now ?? (() => new Date()))();
    const started = performance.now();
    if (!o.json) {
      const via = hostName !== urlHost ? ` (Host ${hostName})` : "";
      io.stdout(`smoke ${stack}: ${baseUrl.origin}${via}, key ${apiKey.source}\n${layout.header}\n`);
    }
    const records = await runChecks(checks, settings, {
      budgetMs: o.budgetMs,
      now: io.now,
      redact,
      onRecord: o.json ? undefined : (r) => io.stdout(`${layout.row(r)}\n`),
    });
    const summary = summarize(records);
    const report: SmokeReport = {
      stack,
      url: baseUrl.origin,
      host: hostName,
      client: apiKey.client ?? null,
      startedAt: startedAt.toISOString(),
      durationMs: Math.round(performance.now() - started),
      ok: summary.fail === 0,
      summary,
      checks: records,
    };
    if (o.junit) writeFileSync(o.junit, junitXml(report));
    io.stdout(o.json ? `${JSON.stringify(report, null, 2)}\n` : `\n${formatSummary(report)}`);
    return report.ok ? 0 : 1;
  } catch (error) {
    if (error instanceof SmokeUsageError || error instanceof PlanUsageError) {
      io.stderr(redact(`smoke: ${error.message}\n`));
      return 2;
    }
    if (error instanceof ConfigError || error instanceof StackFileError) {
      io.stderr(redact(`smoke: ${error.message}\n`));
      return 2;
    }
    io.stderr(redact(`smoke: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`));
    return 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
  }).then((code) => {
    process.exitCode = code;
  });
}
