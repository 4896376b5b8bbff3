import { strict as assert } from "node:assert";
import { gateway } from "../../../components/crds";
import { CRD_SCHEMA_FILES, crdSchema } from "../../../components/crds/schemas";
import { validateObjects } from "../../../plan/validate";
import { installMocks, settle } from "../../fixtures/mocks";
import { crdSchemaErrors } from "./crdValidation";

const target = { group: "gateway.networking.k8s.io", kind: "Gateway", name: "edge" };
const valid = {
  gateway: {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "Gateway",
    metadata: { name: "edge", namespace: "edge" },
    spec: {
      gatewayClassName: "nginx",
      listeners: [
        { name: "http", port: 80, protocol: "HTTP" },
        { name: "https", port: 443, protocol: "HTTPS", tls: { mode: "Terminate", certificateRefs: [{ name: "edge-tls" }] } },
      ],
    },
  },
  route: {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name: "chat", namespace: "gw" },
    spec: {
      parentRefs: [{ name: "edge", namespace: "edge", sectionName: "https" }],
      rules: [
        {
          matches: [{ path: { type: "PathPrefix", value: "/chat/v1" } }],
          filters: [{ type: "URLRewrite", urlRewrite: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/v1" } } }],
          backendRefs: [{ name: "litellm", port: 4000 }],
        },
      ],
    },
  },
  rateLimit: {
    apiVersion: "gateway.nginx.org/v1alpha1",
    kind: "RateLimitPolicy",
    metadata: { name: "limits", namespace: "edge" },
    spec: {
      targetRefs: [target],
      rateLimit: { local: { rules: [{ key: "$binary_remote_addr", rate: "10r/s", burst: 50, noDelay: true, zoneSize: "10m" }] }, rejectCode: 429 },
    },
  },
  client: {
    apiVersion: "gateway.nginx.org/v1alpha1",
    kind: "ClientSettingsPolicy",
    metadata: { name: "client", namespace: "edge" },
    spec: { targetRef: target, body: { maxSize: "10m", timeout: "30s" } },
  },
  proxy: {
    apiVersion: "gateway.nginx.org/v1alpha1",
    kind: "ProxySettingsPolicy",
    metadata: { name: "proxy", namespace: "edge" },
    spec: { targetRefs: [target], buffering: { disable: true }, timeout: { connect: "10s", read: "900s", send: "60s" } },
  },
};
type Fixture = keyof typeof valid;

/** A copy of a valid fixture with one change. */
function changed(which: Fixture, mutate: (o: any) => void): any {
  const copy = structuredClone(valid[which]);
  mutate(copy);
  return copy;
}

describe("typed Gateway API and NGINX Gateway Fabric resources (crd2pulumi layout)", () => {
  it("carry the Kubernetes provider's type tokens", () => {
    assert.equal(gateway.v1.Gateway.__pulumiType, "kubernetes:gateway.networking.k8s.io/v1:Gateway");
    assert.equal(gateway.v1.HTTPRoute.__pulumiType, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute");
    assert.equal(gateway.v1alpha1.RateLimitPolicy.__pulumiType, "kubernetes:gateway.nginx.org/v1alpha1:RateLimitPolicy");
    assert.equal(gateway.v1alpha1.ClientSettingsPolicy.__pulumiType, "kubernetes:gateway.nginx.org/v1alpha1:ClientSettingsPolicy");
    assert.equal(gateway.v1alpha1.ProxySettingsPolicy.__pulumiType, "kubernetes:gateway.nginx.org/v1alpha1:ProxySettingsPolicy");
  });

  it("register apiVersion, kind, metadata and spec, and are recognised by isInstance", async () => {
    const recorded = installMocks();
    const policy = new gateway.v1alpha1.RateLimitPolicy("p", { metadata: valid.rateLimit.metadata, spec: valid.rateLimit.spec as any });
    await settle();
    const r = recorded.find((x) => x.name === "p")!;
    assert.equal(r.inputs.apiVersion, "gateway.nginx.org/v1alpha1");
    assert.equal(r.inputs.kind, "RateLimitPolicy");
    assert.deepEqual(r.inputs.spec.targetRefs, [target]);
    assert.ok(gateway.v1alpha1.RateLimitPolicy.isInstance(policy));
    assert.ok(!gateway.v1.HTTPRoute.isInstance(policy));
    assert.ok(!gateway.v1.Gateway.isInstance(null));
  });

  it("look up existing objects by ID without inputs", async () => {
    const recorded = installMocks();
    gateway.v1.Gateway.get("existing", "edge/edge");
    await settle();
    const read = recorded.filter((x) => x.name === "existing");
    assert.equal(read.length, 1);
    assert.equal(read[0]!.inputs.spec, undefined);
  });
});

describe("upstream CRD schemas (components/crds/schemas)", () => {
  it("hold the openAPIV3Schema of each pinned CRD, naming its source", () => {
    for (const key of Object.keys(CRD_SCHEMA_FILES)) {
      const [group, version, kind] = key.split("/") as [string, string, string];
      const crd = crdSchema(`${group}/${version}`, kind)!;
      assert.deepEqual([crd.group, crd.version, crd.kind], [group, version, kind]);
      const source =
        { "gateway.nginx.org": /nginx\/nginx-gateway-fabric tag v2\.6\.7/, "keda.sh": /kedacore\/keda tag v2\.20\.2/ }[group] ??
        /kubernetes-sigs\/gateway-api tag v1\.5\.1/;
      assert.match(crd.source, source, key);
      assert.equal((crd.openAPIV3Schema as any).type, "object");
    }
    assert.equal(crdSchema("gateway.nginx.org/v1alpha1", "SnippetsFilter"), undefined);
  });

  it("accept the valid fixtures", () => {
    for (const obj of Object.values(valid)) assert.deepEqual(crdSchemaErrors(obj), [], obj.kind);
  });

  const refused: [string, Fixture, (o: any) => void, RegExp][] = [
    ["a rate in requests per hour", "rateLimit", (o) => (o.spec.rateLimit.local.rules[0].rate = "10r/h"), /rate must match pattern/],
    ["a zone size in MB", "rateLimit", (o) => (o.spec.rateLimit.local.rules[0].zoneSize = "10MB"), /zoneSize must match pattern/],
    ["a 200 reject code", "rateLimit", (o) => (o.spec.rateLimit.rejectCode = 200), /rejectCode must be >= 400/],
    ["noDelay with delay", "rateLimit", (o) => (o.spec.rateLimit.local.rules[0].delay = 5), /NoDelay cannot be true when Delay is also set/],
    [
      "a target outside the Gateway API group",
      "rateLimit",
      (o) => (o.spec.targetRefs[0].group = "networking.k8s.io"),
      /TargetRef Group must be gateway\.networking\.k8s\.io/,
    ],
    ["a body size in MB", "client", (o) => (o.spec.body.maxSize = "10MB"), /maxSize must match pattern/],
    ["a body timeout of five digits", "client", (o) => (o.spec.body.timeout = "10000s"), /timeout must match pattern/],
    ["a read timeout in days", "proxy", (o) => (o.spec.timeout.read = "1d"), /read must match pattern/],
    [
      "ReplacePrefixMatch on an Exact match",
      "route",
      (o) => (o.spec.rules[0].matches[0].path.type = "Exact"),
      /exactly one PathPrefix match must be specified/,
    ],
    [
      "a redirect with backends",
      "route",
      (o) => o.spec.rules[0].filters.push({ type: "RequestRedirect", requestRedirect: { scheme: "https" } }),
      /must not be used together with backendRefs/,
    ],
    ["a path with a dot segment", "route", (o) => (o.spec.rules[0].matches[0].path.value = "/chat/../v1"), /must not contain '\/\.\.\/'/],
    ["an unknown filter type", "route", (o) => (o.spec.rules[0].filters[0].type = "Rewrite"), /type must be equal to one of the allowed values/],
    [
      "a redirect code the spec has not",
      "route",
      (o) => (o.spec.rules[0].filters = [{ type: "RequestRedirect", requestRedirect: { statusCode: 399 } }]),
      /statusCode must be equal to one of the allowed values/,
    ],
    [
      "an HTTPS listener without certificate",
      "gateway",
      (o) => (o.spec.listeners[1].tls = { mode: "Terminate" }),
      /certificateRefs or options must be specified/,
    ],
    ["TLS on the HTTP listener", "gateway", (o) => (o.spec.listeners[0].tls = valid.gateway.spec.listeners[1]!.tls), /tls must not be specified for protocols/],
    ["two listeners of one name", "gateway", (o) => (o.spec.listeners[1].name = "http"), /Listener name must be unique/],
    ["a port above 65535", "gateway", (o) => (o.spec.listeners[1].port = 70000), /port must be <= 65535/],
  ];
  for (const [what, which, mutate, message] of refused) {
    it(`refuses ${what}`, () => {
      const errors = crdSchemaErrors(changed(which, mutate));
      assert.ok(
        errors.some((e) => message.test(e)),
        errors.join("\n") || "no error",
      );
    });
  }
});

describe("the offline plan's schema check (plan/validate.ts) for CRDs kubernetes-models has no package for", () => {
  it("validates NGF policies against their upstream CRD schema instead of refusing them as unknown", async () => {
    assert.deepEqual(await validateObjects([valid.rateLimit, valid.client, valid.proxy]), []);
    const problems = await validateObjects([changed("client", (o) => (o.spec.body.maxSize = "10MB"))]);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.object, "ClientSettingsPolicy edge/client");
    assert.match(problems[0]!.message, /\/spec\/body\/maxSize must match pattern/);
    const unknown = await validateObjects([{ apiVersion: "gateway.nginx.org/v1alpha1", kind: "SnippetsFilter", metadata: { name: "s" } }]);
    assert.match(unknown[0]!.message, /no schema known for gateway\.nginx\.org\/v1alpha1 SnippetsFilter/);
  });
});
