import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { main, type SmokeIo } from "../../smoke/cli";
import { fixtureStackFile, stackConfig } from "../fixtures/stacks";

export const KEY = "sk-smoke-test-client-key-3f9a";
export const QDRANT_KEY = "qdrant-read-only-key-77c1";

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npm run smoke -- <args>` in this process, with the prod fixture stack unless --config is given. */
export async function smoke(args: string[], io: Partial<SmokeIo> = {}): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const argv = args.includes("--config") ? args : ["--config", fixtureStackFile("prod"), ...args];
  const code = await main(argv, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    // No pulumi CLI unless a test puts one on PATH.
    env: { PATH: "/nonexistent" },
    ...io,
  });
  return { code, stdout, stderr };
}

/** The table row of a check (by its name), e.g. `PASS    adapter chatbot on its path route ...`. */
export function row(output: string, name: string): string {
  const line = output.split("\n").find((l) => /^(PASS|FAIL|WARN|SKIP) /.test(l) && l.slice(8).startsWith(name));
  if (!line) throw new Error(`no row "${name}" in:\n${output}`);
  return line;
}

export const resultOf = (output: string, name: string) => row(output, name).slice(0, 4);

/** A stack file: the prod fixture with `mutate` applied to its llm-platform keys. */
export function variantStackFile(mutate: (raw: Record<string, any>) => void): string {
  const raw = structuredClone(stackConfig("prod")) as Record<string, any>;
  mutate(raw);
  const dir = mkdtempSync(join(tmpdir(), "smoke-stack-"));
  const file = join(dir, "Pulumi.prod.yaml");
  writeFileSync(file, stringify({ config: Object.fromEntries(Object.entries(raw).map(([k, v]) => [`llm-platform:${k}`, v])) }));
  return file;
}

/**
 * A stand-in `pulumi` executable on PATH: answers `stack output --show-secrets --json <name> --stack <s>`
 * from `outputs` (exit 255 with Pulumi's message for an unknown output) and logs its arguments.
 */
export function fakePulumi(outputs: Record<string, unknown>): { dir: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), "smoke-pulumi-"));
  const log = join(dir, "calls.log");
  const cases = Object.entries(outputs)
    .map(([name, value]) => `  ${name}) printf '%s\\n' '${JSON.stringify(value)}' ;;`)
    .join("\n");
  writeFileSync(
    join(dir, "pulumi"),
    `#!/bin/sh
echo "$*" >> "${log}"
[ "$1 $2 $3 $4" = "stack output --show-secrets --json" ] || { echo "unexpected: $*" >&2; exit 2; }
case "$5" in
${cases}
  *) echo "error: current stack does not have output property '$5'" >&2; exit 255 ;;
esac
`,
  );
  chmodSync(join(dir, "pulumi"), 0o755);
  return { dir, log };
}
