import { strict as assert } from "node:assert";
import { parsePlatformConfig } from "../../config/load";
import { SERVICES, edgeProxy, http01Namespaces, platformFlows, type FlowPlan } from "../../platform/flows";
import { gatewayNetworkPolicies } from "../../platform/network";
import { stackConfig, variant } from "../fixtures/stacks";
import {
  decide,
  evaluateReachability,
  inventory,
  policyTypes,
  selectorMatches,
  type Endpoint,
  type Inventory,
  type PodEndpoint,
} from "../../plan/reachability";
import type { SynthesizedResource } from "../../plan/synthesize";
import { planned } from "./planned";

const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

function pod(namespace: string, name: string, labels: Record<string, string>, ports: PodEndpoint["ports"] = []): PodEndpoint {
  return { kind: "pod", id: `${namespace}/${name}`, namespace, name, labels, ports, origin: "plan" };
}
const external = (name: string, address: string): Endpoint => ({ kind: "external", id: `external/${name}`, name, address });

function inv(pods: PodEndpoint[], policies: { namespace: string; name: string; spec: Record<string, any> }[]): Inventory {
  const namespaces = new Map<string, Record<string, string>>();
  for (const p of pods) namespaces.set(p.namespace, { "kubernetes.io/metadata.name": p.namespace, ...(p.namespace === "team-a" ? { team: "a" } : {}) });
  return { pods, externals: [], namespaces, policies, services: new Map() };
}

const web = pod("app", "web", { app: "web", tier: "front" }, [
  { name: "http", containerPort: 8080 },
  { name: "dns", containerPort: 53, protocol: "UDP" },
]);
const db = pod("app", "db", { app: "db" }, [{ name: "pg", containerPort: 5432 }]);
const other = pod("team-a", "other", { app: "web" });
const denyAll = { namespace: "app", name: "default-deny", spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } };

