import { strict as assert } from "node:assert";
import { edgeConfigSchema } from "../../config/edgeSchema";
import { ConfigError, parsePlatformConfig } from "../../config/load";
import { ingressSpec, perReplicaLimit, rateLimitAnnotations } from "../../components/specs/edge";
import { planStack, type StackPlan } from "../fixtures/plans";
import { stackConfig, variant } from "../fixtures/stacks";

const A = "nginx.ingress.kubernetes.io/";
const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";

describe("NginxIngressWithTls", () => {
  let prod: StackPlan;
  let dev: StackPlan;
  before(async () => {
    prod = await planStack("prod");
    dev = await planStack("dev");
  });
  const ingress = (plan: StackPlan, name: string) => plan.resources.find((r) => r.type === INGRESS && r.props.metadata.name === name)!.props;

  it("routes every path to the right Service and port", () => {
    const routes = prod.resources
      .filter((r) => r.type === INGRESS)
      .map((r) => {
        const p = r.props.spec.rules[0].http.paths[0];
        return [r.props.metadata.namespace, p.path, p.backend.service.name, p.backend.service.port.number, r.props.metadata.annotations[`${A}rewrite-target`] ?? null];
      })
      .sort();
    assert.deepEqual(routes, [
      ["llm-data", "/vector-search/(search|search/batch|query|query/batch|scroll|count|recommend)", "qdrant", 6333, "/collections/rag/points/$1"],
      ["llm-gateway", "/chat/v1/(.*)", "litellm", 4000, "/openai/deployments/chatbot/$1"],
      ["llm-gateway", "/code/v1/(.*)", "litellm", 4000, "/openai/deployments/code/$1"],
      ["llm-gateway", "/microservices/v1/(.*)", "litellm", 4000, "/openai/deployments/microservices/$1"],
      ["llm-gateway", "/rag/v1/(.*)", "litellm", 4000, "/openai/deployments/rag/$1"],
      ["llm-gateway", "/v1", "litellm", 4000, null],
    ]);
  });

  it("serves TLS for the hosts from a certificate in each Ingress namespace", () => {
    const chat = ingress(prod, "edge-adapter-chatbot");
    assert.deepEqual(chat.spec.tls, [{ hosts: ["llm.example.com"], secretName: "llm-platform-tls" }]);
    assert.equal(chat.spec.ingressClassName, "nginx");
    const certs = prod.resources.filter((r) => r.type === "kubernetes:cert-manager.io/v1:Certificate" && r.props.spec.secretName === "llm-platform-tls").map((r) => [r.props.metadata.namespace, r.props.spec.secretName, r.props.spec.issuerRef.name]);
    assert.deepEqual(certs.sort(), [
      ["llm-data", "llm-platform-tls", "letsencrypt-production"],
      ["llm-gateway", "llm-platform-tls", "letsencrypt-production"],
    ]);
  });

  it("uses Let's Encrypt production in prod and staging in dev, HTTP-01 on the nginx class", () => {
    const issuer = (plan: StackPlan) => plan.resources.find((r) => r.type === "kubernetes:cert-manager.io/v1:ClusterIssuer")!.props;
    assert.equal(issuer(prod).spec.acme.server, "https://acme-v02.api.letsencrypt.org/directory");
    assert.equal(issuer(dev).spec.acme.server, "https://acme-staging-v02.api.letsencrypt.org/directory");
    assert.deepEqual(issuer(prod).spec.acme.solvers, [{ http01: { ingress: { ingressClassName: "nginx" } } }]);
    assert.equal(issuer(prod).spec.acme.email, "platform-team@example.com");
  });

  it("sets the exact prod annotations: redirect, streaming timeouts, CORS, per-replica limits", () => {
    assert.deepEqual(ingress(prod, "edge-v1").metadata.annotations, {
      [`${A}ssl-redirect`]: "true",
      [`${A}proxy-connect-timeout`]: "10",
      [`${A}proxy-read-timeout`]: "900",
      [`${A}proxy-send-timeout`]: "900",
      [`${A}proxy-buffering`]: "off",
      [`${A}proxy-request-buffering`]: "off",
      [`${A}proxy-body-size`]: "10m",
      [`${A}enable-cors`]: "true",
      [`${A}cors-allow-origin`]: "https://chat.example.com, https://n8n.example.com",
      [`${A}cors-allow-methods`]: "GET, POST, OPTIONS",
      [`${A}cors-allow-headers`]: "Authorization, Content-Type, X-Request-Id",
      [`${A}cors-allow-credentials`]: "false",
      [`${A}cors-max-age`]: "600",
      // 20 rps and 40 connections for the cluster over 2 controller replicas.
      [`${A}limit-rps`]: "10",
      [`${A}limit-connections`]: "20",
      [`${A}limit-burst-multiplier`]: "5",
      [`${A}limit-whitelist`]: "10.0.0.0/8",
    });
    assert.equal(ingress(dev, "edge-v1").metadata.annotations[`${A}limit-rpm`], "600", "one replica in dev");
  });

  it("configures the controller for 308 redirects, HSTS and 429s, keeping client IPs", () => {
    const release = prod.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.props.chart === "ingress-nginx")!.props;
    assert.equal(release.version, "4.15.1");
    const config = release.values.controller.config;
    assert.equal(config["http-redirect-code"], "308");
    assert.equal(config.hsts, "true");
    assert.equal(config["hsts-max-age"], "31536000");
    assert.equal(config["limit-req-status-code"], "429");
    assert.equal(config["allow-snippet-annotations"], "false");
    assert.equal(release.values.controller.service.externalTrafficPolicy, "Local");
    assert.equal(release.values.controller.replicaCount, 2);
  });

  it("validates Ingress, ClusterIssuer and Certificate objects against their schemas", async () => {
    const { Ingress } = await import("kubernetes-models/networking.k8s.io/v1/Ingress");
    const { Certificate } = await import("@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate");
    const { ClusterIssuer } = await import("@kubernetes-models/cert-manager/cert-manager.io/v1/ClusterIssuer");
    for (const r of prod.resources.filter((x) => x.type === INGRESS)) new Ingress(r.props as any).validate();
    for (const r of prod.resources.filter((x) => x.type === "kubernetes:cert-manager.io/v1:Certificate")) new Certificate(r.props as any).validate();
    const issuer = prod.resources.find((x) => x.type === "kubernetes:cert-manager.io/v1:ClusterIssuer")!.props;
    new ClusterIssuer(issuer as any).validate();
    assert.throws(() => new ClusterIssuer({ ...issuer, spec: { acme: { ...issuer.spec.acme, server: 42 } } } as any).validate());
  });
});

