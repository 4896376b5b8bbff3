import { strict as assert } from "node:assert";
import { corsNoWildcardWithCredentials, gatewayTls, ingressTls } from "../../policies/edge";
import { evaluatePolicies, type PlannedResource } from "../../policies/evaluate";

/**
 * gateway-tls and the CORS/Ingress checks on small hand-made plans (#23): which routes a listener admits
 * (Gateway API allowedRoutes: Same by default, All, Selector on kubernetes.io/metadata.name), which host a
 * certificate name covers (a wildcard covers exactly one label), and the plain-HTTP redirect.
 */
const GATEWAY = "kubernetes:gateway.networking.k8s.io/v1:Gateway";
const ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute";
const CERT = "kubernetes:cert-manager.io/v1:Certificate";
const res = (type: string, name: string, namespace: string, spec: Record<string, unknown>, extra: Record<string, unknown> = {}): PlannedResource => ({
  type,
  name,
  urn: `urn:pulumi:test::p::${type}::${name}`,
  props: { metadata: { name, namespace, ...extra }, spec },
});

const https = (extra: Record<string, unknown> = {}) => ({
  name: "https",
  protocol: "HTTPS",
  port: 443,
  tls: { mode: "Terminate", certificateRefs: [{ name: "edge-tls" }] },
  ...extra,
});
const gateway = (listeners: unknown[]) => res(GATEWAY, "edge", "edge", { listeners });
const cert = (dnsNames: string[]) => res(CERT, "edge", "edge", { secretName: "edge-tls", dnsNames });
const route = (hostnames: string[] | undefined, namespace = "edge", spec: Record<string, unknown> = {}) =>
  res(ROUTE, "chat", namespace, {
    parentRefs: [{ name: "edge", namespace: "edge" }],
    ...(hostnames ? { hostnames } : {}),
    rules: [{ backendRefs: [{ name: "gw", port: 4000 }] }],
    ...spec,
  });
const tls = async (resources: PlannedResource[]) => (await evaluatePolicies(resources, undefined, [gatewayTls])).map((v) => v.message);