describe("NetworkPolicy semantics (kubernetes.io/docs/concepts/services-networking/network-policies)", () => {
  it("leaves a pod no policy selects open in both directions", () => {
    const d = decide(other, web, 8080, "TCP", inv([web, other], []));
    assert.deepEqual([d.allowed, d.egress.isolated, d.ingress.isolated], [true, false, false]);
  });

  it("defaults policyTypes to Ingress, plus Egress only when the policy has egress rules", () => {
    assert.deepEqual(policyTypes({ podSelector: {} }), ["Ingress"]);
    assert.deepEqual(policyTypes({ podSelector: {}, egress: [{}] }), ["Ingress", "Egress"]);
    assert.deepEqual(policyTypes({ podSelector: {}, egress: [] }), ["Ingress"]);
    const ingressOnly = inv([web, db], [{ namespace: "app", name: "in", spec: { podSelector: {} } }]);
    const d = decide(web, db, 5432, "TCP", ingressOnly);
    assert.deepEqual([d.egress.isolated, d.ingress.isolated, d.allowed], [false, true, false]);
  });

  it("needs the source's egress AND the destination's ingress", () => {
    const allowIn = {
      namespace: "app",
      name: "to-db",
      spec: { podSelector: { matchLabels: { app: "db" } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: "web" } } }] }] },
    };
    const onlyIngress = decide(web, db, 5432, "TCP", inv([web, db], [denyAll, allowIn]));
    assert.deepEqual([onlyIngress.ingress.allowed, onlyIngress.egress.allowed, onlyIngress.allowed], [true, false, false]);
    const allowOut = {
      namespace: "app",
      name: "web-out",
      spec: { podSelector: { matchLabels: { app: "web" } }, policyTypes: ["Egress"], egress: [{ to: [{ podSelector: { matchLabels: { app: "db" } } }] }] },
    };
    const both = decide(web, db, 5432, "TCP", inv([web, db], [denyAll, allowIn, allowOut]));
    assert.equal(both.allowed, true);
    assert.deepEqual([both.egress.allowedBy, both.ingress.allowedBy], [["app/web-out"], ["app/to-db"]]);
  });

  it("reads a podSelector-only peer as the policy's own namespace, a namespaceSelector-only peer as whole namespaces, both in one peer as AND", () => {
    const to = (peer: Record<string, any>) => ({
      namespace: "app",
      name: "p",
      spec: { podSelector: { matchLabels: { app: "db" } }, ingress: [{ from: [peer] }] },
    });
    const pods = [web, db, other];
    assert.equal(
      decide(other, db, 5432, "TCP", inv(pods, [to({ podSelector: { matchLabels: { app: "web" } } })])).allowed,
      false,
      "same labels, other namespace",
    );
    assert.equal(decide(web, db, 5432, "TCP", inv(pods, [to({ podSelector: { matchLabels: { app: "web" } } })])).allowed, true);
    assert.equal(decide(other, db, 5432, "TCP", inv(pods, [to({ namespaceSelector: { matchLabels: { team: "a" } } })])).allowed, true);
    const both = to({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "team-a" } }, podSelector: { matchLabels: { app: "api" } } });
    assert.equal(decide(other, db, 5432, "TCP", inv(pods, [both])).allowed, false, "namespace matches, pod does not");
  });

  it("evaluates matchExpressions In, NotIn, Exists, DoesNotExist", () => {
    const labels = { app: "web", tier: "front" };
    assert.equal(selectorMatches({ matchExpressions: [{ key: "tier", operator: "In", values: ["front", "back"] }] }, labels), true);
    assert.equal(selectorMatches({ matchExpressions: [{ key: "tier", operator: "In", values: ["back"] }] }, labels), false);
    assert.equal(selectorMatches({ matchExpressions: [{ key: "tier", operator: "NotIn", values: ["back"] }] }, labels), true);
    assert.equal(selectorMatches({ matchExpressions: [{ key: "tier", operator: "NotIn", values: ["front"] }] }, labels), false);
    assert.equal(selectorMatches({ matchExpressions: [{ key: "zone", operator: "NotIn", values: ["a"] }] }, labels), true, "NotIn holds for a missing key");
    assert.equal(selectorMatches({ matchExpressions: [{ key: "app", operator: "Exists" }] }, labels), true);
    assert.equal(selectorMatches({ matchExpressions: [{ key: "zone", operator: "Exists" }] }, labels), false);
    assert.equal(selectorMatches({ matchExpressions: [{ key: "zone", operator: "DoesNotExist" }] }, labels), true);
    assert.equal(selectorMatches({ matchExpressions: [{ key: "app", operator: "DoesNotExist" }] }, labels), false);
    assert.equal(
      selectorMatches({ matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "In", values: ["back"] }] }, labels),
      false,
      "all terms must hold",
    );
  });

  it("matches ipBlock cidr minus except, and never a pod", () => {
    const egress = (block: Record<string, any>) => ({
      namespace: "app",
      name: "out",
      spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: block }] }] },
    });
    const i = inv([web, db], [egress({ cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] })]);
    assert.equal(decide(web, external("internet", "203.0.113.10"), 443, "TCP", i).allowed, true);
    assert.equal(decide(web, external("lan", "10.1.2.3"), 443, "TCP", i).allowed, false);
    assert.equal(decide(web, external("edge", "10.255.255.255"), 443, "TCP", i).allowed, false, "last address of the except range");
    assert.equal(decide(web, external("next", "11.0.0.0"), 443, "TCP", i).allowed, true, "first address after it");
    assert.equal(decide(web, db, 5432, "TCP", i).allowed, false, "a pod is not an ipBlock address");
  });

  it("resolves a named port against the destination pod, honours endPort at both ends and the protocol", () => {
    const ports = (p: Record<string, any>[]) => ({ namespace: "app", name: "in", spec: { podSelector: {}, ingress: [{ ports: p }] } });
    assert.equal(decide(db, web, 8080, "TCP", inv([web, db], [ports([{ port: "http" }])])).allowed, true);
    assert.equal(decide(web, db, 5432, "TCP", inv([web, db], [ports([{ port: "http" }])])).allowed, false, "db names no port http");
    const range = inv([web, db], [ports([{ port: 8000, endPort: 8080 }])]);
    assert.deepEqual(
      [7999, 8000, 8080, 8081].map((p) => decide(db, web, p, "TCP", range).allowed),
      [false, true, true, false],
    );
    assert.equal(decide(db, web, 53, "UDP", inv([web, db], [ports([{ port: 53 }])])).allowed, false, "protocol defaults to TCP");
    assert.equal(decide(db, web, 53, "UDP", inv([web, db], [ports([{ port: 53, protocol: "UDP" }])])).allowed, true);
  });
});