describe("edge configuration", () => {
  const prod = stackConfig("prod");

  it("divides cluster-wide limits by controller replicas, never below 1", () => {
    assert.equal(perReplicaLimit(20, 2), 10);
    assert.equal(perReplicaLimit(20, 3), 6);
    assert.equal(perReplicaLimit(2, 4), 1);
    const annotations = rateLimitAnnotations({ rps: 30, rpm: 600, connections: 10, burstMultiplier: 3, allowlist: [] }, 3);
    assert.deepEqual(annotations, {
      [`${A}limit-rps`]: "10",
      [`${A}limit-rpm`]: "200",
      [`${A}limit-connections`]: "3",
      [`${A}limit-burst-multiplier`]: "3",
    });
  });

  it('refuses CORS "*" together with credentials, naming the key', () => {
    assert.throws(
      () => parsePlatformConfig(variant(prod, (c) => (c.edge.cors = { origins: ["*"], allowCredentials: true }))),
      (e: unknown) => e instanceof ConfigError && /llm-platform:edge\.cors\.origins: must list explicit origins when allowCredentials is true/.test(e.message),
    );
    assert.doesNotThrow(() => parsePlatformConfig(variant(prod, (c) => (c.edge.cors = { origins: ["*"], allowCredentials: false }))));
  });

  it("refuses malformed hosts, origins, e-mails and ACME environments", () => {
    const issues = (edge: unknown) => edgeConfigSchema.safeParse(edge).error?.issues.map((i) => i.path.join(".")) ?? [];
    const base = { hosts: ["llm.example.com"], email: "a@example.com", acme: "staging" };
    assert.deepEqual(issues({ ...base, hosts: ["not a host"] }), ["hosts.0"]);
    assert.deepEqual(issues({ ...base, email: "nobody" }), ["email"]);
    assert.deepEqual(issues({ ...base, acme: "prod" }), ["acme"]);
    assert.deepEqual(issues({ ...base, cors: { origins: ["chat.example.com"] } }), ["cors.origins.0"]);
    assert.deepEqual(issues({ ...base, maxBodySize: "10MB" }), ["maxBodySize"]);
  });

  it("renders no rewrite for pass-through routes", () => {
    const edge = edgeConfigSchema.parse({ hosts: ["a.example.com"], email: "a@example.com", acme: "staging" });
    const spec = ingressSpec(edge, "v1", { path: "/v1", service: { name: "litellm", namespace: "gw", port: 4000 } }) as any;
    assert.equal(spec.spec.rules[0].http.paths[0].pathType, "Prefix");
    assert.equal(spec.metadata.annotations[`${A}rewrite-target`], undefined);
  });
});
