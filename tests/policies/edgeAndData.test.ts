import { strict as assert } from "node:assert";
import { evaluatePolicies } from "../../policies/evaluate";
import { evaluate, mutate, planStack, violationsOf, type StackPlan } from "../fixtures/plans";

const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";

function ingress(annotations: Record<string, string>, tls = true) {
  return {
    type: INGRESS,
    name: "edge-chat",
    urn: `urn:pulumi:prod::llm-platform::${INGRESS}::edge-chat`,
    props: {
      metadata: { name: "chat", namespace: "llm-gateway", annotations },
      spec: {
        ingressClassName: "nginx",
        tls: tls ? [{ hosts: ["llm.example.com"], secretName: "llm-tls" }] : undefined,
        rules: [{ host: "llm.example.com", http: { paths: [] } }],
      },
    },
  };
}

describe("edge policies", () => {
  const cors = { "nginx.ingress.kubernetes.io/enable-cors": "true" };

  it("accept TLS with listed origins", async () => {
    const v = await evaluatePolicies([ingress({ ...cors, "nginx.ingress.kubernetes.io/cors-allow-origin": "https://app.example.com" })]);
    assert.deepEqual(v.filter((x) => x.policy === "ingress-tls" || x.policy.startsWith("cors")), []);
  });

  it("refuse an Ingress without TLS", async () => {
    const v = await evaluatePolicies([ingress({}, false)]);
    assert.match(violationsOf(v, "ingress-tls")[0]!.message, /Ingress llm-gateway\/chat: hosts llm\.example\.com are not in spec\.tls/);
  });

  it("refuse CORS * with ingress-nginx's default credentials", async () => {
    const v = await evaluatePolicies([ingress(cors)]);
    assert.match(violationsOf(v, "cors-no-wildcard-with-credentials")[0]!.message, /allows origin "\*" with credentials \(ingress-nginx default true\)/);
  });

  it("refuse CORS * with explicit credentials, accept * without them", async () => {
    const explicit = await evaluatePolicies([ingress({ ...cors, "nginx.ingress.kubernetes.io/cors-allow-origin": "*", "nginx.ingress.kubernetes.io/cors-allow-credentials": "true" })]);
    assert.equal(violationsOf(explicit, "cors-no-wildcard-with-credentials").length, 1);
    const anonymous = await evaluatePolicies([ingress({ ...cors, "nginx.ingress.kubernetes.io/cors-allow-origin": "*", "nginx.ingress.kubernetes.io/cors-allow-credentials": "false" })]);
    assert.deepEqual(violationsOf(anonymous, "cors-no-wildcard-with-credentials"), []);
  });
});

describe("data protection and network policies", () => {
  let prod: StackPlan;
  before(async () => {
    prod = await planStack("prod");
  });

  it("protect prod volumes", async () => {
    const v = await evaluate(prod);
    assert.deepEqual(violationsOf(v, "stateful-protected-in-prod"), []);
    assert.deepEqual(violationsOf(v, "pvc-backup-tier"), []);
  });

  it("refuse an unprotected volume in prod", async () => {
    const resources = prod.resources.map((r) => (r.name === "base-models" ? { ...r, opts: { ...r.opts, protect: false } } : r));
    const v = await evaluate({ ...prod, resources });
    assert.match(violationsOf(v, "stateful-protected-in-prod")[0]!.message, /PersistentVolumeClaim base-models in stack prod: not protected/);
  });

  it("advise a backup-tier label on every PVC", async () => {
    const v = await evaluate(mutate(prod, "kubernetes:core/v1:PersistentVolumeClaim", "base-models", (p) => delete p.metadata.labels["backup-tier"]));
    const found = violationsOf(v, "pvc-backup-tier");
    assert.equal(found[0]!.level, "advisory");
    assert.match(found[0]!.message, /PVC base-models: backup-tier label is missing/);
  });

  it("refuse app namespaces without a NetworkPolicy", async () => {
    const resources = prod.resources.filter((r) => r.type !== "kubernetes:networking.k8s.io/v1:NetworkPolicy");
    const v = await evaluate({ ...prod, resources });
    const messages = violationsOf(v, "network-policy-per-namespace").map((x) => x.message);
    assert.equal(messages.length, 3, messages.join("\n"));
    assert.ok(messages.some((m) => /^namespace llm-inference: runs pods but has no NetworkPolicy/.test(m)));
  });
});
