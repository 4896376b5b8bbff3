import { strict as assert } from "node:assert";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { validateObjects } from "../../plan/validate";
import { planStack, type StackPlan } from "../fixtures/plans";
import { PROJECT_ROOT, stackConfig } from "../fixtures/stacks";

const WORKFLOWS = join(PROJECT_ROOT, ".github", "workflows");
const text = (file: string) => readFileSync(join(WORKFLOWS, file), "utf8");
const load = (file: string) => parse(text(file), { uniqueKeys: true });
const workflowFiles = () =>
  readdirSync(WORKFLOWS)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
const stacks = readdirSync(PROJECT_ROOT)
  .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => s !== undefined)
  .sort();
/** Stacks that hold production: the fixture stack files say which (platform.environment prod). */
const productionStacks = stacks.filter((s) => (stackConfig(s).platform as { environment?: string } | undefined)?.environment === "prod");

const plans = new Map<string, Promise<StackPlan>>();
/** Each stack's plan once per run (the program under mocks takes seconds). */
const planOf = (stack: string) => plans.get(stack) ?? plans.set(stack, planStack(stack)).get(stack)!;

const steps = (job: any) => (job.steps ?? []) as any[];
const uses = (job: any, action: string) => steps(job).filter((s) => String(s.uses ?? "").startsWith(`${action}@`));
const runs = (job: any) =>
  steps(job)
    .filter((s) => s.run)
    .map((s) => String(s.run));
const triggers = (wf: any): string[] => (typeof wf.on === "string" ? [wf.on] : Array.isArray(wf.on) ? wf.on : Object.keys(wf.on ?? {}));
const needsOf = (job: any): string[] => (job.needs === undefined ? [] : [job.needs].flat());
const runsOn = (job: any): string[] => [job["runs-on"]].flat().map(String);
const isSelfHosted = (job: any) => runsOn(job).includes("self-hosted");
/** Secrets a job can read: every `secrets.X` its definition mentions (env, with, steps). */
const secretsOf = (job: any) => [...new Set([...JSON.stringify(job).matchAll(/secrets\.(\w+)/g)].map((m) => m[1]!))].sort();
/** Jobs that hold credentials: a secret, the workflow token in a step, or a write permission. */
const holdsSecrets = (job: any) =>
  secretsOf(job).length > 0 || /github\.token/.test(JSON.stringify(job)) || Object.values(job.permissions ?? {}).some((p) => p === "write");
/** The stacks a job runs pulumi/actions for (a literal stack name, or every value of its matrix). */
function pulumiStacks(job: any, command?: string): string[] {
  const found: string[] = [];
  for (const step of uses(job, "pulumi/actions").filter((s) => command === undefined || s.with?.command === command)) {
    const name = String(step.with?.["stack-name"] ?? "");
    if (name === "${{ matrix.stack }}") {
      const matrix = job.strategy?.matrix ?? {};
      found.push(...(matrix.stack ?? []), ...((matrix.include ?? []) as any[]).map((i) => i.stack));
    } else found.push(name);
  }
  return found;
}

