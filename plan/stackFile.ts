import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parse, parseDocument } from "yaml";

export class PlanUsageError extends Error {}

export interface StackFile {
  /** Stack name: from Pulumi.<stack>.yaml, or the file name for --config. */
  stack: string;
  project: string;
  file: string;
  /** `<namespace>:<key>` → value as the Pulumi CLI passes it to the program. */
  config: Record<string, string>;
  /** Keys whose value was `secure:` (replaced by a marked placeholder). */
  secretKeys: string[];
}

/** Read from the project root so `--config` files elsewhere still find the project's Pulumi.yaml. */
export function projectName(root: string): string {
  const doc = parse(readFileSync(join(root, "Pulumi.yaml"), "utf8")) as { name?: string };
  if (!doc?.name) throw new PlanUsageError(`${join(root, "Pulumi.yaml")} has no project name`);
  return doc.name;
}

export function availableStacks(root: string): string[] {
  return readdirSync(root)
    .map((f: string) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s: string | undefined): s is string => s !== undefined)
    .sort();
}

/** Placeholder for an encrypted value: the program sees a marked string, never the secret. */
export function secretPlaceholder(key: string): string {
  return `[secret ${key}]`;
}

/** `{secure: "<ciphertext>"}`: how the CLI stores a value set with `--secret`, at the top or at any depth with `--path`. */
function isSecureValue(value: unknown): boolean {
  return (
    value !== null &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    typeof (value as { secure?: unknown }).secure === "string"
  );
}

/**
 * A copy of a config value with every `secure:` value, at any depth, replaced by a marked placeholder
 * naming its path (`[secret llm-platform:huggingFace.token]`, `…:list[0]`). `pulumi config set
 * --secret --path 'ns:a.b'` writes `a: {b: {secure: …}}`, and the CLI decrypts each one in place.
 */
function replaceSecureValues(value: unknown, key: string, path: string, onSecret: () => void): unknown {
  if (isSecureValue(value)) {
    onSecret();
    return secretPlaceholder(`${key}${path}`);
  }
  if (Array.isArray(value)) return value.map((v, i) => replaceSecureValues(v, key, `${path}[${i}]`, onSecret));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, replaceSecureValues(v, key, `${path}.${k}`, onSecret)]));
  }
  return value;
}

/**
 * Reads a stack file the way the Pulumi CLI does: duplicate keys are errors, objects are passed
 * JSON-encoded, `secure:` values at any depth stay encrypted (here: marked placeholders); a key
 * holding one is a secret key.
 */
export function readStackFile(file: string, stack: string, root: string): StackFile {
  if (!existsSync(file)) throw new PlanUsageError(`no stack file ${file}`);
  const doc = parseDocument(readFileSync(file, "utf8"), { uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new StackFileError(`${file}: ${e.message.split("\n")[0]}`);
  }
  const content = (doc.toJS() ?? {}) as { config?: Record<string, unknown> };
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  const project = projectName(root);
  for (const [rawKey, value] of Object.entries(content.config ?? {})) {
    const key = rawKey.includes(":") ? rawKey : `${project}:${rawKey}`;
    let secret = false;
    const plain = replaceSecureValues(value, key, "", () => (secret = true));
    if (secret) secretKeys.push(key);
    config[key] = typeof plain === "string" ? plain : JSON.stringify(plain);
  }
  return { stack, project, file: resolve(file), config, secretKeys };
}

/** A stack file that is not valid YAML for Pulumi (e.g. a duplicate key): a config error. */
export class StackFileError extends Error {}

export function stackFileFor(root: string, options: { stack?: string; config?: string }): StackFile {
  if (options.config) {
    const stack = options.stack ?? /Pulumi\.(.+)\.yaml$/.exec(options.config)?.[1] ?? "custom";
    return readStackFile(resolve(options.config), stack, root);
  }
  const stack = options.stack!;
  const file = join(root, `Pulumi.${stack}.yaml`);
  if (!existsSync(file)) {
    throw new PlanUsageError(`unknown stack "${stack}": no ${file} (stacks here: ${availableStacks(root).join(", ") || "none"})`);
  }
  return readStackFile(file, stack, dirname(file));
}
