import { strict as assert } from "node:assert";
import { evaluate, mutate, planStack, violationsOf, type StackPlan } from "../fixtures/plans";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const container = (p: any) => p.spec.template.spec.containers[0];

async function messageOf(plan: StackPlan, policy: string): Promise<string> {
  const found = violationsOf(await evaluate(plan, policy), policy);
  assert.equal(found.length, 1, `expected one ${policy} violation, got ${found.length}`);
  return found[0]!.message;
}

describe("workload policies", () => {
  let prod: StackPlan;
  // Per test: the synthesis is memoized (tests/fixtures/plans.ts); the host config is derived inside the test.
  beforeEach(async () => {
    prod = await planStack("prod");
  });
  const change = (fn: (p: any) => void) => mutate(prod, DEPLOYMENT, "vllm-llm", fn);

  it("pass the prod plan", async () => {
    const policies = [
      "vllm-startup-probe",
      "requests-and-limits",
      "images-pinned",
      "no-secret-env-literals",
      "pod-security-restricted",
      "namespace-enforces-restricted",
    ];
    const v = await evaluate(prod, ...policies);
    for (const policy of policies) {
      assert.deepEqual(violationsOf(v, policy), [], policy);
    }
  });

  describe("vllm-startup-probe", () => {
    it("refuses a vLLM container without a startupProbe", async () => {
      assert.match(
        await messageOf(
          change((p) => delete container(p).startupProbe),
          "vllm-startup-probe",
        ),
        /vllm-llm container vllm: no startupProbe; liveness would kill vLLM while it loads/,
      );
    });
    it("refuses a startup window shorter than a model load", async () => {
      const msg = await messageOf(
        change((p) => (container(p).startupProbe.failureThreshold = 6)),
        "vllm-startup-probe",
      );
      assert.match(msg, /startupProbe allows 60 s \(period × failureThreshold\) < 600 s/);
    });
  });

  describe("requests-and-limits", () => {
    it("refuses a container without a memory limit", async () => {
      assert.match(
        await messageOf(
          change((p) => delete container(p).resources.limits.memory),
          "requests-and-limits",
        ),
        /missing limits\.memory/,
      );
    });
    it("refuses a container without any resources", async () => {
      assert.match(
        await messageOf(
          change((p) => delete container(p).resources),
          "requests-and-limits",
        ),
        /missing requests\.cpu, requests\.memory, limits\.memory/,
      );
    });
  });

  describe("images-pinned", () => {
    for (const image of ["vllm/vllm-openai:latest", "vllm/vllm-openai", "registry:5000/vllm"]) {
      it(`refuses ${image}`, async () => {
        assert.match(
          await messageOf(
            change((p) => (container(p).image = image)),
            "images-pinned",
          ),
          new RegExp(`image "${image}" is not pinned`),
        );
      });
    }
    it("accepts a digest", async () => {
      const v = await evaluate(
        change((p) => (container(p).image = `vllm/vllm-openai@sha256:${"a".repeat(64)}`)),
        "images-pinned",
        "prod-image-digests",
      );
      assert.deepEqual(violationsOf(v, "images-pinned"), []);
      assert.ok(!violationsOf(v, "prod-image-digests").some((x) => x.message.includes("vllm-llm container")));
      assert.ok(
        violationsOf(v, "prod-image-digests").some((x) => x.message.includes("vllm-embedding container")),
        "the other server still uses a tag",
      );
    });
    it("advises digests in prod only", async () => {
      const v = await evaluate(prod, "prod-image-digests");
      const advisory = violationsOf(v, "prod-image-digests");
      assert.ok(advisory.length >= 2);
      assert.equal(advisory[0]!.level, "advisory");
      assert.match(
        advisory[0]!.message,
        /pinned by tag, not digest, in stack prod\. Pin it by digest: `npm run pin-digests -- --stack <stack> --write` commits repo:tag@sha256:<digest> for every image with llm-platform:images\.pinning digest/,
      );
      const dev = await evaluate({ ...prod, resources: prod.resources.map((r) => ({ ...r, urn: r.urn.replace(":prod::", ":dev::") })) }, "prod-image-digests");
      assert.deepEqual(violationsOf(dev, "prod-image-digests"), []);
    });
  });

  describe("no-secret-env-literals", () => {
    for (const name of ["HF_TOKEN", "OPENAI_API_KEY", "LITELLM_MASTER_KEY", "POSTGRES_PASSWORD"]) {
      it(`refuses a literal ${name}`, async () => {
        const msg = await messageOf(
          change((p) => container(p).env.push({ name, value: "sk-123" })),
          "no-secret-env-literals",
        );
        assert.match(msg, new RegExp(`env ${name} has a literal value.*secretKeyRef`));
      });
    }
  });

  describe("pod-security-restricted", () => {
    const cases: [string, (p: any) => void, RegExp][] = [
      ["privilege escalation", (p) => (container(p).securityContext.allowPrivilegeEscalation = true), /container vllm allows privilege escalation/],
      ["kept capabilities", (p) => (container(p).securityContext.capabilities = { drop: [] }), /does not drop ALL capabilities/],
      ["added capabilities", (p) => (container(p).securityContext.capabilities = { drop: ["ALL"], add: ["SYS_ADMIN"] }), /adds SYS_ADMIN/],
      ["privileged", (p) => (container(p).securityContext.privileged = true), /container vllm is privileged/],
      ["root user", (p) => (p.spec.template.spec.securityContext.runAsUser = 0), /runs as UID 0/],
      [
        "no runAsNonRoot",
        (p) => {
          delete p.spec.template.spec.securityContext.runAsNonRoot;
          delete container(p).securityContext.runAsNonRoot;
        },
        /may run as root/,
      ],
      [
        "no seccomp",
        (p) => {
          delete p.spec.template.spec.securityContext.seccompProfile;
          delete container(p).securityContext.seccompProfile;
        },
        /no RuntimeDefault seccomp profile/,
      ],
      ["hostPath", (p) => p.spec.template.spec.volumes.push({ name: "host", hostPath: { path: "/" } }), /volume host is hostPath/],
      ["host network", (p) => (p.spec.template.spec.hostNetwork = true), /uses host namespaces/],
    ];
    for (const [what, fn, expected] of cases) {
      it(`refuses ${what}`, async () => {
        const msg = await messageOf(change(fn), "pod-security-restricted");
        assert.match(msg, /^Deployment llm-inference\/vllm-llm: not "restricted": /);
        assert.match(msg, expected);
      });
    }
    it("exempts the device-plugin namespace", async () => {
      const v = await evaluate(
        change((p) => {
          p.metadata.namespace = "nvidia-device-plugin";
          container(p).securityContext.privileged = true;
        }),
        "pod-security-restricted",
      );
      assert.deepEqual(violationsOf(v, "pod-security-restricted"), []);
    });
  });

  describe("namespace-enforces-restricted", () => {
    it("refuses an app namespace without the restricted level", async () => {
      const plan = mutate(prod, "kubernetes:core/v1:Namespace", "llm-inference", (p) => (p.metadata.labels["pod-security.kubernetes.io/enforce"] = "baseline"));
      assert.match(await messageOf(plan, "namespace-enforces-restricted"), /Namespace llm-inference: enforces "baseline", not "restricted"/);
    });
  });
});