describe("CI workflows", () => {
  const ci = load("ci.yml");
  const deploy = load("deploy.yml");

  it("pin every action to a full commit SHA, with its version in a comment, one SHA per action", () => {
    const shaOf = new Map<string, string>();
    for (const file of workflowFiles()) {
      for (const line of text(file)
        .split("\n")
        .filter((l) => /^\s*(-\s*)?uses:/.test(l))) {
        const m = /uses:\s*([\w.-]+\/[\w.-]+)@([0-9a-f]{40}) # v\d+\.\d+\.\d+$/.exec(line);
        assert.ok(m, `${file}: ${line.trim()} is not pinned as <action>@<40-hex sha> # vX.Y.Z`);
        const [, action, sha] = m;
        assert.equal(shaOf.get(`${action} ${line.split("#")[1]}`) ?? sha, sha, `${file}: ${action} pinned to two SHAs for one version`);
        shaOf.set(`${action} ${line.split("#")[1]}`, sha!);
      }
    }
    assert.ok(shaOf.size >= 4);
  });

  it("give no pull-request job a production credential, a production environment or a production stack", () => {
    for (const file of workflowFiles()) {
      const wf = load(file);
      if (!triggers(wf).some((t) => t.startsWith("pull_request"))) continue;
      assert.ok(!triggers(wf).includes("pull_request_target"), `${file}: pull_request_target runs with the base repository's secrets`);
      assert.ok(!/secrets\./.test(JSON.stringify(wf.env ?? {})), `${file}: secrets in the workflow-wide env reach every job`);
      for (const [name, job] of Object.entries<any>(wf.jobs)) {
        const where = `${file} ${name}`;
        for (const secret of secretsOf(job))
          assert.ok(secret === "GITHUB_TOKEN" || secret.startsWith("PREVIEW_"), `${where}: secrets.${secret} on pull requests`);
        if (job.environment) assert.match(String(job.environment.name ?? job.environment), /^preview-/, where);
        for (const stack of pulumiStacks(job)) assert.ok(!productionStacks.includes(stack), `${where}: touches production stack ${stack} on pull requests`);
        assert.ok(!isSelfHosted(job), `${where}: pull-request code on a self-hosted runner`);
      }
    }
  });

  it("preview production stacks only on protected branches, with the preview identity", () => {
    let previewed = 0;
    for (const file of workflowFiles()) {
      const wf = load(file);
      for (const [name, job] of Object.entries<any>(wf.jobs)) {
        if (!pulumiStacks(job, "preview").some((s) => productionStacks.includes(s))) continue;
        previewed++;
        assert.deepEqual(
          triggers(wf).filter((t) => t !== "workflow_dispatch"),
          ["push"],
          `${file} ${name}`,
        );
        assert.deepEqual(wf.on.push.branches, ["main"], `${file} ${name}`);
        assert.match(String(job.environment), /^preview-/, `${file} ${name}`);
        assert.deepEqual(secretsOf(job), ["PREVIEW_KUBECONFIG", "PREVIEW_PULUMI_ACCESS_TOKEN"], `${file} ${name}`);
      }
    }
    assert.ok(previewed > 0, "prod is previewed somewhere");
  });

  it("preview the other stacks on pull requests with the read-only preview identity, leaving LAN-only targets out", async () => {
    const preview = ci.jobs.preview;
    assert.deepEqual(ci.on.pull_request.branches, ["main"]);
    assert.deepEqual(
      pulumiStacks(preview, "preview").sort(),
      stacks.filter((s) => !productionStacks.includes(s)),
    );
    const step = uses(preview, "pulumi/actions")[0];
    assert.equal(step.with.policyPacks, "policies");
    assert.equal(step.with["comment-on-pr"], true);
    assert.equal(step.env.PULUMI_ACCESS_TOKEN, "${{ secrets.PREVIEW_PULUMI_ACCESS_TOKEN }}");
    assert.equal(preview.environment, "preview-${{ matrix.stack }}");
    // The dev stack's workstation is reached over SSH on the LAN: the hosted preview excludes that component.
    const workstation = (await planOf("dev")).resources.find((r) => r.type.endsWith(":WorkstationInference"))!;
    const dev = preview.strategy.matrix.include.find((i: any) => i.stack === "dev");
    assert.equal(step.with.exclude, "${{ matrix.offLan }}");
    assert.equal(dev.offLan, workstation.urn);
    assert.equal(step.with["exclude-dependents"], true);
  });

  it("install without install scripts and without a shared npm cache wherever credentials are present", () => {
    for (const file of workflowFiles()) {
      for (const [name, job] of Object.entries<any>(load(file).jobs)) {
        if (!holdsSecrets(job)) continue;
        for (const run of runs(job).filter((r) => /\bnpm (ci|install|i)\b/.test(r))) assert.match(run, /--ignore-scripts/, `${file} ${name}: ${run}`);
        for (const setup of uses(job, "actions/setup-node")) {
          assert.equal(setup.with?.cache, undefined, `${file} ${name}: npm cache in a job with credentials`);
          assert.equal(setup.with?.["package-manager-cache"], false, `${file} ${name}: setup-node caches by default`);
        }
      }
    }
  });

  it("never write a secret into a script, and keep the checkout token only where a job pushes", () => {
    for (const file of workflowFiles()) {
      const wf = load(file);
      assert.deepEqual(wf.permissions, { contents: "read" }, `${file}: the default token is read-only`);
      for (const [name, job] of Object.entries<any>(wf.jobs)) {
        for (const run of runs(job)) assert.ok(!run.includes("${{ secrets."), `${file} ${name}: secret expanded into a script`);
        const pushes = runs(job).some((r) => /git push/.test(r));
        for (const checkout of uses(job, "actions/checkout")) {
          assert.equal(checkout.with?.["persist-credentials"] ?? true, pushes, `${file} ${name}: persist-credentials`);
        }
      }
    }
  });

  it("install from the lockfile with the project's Node and run the tests and the offline plan of every stack", () => {
    const test = ci.jobs.test;
    assert.equal(uses(test, "actions/setup-node")[0].with["node-version-file"], ".nvmrc");
    assert.deepEqual(runs(test), ["npm ci --ignore-scripts", "npm test"]);
    assert.deepEqual([...ci.jobs.plan.strategy.matrix.stack].sort(), stacks);
    assert.ok(runs(ci.jobs.plan).some((r) => r.startsWith("npm run plan -- --stack ${{ matrix.stack }}")));
    assert.equal(uses(ci.jobs.plan, "actions/upload-artifact")[0].with.path, "out/${{ matrix.stack }}");
    assert.equal(ci.concurrency["cancel-in-progress"], true);
  });

  describe("deploy", () => {
    /** The job that runs `pulumi up` for a stack. */
    const deployJob = (stack: string): [string, any] => {
      const found = Object.entries<any>(deploy.jobs).filter(([, job]) => pulumiStacks(job, "up").includes(stack));
      assert.equal(found.length, 1, `one job deploys ${stack}`);
      return found[0]!;
    };
    const closure = (name: string): string[] => needsOf(deploy.jobs[name]).flatMap((n) => [n, ...closure(n)]);

    it("deploys every stack from main, never cancelling a running deployment", () => {
      assert.deepEqual(deploy.on.push, { branches: ["main"] });
      assert.equal(deploy.concurrency["cancel-in-progress"], false);
      for (const stack of stacks) deployJob(stack);
    });

    it("runs each stack where its targets are reachable: a stack that manages a LAN host over SSH on the LAN runner", () => {
      for (const stack of stacks) {
        const host = (stackConfig(stack).workstation as { dockerHost?: string } | undefined)?.dockerHost;
        const [name, job] = deployJob(stack);
        if (host?.startsWith("ssh://")) {
          assert.deepEqual(runsOn(job), ["self-hosted", "linux", "gpu-lan"], `${name} manages ${host}`);
        } else {
          assert.ok(!isSelfHosted(job), `${name} needs no LAN runner`);
        }
      }
    });

    it("never makes a production deploy wait for a job on a self-hosted runner it does not share", () => {
      for (const stack of productionStacks) {
        const [name, job] = deployJob(stack);
        for (const upstream of closure(name)) {
          const other = deploy.jobs[upstream];
          assert.ok(!isSelfHosted(other) || runsOn(other).join() === runsOn(job).join(), `${name} needs ${upstream} on ${runsOn(other).join(",")}`);
        }
        assert.ok(closure(name).includes("test"), `${name} deploys tested code`);
        assert.equal(job.environment, "production");
      }
    });

    it("previews each pull request's change against its base branch in the plan job, failing on a refused change", () => {
      const plan = ci.jobs.plan;
      assert.equal(uses(plan, "actions/checkout")[0].with["fetch-depth"], 0, "the base ref's stack file must be in the clone");
      const step = steps(plan).find((s) => String(s.run ?? "").includes("--base"))!;
      assert.equal(step.if, "github.event_name == 'pull_request'");
      assert.match(step.run, /npm run plan -- --stack "\$STACK" --base "origin\/\$BASE_REF"/);
      assert.equal(step.env.BASE_REF, "${{ github.base_ref }}");
      assert.match(step.run, /cat "out\/\$STACK\/changes\.md" >> "\$GITHUB_STEP_SUMMARY"/);
      // The plan's exit code (1: a refused change or a mandatory violation) is the step's.
      assert.match(step.run, /\|\| status=\$\?[\s\S]*exit "\$status"$/m);
    });

    it("checks the cluster's prerequisites with the doctor before every up, against the deploy kubeconfig", () => {
      for (const stack of stacks) {
        const [name, job] = deployJob(stack);
        const all = steps(job);
        const doctor = all.findIndex((s) => String(s.run ?? "").startsWith(`npm run doctor -- --stack ${stack} --kubeconfig "$RUNNER_TEMP/kubeconfig"`));
        const up = all.findIndex((s) => String(s.uses ?? "").startsWith("pulumi/actions@") && s.with?.command === "up");
        const kubeconfig = all.findIndex((s) => String(s.run ?? "").includes('> "$RUNNER_TEMP/kubeconfig"'));
        assert.ok(kubeconfig >= 0 && kubeconfig < doctor && doctor < up, `${name}: kubeconfig ${kubeconfig}, doctor ${doctor}, up ${up}`);
      }
    });

    it("refreshes before every up, with room for the program's customTimeouts", () => {
      for (const stack of stacks) {
        const [name, job] = deployJob(stack);
        const up = uses(job, "pulumi/actions").find((s) => s.with.command === "up");
        assert.equal(up.with.refresh, true, name);
        assert.equal(up.with.policyPacks, "policies", name);
        assert.equal(up.with.policyPackConfigs, `out/${stack}/policy-config.json`, name);
        assert.equal(up.with["suppress-outputs"], true, `${name}: stack outputs hold client keys`);
        // The first model download: vLLM startup probes allow 30 min, and refresh and Helm add more.
        assert.ok(job["timeout-minutes"] >= 60, `${name}: timeout-minutes ${job["timeout-minutes"]}`);
      }
    });

    it("runs the smoke test after up for each stack and keeps its JUnit report", () => {
      for (const stack of stacks) {
        const [name, job] = deployJob(stack);
        const all = steps(job);
        const up = all.findIndex((s) => String(s.uses ?? "").startsWith("pulumi/actions@") && s.with.command === "up");
        const smoke = all.findIndex((s) => s.run === `npm run smoke -- --stack ${stack} --junit out/${stack}/smoke.xml`);
        assert.ok(up >= 0 && smoke > up, `${name}: smoke after up`);
        assert.equal(all[smoke].env.PULUMI_ACCESS_TOKEN, "${{ secrets.PULUMI_ACCESS_TOKEN }}", `${name}: the smoke test reads the key from the stack outputs`);
        const upload = all.slice(smoke + 1).find((s) => String(s.uses ?? "").startsWith("actions/upload-artifact@"));
        assert.equal(upload?.with.path, `out/${stack}/smoke.xml`, name);
        assert.equal(upload?.if, "always()", `${name}: the report of a failed smoke test is kept`);
      }
    });

    it("deploys production from reviewed digests only", () => {
      for (const stack of productionStacks) {
        const [name, job] = deployJob(stack);
        const all = steps(job);
        const check = all.findIndex((s) => s.run === `npm run pin-digests -- --stack ${stack} --check`);
        const up = all.findIndex((s) => String(s.uses ?? "").startsWith("pulumi/actions@"));
        assert.ok(check >= 0 && check < up, name);
      }
    });
  });

  it("opens a pull request with the current digests of the production images, weekly, without deploy credentials", () => {
    const wf = load("pin-digests.yml");
    assert.ok(wf.on.schedule?.[0]?.cron, "scheduled");
    const job = wf.jobs.pin;
    assert.deepEqual(secretsOf(job), []);
    assert.deepEqual(job.permissions, { contents: "write", "pull-requests": "write", actions: "write" });
    for (const stack of productionStacks) assert.ok(runs(job).includes(`npm run pin-digests -- --stack ${stack} --write`), stack);
    const script = runs(job).find((r) => r.includes("gh pr create"))!;
    assert.match(script, /git add Pulumi\.prod\.yaml/);
    assert.match(script, /gh workflow run ci\.yml --ref "\$BRANCH"/, "GITHUB_TOKEN pull requests start no pull_request run");
  });

  it("runs mutation testing weekly and on changes to the proof logic, one job per area, keeping the reports", () => {
    const wf = load("mutation.yml");
    assert.ok(wf.on.schedule?.[0]?.cron);
    assert.deepEqual([...wf.on.pull_request.paths].sort(), ["capacity/**", "config/**", "kube/**", "policies/**"]);
    const job = wf.jobs.mutation;
    assert.deepEqual(job.strategy.matrix.area, ["capacity", "policies", "config"]);
    assert.equal(job.strategy["fail-fast"], false);
    assert.ok(runs(job).includes("npm run test:mutation -- --area ${{ matrix.area }}"));
    assert.ok(job["timeout-minutes"] >= 30);
    const upload = uses(job, "actions/upload-artifact")[0];
    assert.equal(upload.with.name, "mutation-${{ matrix.area }}");
    assert.equal(upload.with.path, "reports/mutation/");
    assert.equal(upload.if, "always()");
  });
});

