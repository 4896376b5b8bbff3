import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, foreignNamespaceIssues, knownConfigNamespaces, parseStackConfig } from "../../config/load";
import { runPlan } from "../../plan/runPlan";
import { PROJECT_ROOT, fixtureStackFile, pulumiConfigMap, stackConfig } from "../fixtures/stacks";

const issuesOf = (all: Record<string, string>) => {
  try {
    parseStackConfig(all);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues;
  }
};

describe("config namespaces: keys nobody reads are refused (#15)", () => {
  const prod = pulumiConfigMap(stackConfig("prod"));
  const dev = pulumiConfigMap(stackConfig("dev"));

  it("accepts the project's keys, the Kubernetes provider's and Pulumi's own", () => {
    assert.deepEqual(issuesOf({ ...prod, "kubernetes:context": "prod-admin", "pulumi:tags": "{}" }), []);
  });

  it("refuses a near-miss namespace, naming the key it probably meant", () => {
    assert.deepEqual(issuesOf({ ...prod, "llm-platfrom:qdrant": "{}" }), [
      {
        path: "llm-platfrom:qdrant",
        message:
          'is in config namespace "llm-platfrom", which this program does not read (it reads llm-platform:, kubernetes:, pulumi:); did you mean "llm-platform:qdrant"?',
      },
    ]);
  });

  it("refuses a namespace far from any it reads, telling to remove or move it", () => {
    const [issue] = issuesOf({ ...prod, "aws:region": "eu-central-1" });
    assert.equal(issue!.path, "aws:region");
    assert.match(issue!.message, /namespace "aws", which this program does not read .*; remove it or move it to the project's namespace$/);
  });

  it("reads docker: only when a workstation is configured (the only Docker provider)", () => {
    assert.deepEqual(knownConfigNamespaces({ workstation: undefined }), ["llm-platform", "kubernetes", "pulumi"]);
    assert.deepEqual(issuesOf({ ...dev, "docker:host": "ssh://dev@gpu-box.lan" }), [], "dev has a workstation");
    assert.equal(issuesOf({ ...prod, "docker:host": "ssh://x" })[0]!.path, "docker:host");
  });

  it("reports namespace problems together with schema problems, before anything is declared", () => {
    const issues = issuesOf({ ...prod, "llm-platfrom:qdrant": "{}", "llm-platform:servers": JSON.stringify({ llm: { model: "nope", maxModelLen: 8192 } }) });
    assert.ok(issues.some((i) => i.path === "llm-platfrom:qdrant"));
    assert.ok(issues.some((i) => i.path.startsWith("llm-platform:servers.llm")));
  });

  it("suggests only namespaces within two edits", () => {
    assert.equal(
      foreignNamespaceIssues({ "kubernets:context": "x" }, ["llm-platform", "kubernetes"])[0]!.message.endsWith('did you mean "kubernetes:context"?'),
      true,
    );
    assert.match(foreignNamespaceIssues({ "kube:context": "x" }, ["llm-platform", "kubernetes"])[0]!.message, /remove it or move it/);
  });

  it("makes the offline plan exit 2 naming the key", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ns-"));
    const file = join(dir, "Pulumi.typo.yaml");
    writeFileSync(file, `${readFileSync(fixtureStackFile("prod"), "utf8")}  llm-platfrom:qdrant:\n    snapshotRetain: 3\n`);
    const result = await runPlan({ root: PROJECT_ROOT, config: file, write: false, validate: false });
    assert.equal(result.exitCode, 2);
    assert.ok(result.configErrors.some((e) => e.path === "llm-platfrom:qdrant" && /did you mean "llm-platform:qdrant"/.test(e.message)));
  });
});
