import { strict as assert } from "node:assert";
import { evaluatePolicies } from "../../policies/evaluate";
import { allowRulesNamePods, defaultDenyEveryNamespace } from "../../policies/network";
import { planned } from "../plan/planned";

const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const POLICIES = [defaultDenyEveryNamespace, allowRulesNamePods];

const messages = async (resources: Parameters<typeof evaluatePolicies>[0]) =>
  (await evaluatePolicies(resources, undefined, POLICIES)).map((v) => `${v.policy}: ${v.message}`);

describe("network isolation policies", () => {
  for (const stack of ["prod", "dev"] as const) {
    it(`${stack}: default-deny in every namespace the stack creates, and every allow rule names pods or addresses`, async () => {
      const { resources } = await planned(stack);
      assert.deepEqual(await messages(resources), []);
    });
  }

  it("refuse a namespace the stack creates without default-deny, operator namespaces included", async () => {
    const { resources } = await planned("prod");
    const without = structuredClone(resources).filter(
      (r) => !(r.type === NP && r.props.metadata.namespace === "ingress-nginx" && r.props.metadata.name === "default-deny"),
    );
    const m = await messages(without);
    assert.equal(m.length, 1, m.join("\n"));
    assert.match(
      m[0]!,
      /^network-default-deny-every-namespace: namespace ingress-nginx: no default-deny NetworkPolicy, .* Add one with podSelector \{\} and policyTypes \[Ingress, Egress\] and no rules/,
    );
  });

  it("do not count a policy that selects every pod but allows something, or denies one direction only, as default-deny", async () => {
    const { resources } = await planned("prod");
    for (const change of [
      (spec: any) => (spec.ingress = [{ from: [{ ipBlock: { cidr: "10.0.0.0/8" } }] }]),
      (spec: any) => (spec.policyTypes = ["Ingress"]),
      (spec: any) => (spec.podSelector = { matchLabels: { app: "x" } }),
    ]) {
      const copy = structuredClone(resources);
      change(copy.find((r) => r.type === NP && r.props.metadata.namespace === "llm-data" && r.props.metadata.name === "default-deny")!.props.spec);
      const m = (await messages(copy)).filter((x) => x.startsWith("network-default-deny"));
      assert.equal(m.length, 1);
      assert.match(m[0]!, /namespace llm-data:/);
    }
  });

  it("refuse namespace-only peers, podSelector {} and rules without peers; accept pod-named peers and ipBlocks", async () => {
    const policy = (ingress: any[]) => ({
      type: NP,
      name: "p",
      urn: "urn:pulumi:prod::llm-platform::kubernetes:networking.k8s.io/v1:NetworkPolicy::p",
      props: { metadata: { name: "p", namespace: "llm-data" }, spec: { podSelector: { matchLabels: { app: "qdrant" } }, ingress } },
    });
    const m = async (ingress: any[]) => (await evaluatePolicies([policy(ingress)], undefined, [allowRulesNamePods])).map((v) => v.message);
    assert.match(
      (await m([{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "llm-gateway" } } }] }]))[0]!,
      /^NetworkPolicy llm-data\/p: ingress rule 0 peer 0: a namespaceSelector without a podSelector admits every pod of those namespaces/,
    );
    assert.match((await m([{ from: [{ podSelector: {} }] }]))[0]!, /podSelector \{\} admits every pod of the namespace/);
    assert.match((await m([{ from: [{ namespaceSelector: {}, podSelector: {} }] }]))[0]!, /namespaceSelector without a podSelector/);
    assert.match((await m([{ ports: [{ port: 6333 }] }]))[0]!, /ingress rule 0 has no from, so it allows every source/);
    assert.deepEqual(
      await m([
        {
          from: [
            { namespaceSelector: { matchLabels: { a: "b" } }, podSelector: { matchLabels: { app: "litellm" } } },
            { ipBlock: { cidr: "10.0.0.1/32" } },
            { podSelector: { matchExpressions: [{ key: "job", operator: "Exists" }] } },
          ],
        },
      ]),
      [],
    );
  });
});
