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
    assert.deepEqual(
      v.filter((x) => x.policy === "ingress-tls" || x.policy.startsWith("cors")),
      [],
    );
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
    const explicit = await evaluatePolicies([
      ingress({ ...cors, "nginx.ingress.kubernetes.io/cors-allow-origin": "*", "nginx.ingress.kubernetes.io/cors-allow-credentials": "true" }),
    ]);
    assert.equal(violationsOf(explicit, "cors-no-wildcard-with-credentials").length, 1);
    const anonymous = await evaluatePolicies([
      ingress({ ...cors, "nginx.ingress.kubernetes.io/cors-allow-origin": "*", "nginx.ingress.kubernetes.io/cors-allow-credentials": "false" }),
    ]);
    assert.deepEqual(violationsOf(anonymous, "cors-no-wildcard-with-credentials"), []);
  });
});

const GATEWAY = "kubernetes:gateway.networking.k8s.io/v1:Gateway";
const HTTPROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute";

describe("edge policies on the Gateway API (prod's edge)", function () {
  this.timeout(60_000);
  let prod: StackPlan;
  // Per test: the synthesis is memoized (tests/fixtures/plans.ts); the host config is derived inside the test.
  beforeEach(async () => {
    prod = await planStack("prod");
  });
  const edgePolicies = (v: { policy: string }[]) => v.filter((x) => x.policy === "gateway-tls" || x.policy.startsWith("cors"));
  const messages = async (plan: StackPlan, policy: string) => violationsOf(await evaluate(plan, policy), policy).map((x) => x.message);

  it("accept prod's Gateway: HTTPS listener with the edge certificate for every host, routes on it, the redirect alone on plain HTTP, explicit CORS origins", async () => {
    assert.ok(
      prod.resources.some((r) => r.type === GATEWAY) && prod.resources.filter((r) => r.type === HTTPROUTE).length >= 7,
      "the plan has the Gateway API edge",
    );
    assert.deepEqual(edgePolicies(await evaluate(prod, "gateway-tls", "cors-no-wildcard-with-credentials")), []);
  });

  it("refuse an HTTPS listener without a certificate, or one that does not terminate TLS", async () => {
    const noCert = mutate(prod, GATEWAY, "edge", (p) => delete p.spec.listeners.find((l: any) => l.name === "https").tls.certificateRefs);
    assert.deepEqual(await messages(noCert, "gateway-tls"), [
      "Gateway ingress-nginx/edge listener https: HTTPS without tls.certificateRefs. Terminate TLS with the edge certificate's Secret (edge-tls).",
    ]);
    const passthrough = mutate(prod, GATEWAY, "edge", (p) => (p.spec.listeners.find((l: any) => l.name === "https").tls.mode = "Passthrough"));
    assert.match((await messages(passthrough, "gateway-tls"))[0]!, /listener https: HTTPS with tls\.mode Passthrough \(the edge does not terminate TLS\)/);
  });

  it("refuse a route that serves over the plain-HTTP listener: named by sectionName, or without one in the Gateway's namespace", async () => {
    const onHttp = mutate(prod, HTTPROUTE, "edge-v1", (p) => (p.spec.parentRefs[0].sectionName = "http"));
    // The http listener admits routes of its own namespace only (from: Same): edge-v1 (llm-gateway) cannot attach.
    assert.deepEqual(await messages(onHttp, "gateway-tls"), []);
    const redirectServes = mutate(prod, HTTPROUTE, "edge-https-redirect", (p) => {
      p.spec.rules[0].filters = [];
      p.spec.rules[0].backendRefs = [{ name: "gateway-litellm", namespace: "llm-gateway", port: 4000 }];
    });
    assert.deepEqual(await messages(redirectServes, "gateway-tls"), [
      "HTTPRoute ingress-nginx/edge-https-redirect on Gateway ingress-nginx/edge listener http: serves llm.example.com over plain HTTP. Attach it to the HTTPS listener (parentRefs sectionName), or make it a RequestRedirect to https.",
    ]);
    const everyListener = mutate(prod, HTTPROUTE, "edge-https-redirect", (p) => {
      delete p.spec.parentRefs[0].sectionName;
      p.spec.rules[0].filters = [];
    });
    const found = await messages(everyListener, "gateway-tls");
    assert.equal(found.length, 1, found.join("\n"));
    assert.match(found[0]!, /listener http: serves llm\.example\.com over plain HTTP/);
  });

  it("refuse a host the listener's certificate does not name; a wildcard covers exactly one more label", async () => {
    const extra = mutate(prod, HTTPROUTE, "edge-v1", (p) => p.spec.hostnames.push("api.example.com"));
    assert.deepEqual(await messages(extra, "gateway-tls"), [
      "HTTPRoute llm-gateway/edge-v1 on Gateway ingress-nginx/edge listener https: hosts api.example.com are not in the certificate (ingress-nginx/edge-tls: llm.example.com), so clients get a name mismatch. Add them to the Certificate's dnsNames (edge.hosts).",
    ]);
    const wildcard = (hosts: string[]) =>
      mutate(
        mutate(prod, "kubernetes:cert-manager.io/v1:Certificate", "edge-tls", (p) => (p.spec.dnsNames = ["*.example.com"])),
        HTTPROUTE,
        "edge-v1",
        (p) => (p.spec.hostnames = hosts),
      );
    // The other routes still serve llm.example.com: one label under example.com, covered.
    assert.deepEqual(await messages(wildcard(["api.example.com"]), "gateway-tls"), []);
    assert.match((await messages(wildcard(["a.b.example.com"]), "gateway-tls"))[0]!, /hosts a\.b\.example\.com are not in the certificate/);
    assert.match((await messages(wildcard(["example.com"]), "gateway-tls"))[0]!, /hosts example\.com are not in the certificate/);
    const anyHost = mutate(prod, HTTPROUTE, "edge-v1", (p) => delete p.spec.hostnames);
    assert.match(
      (await messages(anyHost, "gateway-tls"))[0]!,
      /edge-v1 .* listener https: serves every host name, but its certificate covers only llm\.example\.com/,
    );
  });

  it("check only the listeners a route can attach to (allowedRoutes: Same, or the backends' namespaces by name)", async () => {
    const outside = mutate(prod, HTTPROUTE, "edge-v1", (p) => {
      p.metadata.namespace = "elsewhere";
      p.spec.hostnames = ["not-ours.example.org"];
    });
    assert.deepEqual(await messages(outside, "gateway-tls"), [], "the https listener selects llm-gateway and llm-data only: the route cannot attach");
  });

  it("refuse a CORS filter allowing * with credentials; accept * without them and listed origins with them", async () => {
    const cors = (origins: string[], credentials?: boolean) =>
      mutate(prod, HTTPROUTE, "edge-v1", (p) => {
        const f = p.spec.rules[0].filters.find((x: any) => x.type === "CORS");
        f.cors.allowOrigins = origins;
        if (credentials === undefined) delete f.cors.allowCredentials;
        else f.cors.allowCredentials = credentials;
      });
    assert.deepEqual(await messages(cors(["*"], true), "cors-no-wildcard-with-credentials"), [
      'HTTPRoute llm-gateway/edge-v1 rule 0: the CORS filter allows origin "*" with allowCredentials true: any site can call the API with the user\'s cookies. List the origins in allowOrigins (edge.cors.origins) or set allowCredentials false.',
    ]);
    assert.deepEqual(await messages(cors(["*"], false), "cors-no-wildcard-with-credentials"), []);
    assert.deepEqual(await messages(cors(["*"]), "cors-no-wildcard-with-credentials"), [], "allowCredentials defaults to false");
    assert.deepEqual(await messages(cors(["https://chat.example.com"], true), "cors-no-wildcard-with-credentials"), []);
  });
});

