import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "../../plan/cli";
import { runPlan } from "../../plan/runPlan";
import { PlanUsageError } from "../../plan/stackFile";
import { PROJECT_ROOT, fixtureStackFile } from "../fixtures/stacks";

function plan(...args: string[]) {
  return spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", join(PROJECT_ROOT, "plan", "cli.ts"), ...args], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
  });
}

const git = (cwd: string, ...args: string[]) => {
  const run = spawnSync("git", ["-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false", ...args], { cwd, encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout;
};

const prodText = () => readFileSync(fixtureStackFile("prod"), "utf8");

describe("npm run plan -- --base (CLI)", function () {
  this.timeout(240_000);

  it("a git ref: the stack file at the ref is the base, the program is this working tree's; the table goes to stdout and changes.md", () => {
    const repo = mkdtempSync(join(tmpdir(), "plan-base-repo-"));
    git(repo, "init", "-q");
    writeFileSync(join(repo, "Pulumi.prod.yaml"), prodText());
    git(repo, "add", "Pulumi.prod.yaml");
    git(repo, "commit", "-qm", "prod as deployed");
    writeFileSync(
      join(repo, "Pulumi.prod.yaml"),
      prodText().replace("    snapshotStorage: 20Gi\n", '    snapshotStorage: 20Gi\n    snapshotSchedule: "30 3 * * *"\n'),
    );
    const out = mkdtempSync(join(tmpdir(), "plan-out-"));
    const run = plan("--stack", "prod", "--config", join(repo, "Pulumi.prod.yaml"), "--base", "HEAD", "--no-validate", "--out", out);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(
      run.stdout,
      /^Changes against Pulumi\.prod\.yaml at HEAD \(config only; program: this working tree\): 0 to create, 1 to update, 0 to replace, 0 to delete, \d+ unchanged; 0 workload\(s\) restart, 0 GPU server\(s\) go down$/m,
    );
    assert.match(
      run.stdout,
      /^\| op \| resource \| restarts \| why \|\n\|---\|---\|---\|---\|\n\| ~ update \| CronJob llm-data\/qdrant-snapshot-rag \| {2}\| spec\.schedule: 17 \* \* \* \* → 30 3 \* \* \* \|$/m,
    );
    assert.match(run.stdout, /^change: safe to apply/m);
    assert.match(run.stderr, /… stack prod: running index\.ts for the base configuration and this one \(change preview\)/);
    const md = readFileSync(join(out, "changes.md"), "utf8");
    assert.match(md, /\| ~ update \| CronJob llm-data\/qdrant-snapshot-rag \|/);
  });

  it("a refused change: exit 1, and --json adds changes [{urn, type, op, restarts, reason}] with the findings", () => {
    const dir = mkdtempSync(join(tmpdir(), "plan-base-"));
    const current = join(dir, "Pulumi.prod.yaml");
    writeFileSync(current, prodText().replace("    qdrant: {size: 20Gi, storageClass: proxmox-csi}", "    qdrant: {size: 20Gi, storageClass: nfs-rwx}"));
    const run = plan("--stack", "prod", "--config", current, "--base", fixtureStackFile("prod"), "--json", "--no-write", "--no-validate");
    assert.equal(run.status, 1, run.stderr);
    const doc = JSON.parse(run.stdout);
    assert.equal(doc.exitCode, 1);
    assert.deepEqual(Object.keys(doc.changes[0]), ["urn", "type", "op", "restarts", "reason"]);
    const storage = doc.changes.find((c: any) => c.urn.endsWith("PersistentVolumeClaim::qdrant-storage"));
    assert.equal(storage.op, "replace");
    assert.equal(doc.changes.filter((c: any) => c.op !== "same").length, 2);
    assert.equal(doc.changes.length, doc.resources.length);
    assert.ok(doc.changePreview.findings.some((f: any) => f.kind === "protected-data" && f.blocking && /qdrant-storage/.test(f.message)));
    assert.equal(doc.violations.filter((v: any) => v.level === "mandatory").length, 0, "refused by the change, not by a policy");
  });

  it("usage: --base needs a value that is a file or a git ref (refused before anything runs), --load-bandwidth a positive number", async () => {
    assert.throws(() => parseArgs(["--stack", "prod", "--base"]), /--base needs a value/);
    assert.throws(() => parseArgs(["--stack", "prod", "--load-bandwidth", "0"]), /--load-bandwidth needs a positive number of MiB\/s, not "0"/);
    const parsed = parseArgs(["--stack", "prod", "--base", "origin/main", "--load-bandwidth", "1000"]);
    assert.ok(parsed !== "help");
    assert.deepEqual([parsed.base, parsed.loadBandwidthMiBps], ["origin/main", 1000]);
    const progress: string[] = [];
    await assert.rejects(
      runPlan({
        root: PROJECT_ROOT,
        stack: "prod",
        config: fixtureStackFile("prod"),
        base: "no-such-ref-anywhere",
        write: false,
        progress: (m) => progress.push(m),
      }),
      (e: Error) =>
        e instanceof PlanUsageError && /^--base no-such-ref-anywhere: no such file, and not a git ref with tests\/fixtures\/stacks\/prod\.yaml/.test(e.message),
    );
    assert.deepEqual(progress, [], "refused before anything runs (the CLI exits 2 with the usage text)");
  });
});
