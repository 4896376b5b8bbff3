import { strict as assert } from "node:assert";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { PROJECT_ROOT } from "../fixtures/stacks";

const load = (file: string) => parse(readFileSync(join(PROJECT_ROOT, ".github", "workflows", file), "utf8"), { uniqueKeys: true });
const stacks = readdirSync(PROJECT_ROOT).map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => s !== undefined).sort();
const steps = (job: any) => job.steps as any[];
const uses = (job: any, action: string) => steps(job).filter((s) => String(s.uses ?? "").startsWith(`${action}@`));

describe("CI workflows", () => {
  const ci = load("ci.yml");
  const deploy = load("deploy.yml");

  it("runs on pull requests with least privilege and one run per ref", () => {
    assert.deepEqual(Object.keys(ci.on), ["pull_request"]);
    assert.deepEqual(ci.permissions, { contents: "read", "pull-requests": "write" });
    assert.equal(ci.concurrency["cancel-in-progress"], true);
  });

  it("installs from the lockfile with the project's Node and runs the tests", () => {
    const test = ci.jobs.test;
    assert.equal(uses(test, "actions/setup-node")[0].with["node-version-file"], ".nvmrc");
    assert.deepEqual(steps(test).filter((s) => s.run).map((s) => s.run), ["npm ci", "npm test"]);
  });

  it("plans every stack in the repository offline and keeps the output", () => {
    assert.deepEqual([...ci.jobs.plan.strategy.matrix.stack].sort(), stacks);
    assert.ok(steps(ci.jobs.plan).some((s) => s.run === "npm run plan -- --stack ${{ matrix.stack }}"));
    assert.equal(uses(ci.jobs.plan, "actions/upload-artifact")[0].with.path, "out/${{ matrix.stack }}");
  });

  it("previews every stack with the policy pack and comments on the PR", () => {
    assert.deepEqual([...ci.jobs.preview.strategy.matrix.stack].sort(), stacks);
    const preview = uses(ci.jobs.preview, "pulumi/actions")[0];
    assert.equal(preview.with.command, "preview");
    assert.equal(preview.with.policyPacks, "policies");
    assert.equal(preview.with["comment-on-pr"], true);
    assert.equal(preview.env.PULUMI_ACCESS_TOKEN, "${{ secrets.PULUMI_ACCESS_TOKEN }}");
  });

  it("deploys dev on main, then prod behind an approval environment", () => {
    assert.deepEqual(deploy.on, { push: { branches: ["main"] } });
    assert.equal(deploy.jobs.prod.needs, "dev");
    assert.equal(deploy.jobs.prod.environment, "production");
    assert.equal(uses(deploy.jobs.dev, "pulumi/actions")[0].with["stack-name"], "dev");
    assert.equal(uses(deploy.jobs.prod, "pulumi/actions")[0].with.command, "up");
    assert.equal(deploy.concurrency["cancel-in-progress"], false, "never cancel a running deployment");
  });

  it("pins every action to a version", () => {
    for (const wf of [ci, deploy]) {
      for (const job of Object.values(wf.jobs) as any[]) {
        for (const step of steps(job).filter((s) => s.uses)) assert.match(step.uses, /@v\d+(\.\d+)*$|@[0-9a-f]{40}$/, step.uses);
      }
    }
  });
});
