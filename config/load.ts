import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { platformConfigSchema, type PlatformConfig } from "./schema";
import { stackScoped } from "./clusterSchema";

export const CONFIG_NAMESPACE = "llm-platform";

export interface ConfigIssue {
  /** Full key path as a user writes it: `llm-platform:servers.llm.maxModelLen`. */
  path: string;
  message: string;
}

/**
 * Bad stack configuration. Raised before any resource is declared. A RunError, so `pulumi up`
 * prints the key paths without a stack trace.
 */
export class ConfigError extends pulumi.RunError {
  constructor(readonly issues: ConfigIssue[]) {
    super(
      `invalid stack configuration (${issues.length} problem${issues.length === 1 ? "" : "s"}):\n` +
        issues.map((i) => `  - ${i.path}: ${i.message}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

/** `llm-platform:servers.llm.maxModelLen` from `["servers", "llm", "maxModelLen"]`. */
export function keyPath(path: PropertyKey[]): string {
  const [top, ...rest] = path.map(String);
  return `${CONFIG_NAMESPACE}:${top ?? ""}${rest.map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join("")}`;
}

function describe(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "unrecognized_keys":
      return `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")} (check the spelling against the config reference in README.md)`;
    case "invalid_key":
      // A map key (a server, adapter or node name) failed its own check: report that check.
      return issue.issues.map((inner) => inner.message).join("; ");
    case "invalid_type":
      if (issue.message.includes("received undefined")) return `is required (${issue.expected})`;
      return issue.message;
    default:
      return issue.message;
  }
}

/**
 * Validates the program's configuration: an object whose keys are the `llm-platform:<key>` stack
 * config keys without the namespace. Every problem is reported at once, with its key path.
 */
export function parsePlatformConfig(raw: Record<string, unknown>): PlatformConfig {
  const result = platformConfigSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const extra = issue.code === "unrecognized_keys" && issue.path.length === 0;
        return {
          path: extra ? keyPath(issue.keys.slice(0, 1)) : keyPath(issue.path),
          message: extra ? `unknown configuration key (known: ${Object.keys(platformConfigSchema.shape).join(", ")})` : describe(issue),
        };
      }),
    );
  }
  // Names of a stack in a shared cluster (cluster.shared) are prefixed here, once, for every reader.
  return stackScoped(result.data);
}

/**
 * Turns Pulumi's flat config map (`{"llm-platform:host": "<json>"}`, the shape
 * `pulumi.runtime.allConfig()` returns) into the object `parsePlatformConfig` takes.
 * Keys of other namespaces (e.g. `kubernetes:context`) are not ours and are skipped.
 */
export function fromPulumiConfig(all: Record<string, string>): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  const prefix = `${CONFIG_NAMESPACE}:`;
  for (const [key, value] of Object.entries(all)) {
    if (!key.startsWith(prefix)) continue;
    const name = key.slice(prefix.length);
    try {
      raw[name] = JSON.parse(value);
    } catch {
      raw[name] = value;
    }
  }
  return raw;
}

/**
 * Config namespaces a stack may hold besides the project's: the providers the program uses
 * (`kubernetes:` always, `docker:` with a workstation) and Pulumi's own (`pulumi:`). A key in any
 * other namespace would be read by nobody — a near miss such as `llm-platfrom:qdrant` silently does
 * nothing — so it is refused.
 */
export function knownConfigNamespaces(config: Pick<PlatformConfig, "workstation">): string[] {
  return [CONFIG_NAMESPACE, "kubernetes", "pulumi", ...(config.workstation ? ["docker"] : [])];
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** Every stack key outside the known namespaces, with the namespace it probably meant. */
export function foreignNamespaceIssues(all: Record<string, string>, known: string[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const key of Object.keys(all).sort()) {
    const colon = key.indexOf(":");
    const namespace = colon < 0 ? "" : key.slice(0, colon);
    if (known.includes(namespace)) continue;
    const near = known.filter((k) => editDistance(k, namespace) <= 2);
    issues.push({
      path: key,
      message:
        `is in config namespace "${namespace}", which this program does not read (it reads ${known.map((k) => `${k}:`).join(", ")})` +
        (near.length ? `; did you mean "${near[0]}:${key.slice(colon + 1)}"?` : "; remove it or move it to the project's namespace"),
    });
  }
  return issues;
}

/**
 * The whole stack configuration as the CLI hands it to the program, validated: the project's keys
 * against the schema, and no key in a namespace nobody reads. Throws ConfigError with every problem.
 */
export function parseStackConfig(all: Record<string, string>): PlatformConfig {
  let config: PlatformConfig | undefined;
  const issues: ConfigIssue[] = [];
  try {
    config = parsePlatformConfig(fromPulumiConfig(all));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    issues.push(...error.issues);
  }
  const raw = fromPulumiConfig(all);
  issues.push(
    ...foreignNamespaceIssues(all, knownConfigNamespaces({ workstation: (config?.workstation ?? raw.workstation) as PlatformConfig["workstation"] })),
  );
  if (issues.length > 0) throw new ConfigError(issues);
  return config!;
}