describe("the preview identity (.github/preview-identity.yaml)", () => {
  const file = join(PROJECT_ROOT, ".github", "preview-identity.yaml");
  const objects = () => parseAllDocuments(readFileSync(file, "utf8")).map((d) => d.toJS() as Record<string, any>);
  const kind = (k: string) => objects().find((o) => o.kind === k)!;

  it("is valid Kubernetes", async () => {
    assert.ok(existsSync(file));
    assert.deepEqual(await validateObjects(objects()), []);
  });

  it("reads everything and may write only in the program's API groups, never RBAC, admission or deletes", async () => {
    const rules = kind("ClusterRole").rules as { apiGroups: string[]; verbs: string[] }[];
    for (const rule of rules) {
      for (const verb of ["*", "delete", "deletecollection", "escalate", "bind", "impersonate"]) assert.ok(!rule.verbs.includes(verb), verb);
    }
    const writes = rules.filter((r) => r.verbs.some((v) => ["create", "update", "patch"].includes(v)));
    const writable = new Set(writes.flatMap((r) => r.apiGroups));
    // Admission objects are exempt from admission policies: a write on them could not be held to a dry run.
    for (const forbidden of ["*", "rbac.authorization.k8s.io", "admissionregistration.k8s.io"]) assert.ok(!writable.has(forbidden), forbidden);
    // CRDs are the one cluster-wide type it may dry-run (the Gateway API bundle), and nothing else of their group.
    const crdRules = writes.filter((r) => r.apiGroups.includes("apiextensions.k8s.io"));
    assert.deepEqual(
      crdRules.map((r) => [r.apiGroups, (r as { resources?: string[] }).resources]),
      [[["apiextensions.k8s.io"], ["customresourcedefinitions"]]],
    );
    // Every Kubernetes type the program declares can be previewed (dry-run): its API group is writable.
    // Pulumi-only types are no API group: what they put in the cluster is. Helm releases preview by
    // rendering the chart (reads); the yaml/v2 ConfigFile of the Gateway API bundle creates its CRDs
    // (and the bundle's own admission policy, which pulumi-kubernetes previews client-side when the dry
    // run is forbidden, pulumi/pulumi-kubernetes#2419).
    const installs: Record<string, string[]> = { "helm.sh/v3:Release": [], "yaml/v2:ConfigFile": ["apiextensions.k8s.io"] };
    const groups = new Set<string>();
    for (const stack of stacks) {
      for (const r of (await planOf(stack)).resources) {
        const m = /^kubernetes:(([^:/]+)\/[^/:]+:[^:]+)$/.exec(r.type);
        if (!m) continue;
        const [, typeName, group] = m;
        for (const g of installs[typeName!] ?? [group === "core" ? "" : group!]) groups.add(g);
      }
    }
    assert.ok(groups.has("apiextensions.k8s.io") && groups.has("gateway.networking.k8s.io"), "the prod plan's Gateway API edge is among the types checked");
    for (const g of groups) assert.ok(writable.has(g), `API group "${g}"`);
  });

  it("is refused every request that is not a dry run", () => {
    const sa = kind("ServiceAccount");
    const policy = kind("ValidatingAdmissionPolicy");
    const binding = kind("ValidatingAdmissionPolicyBinding");
    assert.equal(
      policy.spec.matchConditions[0].expression,
      `request.userInfo.username == "system:serviceaccount:${sa.metadata.namespace}:${sa.metadata.name}"`,
    );
    assert.deepEqual(
      policy.spec.validations.map((v: any) => v.expression),
      ["request.dryRun == true"],
    );
    assert.deepEqual(policy.spec.matchConstraints.resourceRules[0].operations, ["CREATE", "UPDATE", "DELETE", "CONNECT"]);
    assert.equal(policy.spec.failurePolicy, "Fail");
    assert.equal(binding.spec.policyName, policy.metadata.name);
    assert.deepEqual(binding.spec.validationActions, ["Deny"]);
    const subject = kind("ClusterRoleBinding").subjects[0];
    assert.deepEqual([subject.name, subject.namespace], [sa.metadata.name, sa.metadata.namespace]);
  });
});