describe("gateway-tls on hand-made plans (#23)", () => {
  it("a host the certificate names passes; a wildcard covers one label, not the apex nor two labels", async () => {
    assert.deepEqual(await tls([gateway([https()]), cert(["llm.example.com"]), route(["llm.example.com"])]), []);
    assert.deepEqual(await tls([gateway([https()]), cert(["*.example.com"]), route(["llm.example.com"])]), []);
    for (const host of ["example.com", "a.llm.example.com", "llm.example.org"]) {
      assert.deepEqual(
        await tls([gateway([https()]), cert(["*.example.com"]), route([host])]),
        [
          `HTTPRoute edge/chat on Gateway edge/edge listener https: hosts ${host} are not in the certificate (edge/edge: *.example.com), so clients get a name mismatch. Add them to the Certificate's dnsNames (edge.hosts).`,
        ],
        host,
      );
    }
    // A wildcard host is covered only by the same wildcard.
    assert.equal((await tls([gateway([https()]), cert(["*.example.com"]), route(["*.example.com"])])).length, 0);
    assert.equal((await tls([gateway([https()]), cert(["llm.example.com"]), route(["*.example.com"])])).length, 1);
  });

  it("a route without hostnames takes the listener's; with neither it serves every host", async () => {
    assert.deepEqual(await tls([gateway([https({ hostname: "llm.example.com" })]), cert(["llm.example.com"]), route(undefined)]), []);
    assert.deepEqual(await tls([gateway([https()]), cert(["llm.example.com", "api.example.com"]), route(undefined)]), [
      "HTTPRoute edge/chat on Gateway edge/edge listener https: serves every host name, but its certificate covers only llm.example.com, api.example.com. List the hosts in spec.hostnames (edge.hosts).",
    ]);
    // A Secret made outside the plan: its names cannot be read, nothing is said.
    assert.deepEqual(await tls([gateway([https()]), route(["x.example.org"])]), []);
  });

  it("HTTPS listeners terminate TLS with a certificate", async () => {
    assert.deepEqual(await tls([gateway([https({ tls: { mode: "Passthrough", certificateRefs: [{ name: "edge-tls" }] } })])]), [
      "Gateway edge/edge listener https: HTTPS with tls.mode Passthrough (the edge does not terminate TLS). Terminate TLS with the edge certificate's Secret (edge-tls).",
    ]);
    assert.deepEqual(await tls([gateway([https({ tls: {} })])]), [
      "Gateway edge/edge listener https: HTTPS without tls.certificateRefs. Terminate TLS with the edge certificate's Secret (edge-tls).",
    ]);
    assert.deepEqual(await tls([gateway([https({ tls: { certificateRefs: [{ name: "edge-tls" }] } })])]), [], "Terminate is the default mode");
  });

  it("plain HTTP carries only a redirect to https", async () => {
    const http = { name: "http", protocol: "HTTP", port: 80 };
    const redirect = { rules: [{ filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https" } }] }] };
    assert.deepEqual(await tls([gateway([http]), route(["llm.example.com"], "edge", redirect)]), []);
    assert.deepEqual(await tls([gateway([http]), route(["llm.example.com"])]), [
      "HTTPRoute edge/chat on Gateway edge/edge listener http: serves llm.example.com over plain HTTP. Attach it to the HTTPS listener (parentRefs sectionName), or make it a RequestRedirect to https.",
    ]);
    assert.equal(
      (await tls([gateway([http]), route(undefined)]))[0],
      "HTTPRoute edge/chat on Gateway edge/edge listener http: serves every host over plain HTTP. Attach it to the HTTPS listener (parentRefs sectionName), or make it a RequestRedirect to https.",
    );
    // A redirect to http, or a redirect that also forwards, is not enough; no rules at all is not a redirect.
    for (const rules of [
      [{ filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "http" } }] }],
      [{ filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https" } }], backendRefs: [{ name: "gw" }] }],
      [],
    ]) {
      assert.equal((await tls([gateway([http]), route(["llm.example.com"], "edge", { rules })])).length, 1, JSON.stringify(rules));
    }
    // sectionName picks the listener: a route on the HTTPS section is not judged as plain HTTP.
    const both = gateway([http, https()]);
    const onHttps = res(ROUTE, "chat", "edge", {
      parentRefs: [{ name: "edge", sectionName: "https" }],
      hostnames: ["llm.example.com"],
      rules: [{ backendRefs: [{ name: "gw" }] }],
    });
    assert.deepEqual(await tls([both, cert(["llm.example.com"]), onHttps]), []);
    // Another kind of parent is not a Gateway.
    const other = res(ROUTE, "chat", "edge", { parentRefs: [{ name: "edge", kind: "Service", group: "" }], rules: [] });
    assert.deepEqual(await tls([gateway([http]), other]), []);
  });

  it("judges only the routes a listener admits: Same namespace by default, All, or a namespace selector", async () => {
    const http = (allowedRoutes?: unknown) => ({ name: "http", protocol: "HTTP", port: 80, ...(allowedRoutes ? { allowedRoutes } : {}) });
    const elsewhere = route(["llm.example.com"], "apps");
    assert.deepEqual(await tls([gateway([http()]), elsewhere]), [], "Same: a route of another namespace is not attached");
    assert.equal((await tls([gateway([http({ namespaces: { from: "All" } })]), elsewhere])).length, 1);
    const selector = (s: unknown) => gateway([http({ namespaces: { from: "Selector", selector: s } })]);
    const NAME = "kubernetes.io/metadata.name";
    assert.equal((await tls([selector({ matchLabels: { [NAME]: "apps" } }), elsewhere])).length, 1);
    assert.equal((await tls([selector({ matchLabels: { [NAME]: "other" } }), elsewhere])).length, 0);
    assert.equal((await tls([selector({ matchExpressions: [{ key: NAME, operator: "In", values: ["apps"] }] }), elsewhere])).length, 1);
    assert.equal((await tls([selector({ matchExpressions: [{ key: NAME, operator: "In", values: ["other"] }] }), elsewhere])).length, 0);
    assert.equal((await tls([selector({ matchExpressions: [{ key: NAME, operator: "NotIn", values: ["apps"] }] }), elsewhere])).length, 0);
    assert.equal((await tls([selector({ matchExpressions: [{ key: NAME, operator: "NotIn", values: ["other"] }] }), elsewhere])).length, 1);
    // Labels other than the namespace name cannot be read from the plan: admitted.
    assert.equal(
      (await tls([selector({ matchLabels: { team: "x" }, matchExpressions: [{ key: "team", operator: "In", values: ["y"] }] }), elsewhere])).length,
      1,
    );
  });
});

describe("ingress-tls and CORS on hand-made resources (#23)", () => {
  const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
  const ingress = (spec: Record<string, unknown>, annotations: Record<string, string> = {}) => res(INGRESS, "chat", "edge", spec, { annotations });
  const run = async (r: PlannedResource, policy = ingressTls) => (await evaluatePolicies([r], undefined, [policy])).map((v) => v.message);

  it("every host of an Ingress is in spec.tls", async () => {
    assert.deepEqual(await run(ingress({ rules: [{ host: "a.example.com" }], tls: [{ hosts: ["a.example.com"] }] })), []);
    assert.deepEqual(await run(ingress({ rules: [{ host: "a.example.com" }, { host: "b.example.com" }], tls: [{ hosts: ["a.example.com"] }] })), [
      "Ingress edge/chat: hosts b.example.com are not in spec.tls; traffic would be plain HTTP. Add spec.tls with the hosts and the certificate secret.",
    ]);
    assert.deepEqual(await run(ingress({ rules: [{}] })), [
      "Ingress edge/chat: has no host; traffic would be plain HTTP. Add spec.tls with the hosts and the certificate secret.",
    ]);
  });

  it("CORS: any origin with credentials is refused, on an Ingress and on an HTTPRoute filter", async () => {
    const cors = (a: Record<string, string>) => run(ingress({}, { "nginx.ingress.kubernetes.io/enable-cors": "true", ...a }), corsNoWildcardWithCredentials);
    assert.deepEqual(
      await cors({ "nginx.ingress.kubernetes.io/cors-allow-origin": "https://a.example.com, *", "nginx.ingress.kubernetes.io/cors-allow-credentials": "true" }),
      [
        `Ingress chat: CORS allows origin "*" with credentials (cors-allow-credentials true): any site can call the API with the user's cookies. List origins in cors-allow-origin or set cors-allow-credentials "false".`,
      ],
    );
    assert.deepEqual(await cors({ "nginx.ingress.kubernetes.io/cors-allow-origin": "https://a.example.com" }), []);
    assert.deepEqual(await run(ingress({}, { "nginx.ingress.kubernetes.io/enable-cors": "false" }), corsNoWildcardWithCredentials), []);
    const filter = (cors: Record<string, unknown>) =>
      res(ROUTE, "chat", "edge", { rules: [{ filters: [{ type: "RequestHeaderModifier" }] }, { filters: [{ type: "CORS", cors }] }] });
    assert.deepEqual(await run(filter({ allowOrigins: ["*"], allowCredentials: true }), corsNoWildcardWithCredentials), [
      `HTTPRoute edge/chat rule 1: the CORS filter allows origin "*" with allowCredentials true: any site can call the API with the user's cookies. List the origins in allowOrigins (edge.cors.origins) or set allowCredentials false.`,
    ]);
    assert.deepEqual(await run(filter({ allowOrigins: ["*"] }), corsNoWildcardWithCredentials), [], "Gateway API's allowCredentials defaults to false");
    assert.deepEqual(await run(filter({ allowOrigins: ["https://a.example.com"], allowCredentials: true }), corsNoWildcardWithCredentials), []);
  });
});