/** A copy of a plan's resources with NetworkPolicies changed: one change per failing case. */
function withPolicies(resources: SynthesizedResource[], change: (policies: Map<string, SynthesizedResource>) => void): SynthesizedResource[] {
  const copy = structuredClone(resources);
  const policies = new Map(copy.filter((r) => r.type === NP).map((r) => [`${r.props.metadata.namespace}/${r.props.metadata.name}`, r]));
  change(policies);
  const kept = new Set(policies.values());
  return copy.filter((r) => r.type !== NP || kept.has(r));
}

describe("reachability of the fixture stacks", () => {
  for (const stack of ["prod", "dev"] as const) {
    it(`${stack}: every needed flow is open, resolves to real pods, and the guarded targets admit only their allowed sources`, async () => {
      const { resources, config } = await planned(stack);
      const r = evaluateReachability(resources, platformFlows(config));
      assert.deepEqual(r.violations, []);
      assert.ok(r.flows.length > 20);
      for (const f of r.flows) assert.ok(f.pairs > 0 && !f.unresolved, `${f.fromLabel} → ${f.toLabel}`);
      assert.ok(r.guarded.every((g) => !g.open));
    });
  }

  it("prod: blocking the ACME HTTP-01 solver (the review's finding) is refused, naming the policy to add", async () => {
    const { resources, config } = await planned("prod");
    const [solverNs] = http01Namespaces(config);
    const proxy = edgeProxy(config);
    const broken = withPolicies(resources, (p) => p.delete(`${solverNs}/allow-acme-http01-solver`));
    const v = evaluateReachability(broken, platformFlows(config)).violations;
    assert.equal(v.length, 1, v.map((x) => x.message).join("\n"));
    assert.equal(v[0]!.level, "mandatory");
    const labels = Object.entries(proxy.pods as Record<string, string>)
      .map(([k, val]) => `${k}=${val}`)
      .join(",");
    assert.ok(
      v[0]!.message.startsWith(`needed flow ${proxy.namespace}/${proxy.name} → ${solverNs}/ACME HTTP-01 solver :8089/TCP`) &&
        v[0]!.message.includes(
          `ingress: ${solverNs}/default-deny isolates ${solverNs}/ACME HTTP-01 solver; add a NetworkPolicy in ${solverNs} selecting acme.cert-manager.io/http01-solver=true with ingress from namespaceSelector kubernetes.io/metadata.name=${proxy.namespace} with podSelector ${labels} on 8089/TCP`,
        ),
      v[0]!.message,
    );
  });

  it("prod: a namespace-wide rule into Postgres (the old allow-same-namespace) is refused, naming the rule and the pods it lets in", async () => {
    const { resources, config } = await planned("prod");
    const broken = withPolicies(resources, (p) => {
      p.get("llm-gateway/allow-to-postgres")!.props.spec.ingress = [{ from: [{ podSelector: {} }], ports: [{ protocol: "TCP", port: 5432 }] }];
    });
    const v = evaluateReachability(broken, platformFlows(config)).violations;
    assert.equal(v.length, 1, v.map((x) => x.message).join("\n"));
    assert.match(
      v[0]!.message,
      /^Postgres \(llm-gateway\/postgres\) admit \d+ source\(s\) outside the allowed set \(llm-gateway\/litellm, llm-gateway\/litellm-migrate job, llm-gateway\/postgres-setup job, llm-gateway\/postgres-backup jobs\) through llm-gateway\/allow-to-postgres: .*llm-gateway\/gateway-redis:5432.*llm-gateway\/\(any other pod\):5432/,
    );
  });

  it("prod: model servers open to a whole namespace are refused (Postgres and Jobs there could call vLLM without a key)", async () => {
    const { resources, config } = await planned("prod");
    const broken = withPolicies(resources, (p) => {
      p.get("llm-inference/allow-gateway-to-vllm")!.props.spec.ingress[0].from[0] = {
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "llm-gateway" } },
      };
    });
    const v = evaluateReachability(broken, platformFlows(config)).violations;
    assert.equal(v.length, 1);
    assert.match(
      v[0]!.message,
      /^model servers \(llm-inference\/vllm\) admit .* through llm-inference\/allow-gateway-to-vllm: .*llm-gateway\/gateway-postgres:8000/,
    );
  });

  it("prod: without default-deny in a namespace its webhook is open to everyone", async () => {
    const { resources, config } = await planned("prod");
    const broken = withPolicies(resources, (p) => {
      for (const key of [...p.keys()]) if (key.startsWith("cert-manager/")) p.delete(key);
    });
    const messages = evaluateReachability(broken, platformFlows(config)).violations.map((v) => v.message);
    assert.ok(
      messages.some((m) =>
        /^cert-manager webhook \(cert-manager\/cert-manager webhook\) accept connections from anyone .* no NetworkPolicy selects them for ingress\. Add default-deny in cert-manager/.test(
          m,
        ),
      ),
      messages.join("\n"),
    );
  });

  it("dev: an API-server range wide enough to hold the workstation would open the webhooks to it; the workstation's /32 is excepted", async () => {
    const { resources, config } = await planned("dev");
    const policy = resources.find(
      (r) => r.type === NP && r.props.metadata.namespace === "ingress-nginx" && r.props.metadata.name === "allow-admission-webhook-from-api-server",
    )!;
    const blocks = policy.props.spec.ingress[0].from.map((p: any) => p.ipBlock);
    assert.deepEqual(
      blocks.find((b: any) => b.cidr === "192.168.0.0/16"),
      { cidr: "192.168.0.0/16", except: ["192.168.1.50/32"] },
    );
    const broken = withPolicies(resources, (p) => {
      for (const peer of p.get("ingress-nginx/allow-admission-webhook-from-api-server")!.props.spec.ingress[0].from) delete peer.ipBlock.except;
    });
    const v = evaluateReachability(broken, platformFlows(config)).violations;
    assert.equal(v.length, 1);
    assert.match(
      v[0]!.message,
      /^ingress admission webhook .* workstation gpu-box\.lan:8443.*set llm-platform:network\.apiServer\.cidrs to the control plane's addresses/,
    );
  });

  it("refuses a flow plan that names pods or Services the plan does not render, and a release named otherwise", async () => {
    const { resources, config } = await planned("prod");
    const plan: FlowPlan = platformFlows(config);
    const renamed = structuredClone(resources).map((r) => (r.props.chart === "cert-manager" ? { ...r, props: { ...r.props, name: "cert-manager" } } : r));
    const v = evaluateReachability(renamed, plan).violations.map((x) => x.message);
    assert.ok(
      v.some((m) =>
        /the cert-manager release is named cert-manager, but platform\/flows\.ts \(RELEASES\) selects its pods as app\.kubernetes\.io\/instance=addons-cert-manager/.test(
          m,
        ),
      ),
      v.join("\n"),
    );
    const noPostgres = structuredClone(resources).filter((r) => !(r.type === "kubernetes:core/v1:Service" && r.props.metadata.name === SERVICES.postgres));
    assert.ok(
      evaluateReachability(noPostgres, plan).violations.some((x) =>
        x.message.includes(`cannot be checked: no Service llm-gateway/${SERVICES.postgres} in the plan`),
      ),
    );
  });

  it("refuses an HTTP-01 Certificate in a namespace no needed flow reaches", async () => {
    const { resources, config } = await planned("prod");
    const plan = platformFlows(config);
    const [solverNs] = http01Namespaces(config);
    const trimmed = {
      ...plan,
      flows: plan.flows.filter((f) => !("pods" in f.to && f.to.pods.namespace === solverNs && f.to.pods.name === "ACME HTTP-01 solver")),
    };
    const v = evaluateReachability(resources, trimmed).violations;
    assert.equal(v.length, 1, v.map((x) => x.message).join("\n"));
    assert.match(
      v[0]!.message,
      new RegExp(`^Certificate ${solverNs}/[a-z-]+ is solved over ACME HTTP-01, but no needed flow reaches the solver pods .* in ${solverNs}`),
    );
  });

  it("lists a Job's pods with the Job controller's labels and one unlabelled probe pod per namespace", async () => {
    const { resources, config } = await planned("prod");
    const pods = inventory(resources, platformFlows(config)).pods;
    const job = pods.find((p) => p.name.startsWith("qdrant-collection-"))!;
    assert.equal(job.labels["batch.kubernetes.io/job-name"], job.name);
    assert.ok("batch.kubernetes.io/controller-uid" in job.labels);
    assert.deepEqual(
      pods
        .filter((p) => p.origin === "probe")
        .map((p) => p.namespace)
        .sort(),
      [
        ...new Set(
          pods
            .filter((p) => p.origin !== "probe")
            .map((p) => p.namespace)
            .concat(["default"]),
        ),
      ].sort(),
    );
  });
});

