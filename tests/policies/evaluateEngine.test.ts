import { strict as assert } from "node:assert";
import type { Policy, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { evaluatePolicies, type PlannedResource } from "../../policies/evaluate";
import { gpuLimitsWhole } from "../../policies/gpu";
import { DEFAULT_POLICY_CONFIG } from "../../policies/config";

/** The in-process engine the tests and the offline plan judge with (#23): what it hands policies, and how it records their verdicts. */
class Widget {
  static __pulumiType = "acme:index:Widget";
}
const res = (name: string, extra: Partial<PlannedResource> = {}): PlannedResource => ({
  type: "acme:index:Widget",
  name,
  urn: `urn:pulumi:test::p::acme:index:Widget::${name}`,
  props: { size: name.length },
  ...extra,
});

describe("the in-process policy engine (#23)", () => {
  it("hands resource policies typed access, and records their violations with name, URN and level", async () => {
    const seen: unknown[] = [];
    const policy: ResourceValidationPolicy = {
      name: "p",
      description: "d",
      enforcementLevel: "mandatory",
      validateResource: [
        (args, report) => {
          seen.push([args.isType(Widget as any), args.asType(Widget as any), args.isType(Object as any), args.asType(Object as any)]);
          report(`saw ${args.name}`);
        },
        (args) => args.notApplicable("not mine"),
      ],
    };
    const v = await evaluatePolicies([res("a")], undefined, [policy as Policy]);
    assert.deepEqual(seen, [[true, { size: 1 }, false, undefined]]);
    assert.deepEqual(v, [{ policy: "p", level: "mandatory", resource: "a", urn: "urn:pulumi:test::p::acme:index:Widget::a", message: "saw a" }]);
  });

  it("levels: advisory unless mandatory; disabled policies do not run; errors other than notApplicable propagate", async () => {
    const stack = (enforcementLevel: any, body: StackValidationPolicy["validateStack"]): Policy =>
      ({ name: `s-${enforcementLevel}`, description: "d", enforcementLevel, validateStack: body }) as Policy;
    const report: StackValidationPolicy["validateStack"] = (_args, r) => r("x", "urn:x");
    const v = await evaluatePolicies([res("a")], undefined, [
      stack("advisory", report),
      stack(undefined, report),
      stack("disabled", report),
      stack("remediate", report),
    ]);
    assert.deepEqual(
      v.map((x) => [x.policy, x.level, x.urn]),
      [
        ["s-advisory", "advisory", "urn:x"],
        ["s-undefined", "advisory", "urn:x"],
        ["s-remediate", "advisory", "urn:x"],
      ],
    );
    await assert.rejects(
      evaluatePolicies([], undefined, [
        stack("mandatory", () => {
          throw new Error("boom");
        }),
      ]),
      /boom/,
    );
    assert.deepEqual(await evaluatePolicies([], undefined, [stack("mandatory", (args) => args.notApplicable())]), []);
  });

  it("links parent, provider and dependencies to the plan's resources, dropping URNs outside it", async () => {
    const provider = res("k8s", { type: "pulumi:providers:kubernetes", urn: "urn:prov" });
    const parent = res("parent", { urn: "urn:parent" });
    const child = res("child", {
      opts: { parent: "urn:parent" },
      provider: "urn:prov",
      dependencies: ["urn:parent", "urn:gone"],
      propertyDependencies: { spec: ["urn:parent", "urn:gone"] },
    });
    let linked: any;
    const policy: StackValidationPolicy = {
      name: "s",
      description: "d",
      enforcementLevel: "advisory",
      validateStack: (args) => void (linked = args.resources.find((r) => r.name === "child")),
    };
    await evaluatePolicies([provider, parent, child], undefined, [policy]);
    assert.equal(linked.parent.name, "parent");
    assert.deepEqual(linked.provider, { type: "pulumi:providers:kubernetes", props: provider.props, urn: "urn:prov", name: "k8s" });
    assert.deepEqual(
      linked.dependencies.map((d: any) => d.name),
      ["parent"],
    );
    assert.deepEqual(Object.fromEntries(Object.entries(linked.propertyDependencies).map(([k, v]: [string, any]) => [k, v.map((d: any) => d.name)])), {
      spec: ["parent"],
    });
    assert.equal(linked.opts.protect, false);
  });

  it("gpu-limits-whole-slices: more than one slice is fine under none and DRA, refused under MPS", async () => {
    const pod = (gpus: string): PlannedResource => ({
      type: "kubernetes:apps/v1:Deployment",
      name: "tp",
      urn: "urn:tp",
      props: {
        metadata: { name: "tp", namespace: "apps" },
        spec: {
          strategy: { type: "Recreate" },
          template: { spec: { containers: [{ name: "vllm", image: "acme/x:1", resources: { limits: { "nvidia.com/gpu": gpus } } }] } },
        },
      },
    });
    const run = (mode: "none" | "dra" | "mps" | "time-slicing") =>
      evaluatePolicies([pod("2")], { ...DEFAULT_POLICY_CONFIG, sharing: { mode, replicas: 2 } }, [gpuLimitsWhole]);
    assert.deepEqual(await run("none"), []);
    assert.deepEqual(await run("dra"), []);
    assert.deepEqual(
      (await run("mps")).map((v) => v.message),
      [
        "Deployment apps/tp container vllm: asks for 2 GPU slices; with mps the device plugin refuses more than 1 (failRequestsGreaterThanOne) and slices may be the same card. Use 1, or sharing mode none for tensor parallelism.",
      ],
    );
    assert.equal((await run("time-slicing")).length, 1);
    assert.deepEqual(await evaluatePolicies([pod("1")], { ...DEFAULT_POLICY_CONFIG, sharing: { mode: "mps", replicas: 2 } }, [gpuLimitsWhole]), []);
  });
});
