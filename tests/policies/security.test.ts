import { strict as assert } from "node:assert";
import { evaluate, mutate, planStack, violationsOf, type StackPlan } from "../fixtures/plans";
import { stackConfig } from "../fixtures/stacks";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const JOB = "kubernetes:batch/v1:Job";
const vllm = (p: any) => p.spec.template.spec.containers[0];
const COMMIT = "0123456789abcdef0123456789abcdef01234567";

async function messages(plan: StackPlan, policy: string): Promise<string[]> {
  return violationsOf(await evaluate(plan, policy), policy).map((v) => v.message);
}

/** A stack named `staging` (not protected by default) with the same resources. */
function asStack(plan: StackPlan, stack: string): StackPlan {
  return { ...plan, resources: plan.resources.map((r) => ({ ...r, urn: r.urn.replace(/^urn:pulumi:prod::/, `urn:pulumi:${stack}::`) })) };
}

describe("security policies (#21)", () => {
  let prod: StackPlan;
  let downloadJob: string;
  // Per test: the synthesis is memoized (tests/fixtures/plans.ts); the host config is derived inside the test.
  beforeEach(async () => {
    prod = await planStack("prod", stackConfig("prod"));
    downloadJob = prod.resources.find(
      (r) => r.type === JOB && r.props.spec.template.spec.containers.some((c: any) => (c.env ?? []).some((e: any) => e.name === "MODEL_ID")),
    )!.props.metadata.name;
  });

  it("pass the prod plan", async () => {
    for (const policy of ["pods-without-service-account-token", "model-volumes-read-only", "prod-model-revisions-pinned"]) {
      assert.deepEqual(await messages(prod, policy), [], policy);
    }
  });

  describe("pods-without-service-account-token", () => {
    it("refuses an app pod that mounts the token, saying what unset means", async () => {
      const found = await messages(
        mutate(prod, DEPLOYMENT, "vllm-llm", (p) => delete p.spec.template.spec.automountServiceAccountToken),
        "pods-without-service-account-token",
      );
      assert.deepEqual(found, [
        "Deployment llm-inference/vllm-llm: mounts a service-account token (automountServiceAccountToken is unset, so true); a compromised container could call the Kubernetes API with it. Set spec.automountServiceAccountToken: false, or list the namespace in privilegedNamespaces/baselineNamespaces if an operator needs it.",
      ]);
      const explicit = await messages(
        mutate(prod, DEPLOYMENT, "vllm-llm", (p) => (p.spec.template.spec.automountServiceAccountToken = true)),
        "pods-without-service-account-token",
      );
      assert.match(explicit[0]!, /automountServiceAccountToken is true\)/);
    });

    it("exempts operator namespaces", async () => {
      const moved = mutate(
        prod,
        DEPLOYMENT,
        "vllm-llm",
        (p) => ((p.metadata.namespace = "cert-manager"), delete p.spec.template.spec.automountServiceAccountToken),
      );
      assert.deepEqual(await messages(moved, "pods-without-service-account-token"), []);
    });
  });

  describe("model-volumes-read-only", () => {
    it("refuses a vLLM container that mounts the model cache read-write", async () => {
      const rw = mutate(prod, DEPLOYMENT, "vllm-llm", (p) => {
        for (const m of vllm(p).volumeMounts) if (m.name === "model-cache") m.readOnly = false;
        for (const v of p.spec.template.spec.volumes) if (v.persistentVolumeClaim) v.persistentVolumeClaim.readOnly = false;
      });
      const [msg] = await messages(rw, "model-volumes-read-only");
      assert.match(msg!, /^Deployment llm-inference\/vllm-llm container vllm: mounts model-cache at \/\S+ read-write; a model server could change the weights/);
    });

    it("accepts a read-only claim even when the mount does not repeat it", async () => {
      const claimOnly = mutate(prod, DEPLOYMENT, "vllm-llm", (p) => {
        for (const m of vllm(p).volumeMounts) if (m.name === "model-cache") delete m.readOnly;
      });
      assert.deepEqual(await messages(claimOnly, "model-volumes-read-only"), []);
    });

    it("refuses a vLLM server that may go online", async () => {
      const online = mutate(prod, DEPLOYMENT, "vllm-llm", (p) => (vllm(p).env = vllm(p).env.filter((e: any) => e.name !== "HF_HUB_OFFLINE")));
      assert.match((await messages(online, "model-volumes-read-only"))[0]!, /HF_HUB_OFFLINE is unset; vLLM may reach the Hub at start/);
      const zero = mutate(prod, DEPLOYMENT, "vllm-llm", (p) => (vllm(p).env.find((e: any) => e.name === "HF_HUB_OFFLINE").value = "0"));
      assert.match((await messages(zero, "model-volumes-read-only"))[0]!, /HF_HUB_OFFLINE is "0"/);
    });
  });

  describe("prod-model-revisions-pinned", () => {
    const setRevision = (args: string[], revision?: string) => {
      const i = args.indexOf("--revision");
      if (i >= 0) args.splice(i, 2);
      if (revision !== undefined) args.splice(1, 0, "--revision", revision);
    };

    it("refuses a vLLM server on a branch or without a revision in prod", async () => {
      const branch = await messages(
        mutate(prod, DEPLOYMENT, "vllm-llm", (p) => setRevision(vllm(p).args, "main")),
        "prod-model-revisions-pinned",
      );
      assert.match(branch[0]!, /container vllm: serves \S+ at revision "main" in stack prod; a moved branch changes the weights/);
      const none = await messages(
        mutate(prod, DEPLOYMENT, "vllm-llm", (p) => setRevision(vllm(p).args)),
        "prod-model-revisions-pinned",
      );
      assert.match(none[0]!, /at no --revision \(the repo's main branch\) in stack prod/);
    });

    it("accepts exactly 40 hex characters, not 39 or upper case", async () => {
      assert.deepEqual(
        await messages(
          mutate(prod, DEPLOYMENT, "vllm-llm", (p) => setRevision(vllm(p).args, COMMIT)),
          "prod-model-revisions-pinned",
        ),
        [],
      );
      assert.equal(
        (
          await messages(
            mutate(prod, DEPLOYMENT, "vllm-llm", (p) => setRevision(vllm(p).args, COMMIT.slice(1))),
            "prod-model-revisions-pinned",
          )
        ).length,
        1,
      );
      assert.equal(
        (
          await messages(
            mutate(prod, DEPLOYMENT, "vllm-llm", (p) => setRevision(vllm(p).args, COMMIT.toUpperCase())),
            "prod-model-revisions-pinned",
          )
        ).length,
        1,
      );
    });

    it("refuses a download Job on a branch", async () => {
      const found = await messages(
        mutate(prod, JOB, downloadJob, (p) => (p.spec.template.spec.containers[0].env.find((e: any) => e.name === "REVISION").value = "main")),
        "prod-model-revisions-pinned",
      );
      assert.match(found[0]!, /downloads \S+ at revision "main" in stack prod\. Pin models\.<alias>\.revision/);
    });

    it("does not apply outside protected stacks", async () => {
      const staging = asStack(
        mutate(prod, DEPLOYMENT, "vllm-llm", (p) => setRevision(vllm(p).args, "main")),
        "staging",
      );
      assert.deepEqual(await messages(staging, "prod-model-revisions-pinned"), []);
    });
  });
});