describe("flows derived from config", () => {
  it("allow the gateway to the internet only when a cloud provider is configured, private ranges excepted", async () => {
    const internet = (plan: FlowPlan) =>
      plan.flows.filter((f) => "pods" in f.from && f.from.pods.name === "litellm" && "external" in f.to && f.to.external === "internet");
    const noCloud = parsePlatformConfig(
      variant(stackConfig("prod"), (c) => {
        delete c.providers.openai;
        delete c.gateway.fallbacks;
        delete c.gateway.contextWindowFallbacks;
      }),
    );
    assert.equal(internet(platformFlows(noCloud)).length, 0);
    assert.equal("litellm-to-providers" in gatewayNetworkPolicies(noCloud), false);
    const dev = await planned("dev");
    assert.match(internet(platformFlows(dev.config))[0]!.why, /cloud providers \(openai\)/);
    const policy = dev.resources.find((r) => r.type === NP && r.props.metadata.name === "allow-litellm-to-providers")!;
    assert.deepEqual(policy.props.spec.egress[0].to, [{ ipBlock: { cidr: "0.0.0.0/0", except: dev.config.network.privateCidrs } }]);
  });

  it("give the workstation its own /32 on its port", async () => {
    const { resources, config } = await planned("dev");
    const policy = resources.find((r) => r.type === NP && r.props.metadata.name === "allow-litellm-to-lan-inference")!;
    assert.deepEqual(policy.props.spec.egress, [
      { to: [{ ipBlock: { cidr: `${config.workstation!.bindAddress}/32` } }], ports: [{ protocol: "TCP", port: 8000 }] },
    ]);
  });

  it("scrape only when a monitoring namespace is configured, from the configured Prometheus labels", async () => {
    const prod = await planned("prod");
    const dev = await planned("dev");
    assert.ok(platformFlows(prod.config).flows.some((f) => f.component === "monitoring"));
    assert.equal(
      platformFlows(dev.config).flows.some((f) => f.component === "monitoring"),
      false,
    );
    const vllm = prod.resources.find((r) => r.type === NP && r.props.metadata.name === "allow-gateway-to-vllm")!;
    assert.deepEqual(vllm.props.spec.ingress[0].from[1], {
      namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } },
      podSelector: { matchLabels: prod.config.network.prometheusPodLabels },
    });
  });
});