describe("data protection and network policies", () => {
  let prod: StackPlan;
  // Per test: the synthesis is memoized (tests/fixtures/plans.ts); the host config is derived inside the test.
  beforeEach(async () => {
    prod = await planStack("prod");
  });

  it("protect prod volumes", async () => {
    const v = await evaluate(prod, "stateful-protected-in-prod", "pvc-backup-tier");
    assert.deepEqual(violationsOf(v, "stateful-protected-in-prod"), []);
    assert.deepEqual(violationsOf(v, "pvc-backup-tier"), []);
  });

  it("refuse an unprotected volume in prod", async () => {
    const resources = prod.resources.map((r) => (r.name === "base-models" ? { ...r, opts: { ...r.opts, protect: false } } : r));
    const v = await evaluate({ ...prod, resources }, "stateful-protected-in-prod");
    assert.match(violationsOf(v, "stateful-protected-in-prod")[0]!.message, /PersistentVolumeClaim base-models in stack prod: not protected/);
  });

  it("advise a backup-tier label on every PVC", async () => {
    const v = await evaluate(
      mutate(prod, "kubernetes:core/v1:PersistentVolumeClaim", "base-models", (p) => delete p.metadata.labels["backup-tier"]),
      "pvc-backup-tier",
    );
    const found = violationsOf(v, "pvc-backup-tier");
    assert.equal(found[0]!.level, "advisory");
    assert.match(found[0]!.message, /PVC base-models: backup-tier label is missing/);
  });

  it("refuse app namespaces without a NetworkPolicy", async () => {
    const resources = prod.resources.filter((r) => r.type !== "kubernetes:networking.k8s.io/v1:NetworkPolicy");
    const v = await evaluate({ ...prod, resources }, "network-policy-per-namespace");
    const messages = violationsOf(v, "network-policy-per-namespace").map((x) => x.message);
    assert.equal(messages.length, 3, messages.join("\n"));
    assert.ok(messages.some((m) => /^namespace llm-inference: runs pods but has no NetworkPolicy/.test(m)));
  });
});
