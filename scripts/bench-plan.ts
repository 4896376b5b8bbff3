import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";

/**
 * Times the offline plan in a fresh process (what a user or CI job pays): the prod stack, and a
 * generated stack with 200 adapters spread over 20 LLM servers (plus the embedding server) on
 * one 24 GiB GPU each, without sharing. Reports wall time and peak RSS. Not a test: run with
 * `npm run bench:plan`.
 */
const ROOT = join(__dirname, "..");
const ADAPTERS = Number(process.env.BENCH_ADAPTERS ?? 200);
const TIME = "/usr/bin/time";

function generatedStack(): string {
  const prod = parse(readFileSync(join(ROOT, "Pulumi.prod.yaml"), "utf8")) as { config: Record<string, any> };
  const config = prod.config;
  const servers: Record<string, unknown> = { embedding: config["llm-platform:servers"].embedding };
  const adapters: Record<string, unknown> = {};
  const serverCount = Math.ceil(ADAPTERS / 10);
  for (let s = 0; s < serverCount; s++) servers[`llm-${s}`] = { ...config["llm-platform:servers"].llm };
  for (let a = 0; a < ADAPTERS; a++) adapters[`adapter-${a}`] = { server: `llm-${a % serverCount}`, maxParallelRequests: 2 };
  config["llm-platform:servers"] = servers;
  config["llm-platform:adapters"] = adapters;
  config["llm-platform:host"].nodes = Object.fromEntries(
    Array.from({ length: serverCount + 1 }, (_, i) => [`gpu-node-${i}`, { gpus: 1, gpuMemoryGiB: 24, cpu: "64", memory: "256Gi" }]),
  );
  config["llm-platform:host"].storageCapacity = { "nfs-rwx": "10Ti", "proxmox-csi": "10Ti" };
  config["llm-platform:gpuSharing"] = { mode: "none" };
  const file = join(mkdtempSync(join(tmpdir(), "bench-plan-")), `Pulumi.bench-${ADAPTERS}.yaml`);
  writeFileSync(file, stringify(prod));
  return file;
}

function measure(label: string, args: string[]): void {
  const started = process.hrtime.bigint();
  const node = [process.execPath, "-r", "ts-node/register/transpile-only", join(ROOT, "plan", "cli.ts"), ...args, "--no-write"];
  // GNU time reports the child's peak RSS; without it only the wall time is measured.
  const [cmd, ...cmdArgs] = existsSync(TIME) ? [TIME, "-f", "%M", ...node] : node;
  const run = spawnSync(cmd!, cmdArgs, { cwd: ROOT, encoding: "utf8" });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const peakKiB = Number(run.stderr.trim().split("\n").pop());
  const resources = /stack \S+: (\d+) resources/.exec(run.stdout)?.[1] ?? "?";
  console.log(
    `${label.padEnd(24)} exit ${run.status}  ${resources} resources  wall ${seconds.toFixed(2)} s  peak RSS ${Number.isFinite(peakKiB) ? `${(peakKiB / 1024).toFixed(0)} MiB` : "n/a"}`,
  );
}

measure("prod", ["--stack", "prod"]);
measure(`${ADAPTERS} adapters`, ["--config", generatedStack()]);
