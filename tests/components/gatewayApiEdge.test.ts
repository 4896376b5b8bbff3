import { strict as assert } from "node:assert";
import { GatewayApiEdge } from "../../components/gatewayApiEdge";
import { resolveHsts, resolveTimeouts, type EdgeRoute } from "../../components/specs/edge";
import { gatewaySpec, rateLimitPolicySpec, rateLimitRules, routeRules, type GatewayApiSettings } from "../../components/specs/gatewayApiEdge";
import { parsePlatformConfig } from "../../config/load";
import { acmeSolverNamespaces, edgeCertificate, edgeReplicas, gatewayApiEdgeArgs } from "../../platform/edge";
import { kubernetesNames, renderComponents, unwrap, valueOf, type Rendering } from "../fixtures/components";
import { planStack, type StackPlan } from "../fixtures/plans";
import { stackConfig, variant } from "../fixtures/stacks";
import { crdSchemaErrors } from "./crds/crdValidation";

const T = {
  component: "llm-platform:index:GatewayApiEdge",
  gateway: "kubernetes:gateway.networking.k8s.io/v1:Gateway",
  route: "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
  rateLimit: "kubernetes:gateway.nginx.org/v1alpha1:RateLimitPolicy",
  client: "kubernetes:gateway.nginx.org/v1alpha1:ClientSettingsPolicy",
  proxy: "kubernetes:gateway.nginx.org/v1alpha1:ProxySettingsPolicy",
  certificate: "kubernetes:cert-manager.io/v1:Certificate",
  issuer: "kubernetes:cert-manager.io/v1:ClusterIssuer",
};

const gw = { name: "litellm", namespace: "gw", port: 4000 };
const routes: EdgeRoute[] = [
  { key: "v1", prefix: "/v1", service: gw },
  { key: "adapter-chat", prefix: "/chat/v1", service: gw, upstreamPrefix: "/v1" },
  {
    key: "vector-search",
    prefix: "/vector-search",
    service: { name: "qdrant", namespace: "data", port: 6333 },
    upstreamPrefix: "/collections/rag/points",
    exactSuffixes: ["search", "search/batch"],
  },
];
const settings: GatewayApiSettings = {
  component: "edge",
  namespace: "edge-system",
  gatewayClassName: "nginx",
  hosts: ["llm.example.com"],
  tlsSecret: "edge-tls",
  hsts: resolveHsts(undefined),
  rateLimits: {},
  timeouts: resolveTimeouts(undefined),
  maxBodySize: "10m",
  replicas: 2,
};

describe("GatewayApiEdge", () => {
  describe("specs", () => {
    it("listens on HTTP for its own namespace's routes only and on HTTPS, with the edge certificate, for the backends' namespaces", () => {
      const spec = gatewaySpec(settings, routes).spec as any;
      assert.deepEqual(
        spec.listeners.map((l: any) => [l.name, l.port, l.protocol, l.allowedRoutes.namespaces.from]),
        [
          ["http", 80, "HTTP", "Same"],
          ["https", 443, "HTTPS", "Selector"],
        ],
      );
      const https = spec.listeners[1];
      assert.deepEqual(https.tls, { mode: "Terminate", certificateRefs: [{ group: "", kind: "Secret", name: "edge-tls" }] });
      assert.deepEqual(https.allowedRoutes.namespaces.selector.matchExpressions, [
        { key: "kubernetes.io/metadata.name", operator: "In", values: ["gw", "data"] },
      ]);
      assert.equal(spec.listeners[0].tls, undefined);
      assert.deepEqual(
        spec.infrastructure.labels,
        { "app.kubernetes.io/part-of": "llm-platform", "llm-platform.io/edge": "edge" },
        "labels NGF puts on the data-plane pods",
      );
    });

    it("rewrites a prefix with ReplacePrefixMatch, passes /v1 through, and allows only the listed vector-search suffixes, Exact", () => {
      const rewrite = (r: any) => r.filters.find((f: any) => f.type === "URLRewrite")?.urlRewrite.path;
      const [v1] = routeRules(settings, routes[0]!) as any[];
      assert.deepEqual(v1.matches, [{ path: { type: "PathPrefix", value: "/v1" } }]);
      assert.equal(rewrite(v1), undefined);
      const [chat] = routeRules(settings, routes[1]!) as any[];
      assert.deepEqual(chat.matches, [{ path: { type: "PathPrefix", value: "/chat/v1" } }]);
      assert.deepEqual(rewrite(chat), { type: "ReplacePrefixMatch", replacePrefixMatch: "/v1" });
      const vs = routeRules(settings, routes[2]!) as any[];
      assert.deepEqual(
        vs.map((r) => [r.matches, rewrite(r), r.backendRefs]),
        [
          [
            [{ path: { type: "Exact", value: "/vector-search/search" } }],
            { type: "ReplaceFullPath", replaceFullPath: "/collections/rag/points/search" },
            [{ group: "", kind: "Service", name: "qdrant", port: 6333 }],
          ],
          [
            [{ path: { type: "Exact", value: "/vector-search/search/batch" } }],
            { type: "ReplaceFullPath", replaceFullPath: "/collections/rag/points/search/batch" },
            [{ group: "", kind: "Service", name: "qdrant", port: 6333 }],
          ],
        ],
      );
    });

    it("sends HSTS on every HTTPS rule, CORS only when configured, and sets no rule timeouts (NGF refuses rules[].timeouts)", () => {
      const plain = routeRules(settings, routes[1]!) as any[];
      assert.deepEqual(
        plain[0].filters.map((f: any) => f.type),
        ["ResponseHeaderModifier", "URLRewrite"],
      );
      assert.deepEqual(plain[0].filters[0].responseHeaderModifier, {
        set: [{ name: "Strict-Transport-Security", value: "max-age=31536000; includeSubDomains" }],
      });
      const withCors = routeRules(
        {
          ...settings,
          cors: { origins: ["https://a.example.com"], methods: ["POST"], headers: ["Authorization"], allowCredentials: false, maxAgeSeconds: 60 },
          hsts: { maxAgeSeconds: 63072000, includeSubdomains: true, preload: true },
        },
        routes[0]!,
      ) as any[];
      assert.deepEqual(withCors[0].filters[0], {
        type: "CORS",
        cors: { allowOrigins: ["https://a.example.com"], allowMethods: ["POST"], allowHeaders: ["Authorization"], allowCredentials: false, maxAge: 60 },
      });
      assert.equal(withCors[0].filters[1].responseHeaderModifier.set[0].value, "max-age=63072000; includeSubDomains; preload");
      for (const r of [...plain, ...withCors]) assert.equal(r.timeouts, undefined);
    });

    it("limits per client address and per API key, per replica, with burst = rate × multiplier, refusing with 429", () => {
      assert.deepEqual(rateLimitRules({ rps: 20, rpm: 600, burstMultiplier: 3, perApiKey: { rps: 40 } }, 2), [
        { key: "$binary_remote_addr", rate: "10r/s", burst: 30, noDelay: true, zoneSize: "10m" },
        { key: "$binary_remote_addr", rate: "300r/m", burst: 900, noDelay: true, zoneSize: "10m" },
        { key: "$http_authorization", rate: "20r/s", burst: 60, noDelay: true, zoneSize: "10m" },
      ]);
      assert.deepEqual(rateLimitRules({ perApiKey: { rpm: 7 } }, 3), [{ key: "$http_authorization", rate: "2r/m", burst: 10, noDelay: true, zoneSize: "10m" }]);
      assert.equal(rateLimitPolicySpec(settings), undefined, "no limits, no policy");
      const policy = rateLimitPolicySpec({ ...settings, rateLimits: { rps: 4 } })!;
      assert.deepEqual((policy.spec as any).targetRefs, [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "edge" }]);
      assert.equal((policy.spec as any).rateLimit.rejectCode, 429);
    });
  });

  describe("component", () => {
    let rendering: Rendering;
    let outputs: Record<string, unknown>;
    before(async () => {
      rendering = await renderComponents(() => {
        const edge = new GatewayApiEdge("edge", {
          namespace: "edge-system",
          gatewayClassName: "nginx",
          hosts: ["llm.example.com"],
          routes,
          acme: { email: "ops@example.com" },
          cors: { origins: ["https://chat.example.com"] },
          rateLimits: { rps: 20, perApiKey: { rps: 40 } },
          timeouts: { readSeconds: 600, clientBodySeconds: 20 },
          maxBodySize: "4m",
          dataPlaneReplicas: 2,
          overrides: {
            gateway: { metadata: { annotations: { "example.com/owner": "platform" } } },
            proxySettingsPolicy: { spec: { timeout: { connect: "5s" } } },
          },
        });
        // A second instance in the same namespace and cluster.
        new GatewayApiEdge("edge-b", {
          namespace: "edge-system",
          gatewayClassName: "nginx",
          hosts: ["b.example.com"],
          routes,
          acme: { email: "ops@example.com" },
        });
        return edge;
      });
      const edge = (rendering as unknown as { result: GatewayApiEdge }).result;
      outputs = {
        gatewayName: await valueOf(edge.gatewayName),
        gatewayNamespace: await valueOf(edge.gatewayNamespace),
        urls: await valueOf(edge.urls),
        tlsSecretName: await valueOf(edge.tlsSecretName),
        issuerName: await valueOf(edge.issuerName),
        hosts: await valueOf(edge.hosts),
      };
    });

    it("declares the Gateway, certificate, issuer, redirect, one HTTPRoute per route and the NGF policies, all parented to it", () => {
      const component = rendering.get(T.component, "edge").urn;
      assert.deepEqual(
        rendering.resources
          .filter((r) => r.parent === component)
          .map((r) => `${r.type.split(":").pop()} ${r.name}`)
          .sort(),
        [
          "Certificate edge-certificate",
          "ClientSettingsPolicy edge-client-settings",
          "ClusterIssuer edge-issuer",
          "Gateway edge-gateway",
          "HTTPRoute edge-adapter-chat",
          "HTTPRoute edge-https-redirect",
          "HTTPRoute edge-v1",
          "HTTPRoute edge-vector-search",
          "ProxySettingsPolicy edge-proxy-settings",
          "RateLimitPolicy edge-rate-limits",
        ],
      );
      assert.equal(
        rendering.resources.filter((r) => r.parent === rendering.get(T.component, "edge-b").urn && r.type === T.rateLimit).length,
        0,
        "no limits configured, no policy",
      );
    });

    it("names objects after the component and puts each HTTPRoute in its backend's namespace", () => {
      const meta = (type: string, name: string) => unwrap(rendering.get(type, name).inputs).metadata;
      assert.deepEqual([meta(T.gateway, "edge-gateway").name, meta(T.gateway, "edge-gateway").namespace], ["edge", "edge-system"]);
      assert.deepEqual([meta(T.route, "edge-v1").name, meta(T.route, "edge-v1").namespace], ["edge-v1", "gw"]);
      assert.deepEqual([meta(T.route, "edge-vector-search").name, meta(T.route, "edge-vector-search").namespace], ["edge-vector-search", "data"]);
      assert.equal(meta(T.issuer, "edge-issuer").name, "edge-acme");
      const cert = unwrap(rendering.get(T.certificate, "edge-certificate").inputs);
      assert.deepEqual(
        [cert.metadata.name, cert.metadata.namespace, cert.spec.secretName, cert.spec.issuerRef.name, cert.spec.dnsNames],
        ["edge-tls", "edge-system", "edge-tls", "edge-acme", ["llm.example.com"]],
      );
      for (const name of ["edge-v1", "edge-https-redirect"]) {
        assert.deepEqual(unwrap(rendering.get(T.route, name).inputs).spec.hostnames, ["llm.example.com"]);
      }
    });

    it("solves HTTP-01 through an HTTPRoute cert-manager attaches to the Gateway's HTTP listener, behind a ClusterIP Service", () => {
      const solvers = unwrap(rendering.get(T.issuer, "edge-issuer").inputs).spec.acme.solvers;
      assert.deepEqual(solvers, [
        {
          http01: {
            gatewayHTTPRoute: {
              parentRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "edge", namespace: "edge-system", sectionName: "http" }],
              serviceType: "ClusterIP",
            },
          },
        },
      ]);
      const redirect = unwrap(rendering.get(T.route, "edge-https-redirect").inputs).spec;
      assert.deepEqual(redirect.parentRefs, solvers[0].http01.gatewayHTTPRoute.parentRefs, "the redirect and the solver share the listener");
      assert.deepEqual(redirect.rules, [
        {
          matches: [{ path: { type: "PathPrefix", value: "/" } }],
          filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 308 } }],
        },
      ]);
    });

    it("orders the certificate after its issuer and the Gateway, and routes and policies after the Gateway", () => {
      const gateway = rendering.get(T.gateway, "edge-gateway").urn;
      const cert = rendering.get(T.certificate, "edge-certificate");
      assert.ok(cert.dependencies.includes(gateway) && cert.dependencies.includes(rendering.get(T.issuer, "edge-issuer").urn));
      for (const [type, name] of [
        [T.route, "edge-v1"],
        [T.route, "edge-https-redirect"],
        [T.rateLimit, "edge-rate-limits"],
        [T.client, "edge-client-settings"],
        [T.proxy, "edge-proxy-settings"],
      ] as const) {
        assert.ok(rendering.get(type, name).dependencies.includes(gateway), name);
      }
    });

    it("bounds bodies and slow uploads, streams responses with long read timeouts, and merges overrides last", () => {
      const client = unwrap(rendering.get(T.client, "edge-client-settings").inputs).spec;
      assert.deepEqual(client, { targetRef: { group: "gateway.networking.k8s.io", kind: "Gateway", name: "edge" }, body: { maxSize: "4m", timeout: "20s" } });
      const proxy = unwrap(rendering.get(T.proxy, "edge-proxy-settings").inputs).spec;
      assert.deepEqual(proxy.buffering, { disable: true });
      assert.deepEqual(proxy.timeout, { connect: "5s", read: "600s", send: "60s" }, "override of connect merged into the defaults");
      assert.equal(unwrap(rendering.get(T.gateway, "edge-gateway").inputs).metadata.annotations["example.com/owner"], "platform");
      const limits = unwrap(rendering.get(T.rateLimit, "edge-rate-limits").inputs).spec.rateLimit.local.rules;
      assert.deepEqual(
        limits.map((r: any) => [r.key, r.rate]),
        [
          ["$binary_remote_addr", "10r/s"],
          ["$http_authorization", "20r/s"],
        ],
      );
    });

    it("exposes its Gateway, URLs, TLS Secret, issuer and hosts as outputs", () => {
      assert.deepEqual(outputs, {
        gatewayName: "edge",
        gatewayNamespace: "edge-system",
        urls: { v1: "https://llm.example.com/v1", "adapter-chat": "https://llm.example.com/chat/v1", "vector-search": "https://llm.example.com/vector-search" },
        tlsSecretName: "edge-tls",
        issuerName: "edge-acme",
        hosts: ["llm.example.com"],
      });
    });

    it("passes the upstream schemas: @kubernetes-models/gateway-api and the CRDs' own openAPIV3Schema and CEL rules", async () => {
      const { Gateway } = await import("@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/Gateway");
      const { HTTPRoute } = await import("@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute");
      const custom = rendering.resources.filter((r) => r.type.startsWith("kubernetes:gateway."));
      assert.equal(custom.length, 15);
      for (const r of custom) {
        const obj = unwrap(r.inputs);
        if (obj.kind === "Gateway") new Gateway(obj).validate();
        if (obj.kind === "HTTPRoute") new HTTPRoute(obj).validate();
        assert.deepEqual(crdSchemaErrors(obj), [], `${obj.kind} ${obj.metadata.name}`);
      }
    });

    it("lets two instances coexist in one namespace: no Kubernetes name collides", () => {
      const names = kubernetesNames(rendering.resources);
      assert.equal(names.length, 19);
      assert.equal(new Set(names).size, names.length, names.join("\n"));
    });

    it("refuses no hosts and repeated route keys, naming the fix", async () => {
      const base = { namespace: "e", gatewayClassName: "nginx", acme: { email: "a@example.com" } };
      await assert.rejects(
        renderComponents(() => new GatewayApiEdge("e", { ...base, hosts: [], routes })),
        /hosts is empty; give at least one/,
      );
      await assert.rejects(
        renderComponents(() => new GatewayApiEdge("e", { ...base, hosts: ["a.example.com"], routes: [routes[1]!, routes[1]!] })),
        /route key "adapter-chat" is used twice/,
      );
    });
  });

  describe("in the prod stack", () => {
    let prod: StackPlan;
    before(async () => {
      prod = await planStack("prod");
    });
    const of = (type: string) => prod.resources.filter((r) => r.type === type).map((r) => r.props);

    it("renders a Gateway with an HTTPS listener, its cert-manager certificate, the redirect, HTTPRoutes with rewrites, CORS and rate limits — and no Ingress", () => {
      const [gateway] = of(T.gateway);
      assert.equal(gateway.spec.gatewayClassName, "nginx");
      assert.equal(gateway.metadata.namespace, "ingress-nginx");
      assert.ok(gateway.spec.listeners.some((l: any) => l.protocol === "HTTPS" && l.tls.certificateRefs[0].name === "edge-tls"));
      const cert = of(T.certificate).find((c) => c.spec.secretName === "edge-tls")!;
      assert.deepEqual([cert.metadata.namespace, cert.spec.issuerRef.name, cert.spec.dnsNames], ["ingress-nginx", "edge-acme", ["llm.example.com"]]);
      const config = parsePlatformConfig(stackConfig("prod"));
      assert.deepEqual(acmeSolverNamespaces(config), [cert.metadata.namespace], "the HTTP-01 solver pods run beside the Gateway");
      assert.deepEqual(edgeCertificate(config), { name: cert.metadata.name, namespaces: [cert.metadata.namespace] }, "what the smoke test and docs point at");
      const three = parsePlatformConfig(variant(stackConfig("prod"), (c) => (c.edge.gatewayApi.replicas = 3))).edge!;
      assert.equal(edgeReplicas(three), 3, "edge.gatewayApi.replicas, not edge.ingressNginx.replicas");
      const issuer = of(T.issuer)[0]!;
      assert.equal(issuer.spec.acme.server, "https://acme-v02.api.letsencrypt.org/directory");
      const routes = of(T.route);
      assert.deepEqual(routes.map((r) => `${r.metadata.namespace}/${r.metadata.name}`).sort(), [
        "ingress-nginx/edge-https-redirect",
        "llm-data/edge-vector-search",
        "llm-gateway/edge-adapter-chatbot",
        "llm-gateway/edge-adapter-code",
        "llm-gateway/edge-adapter-microservices",
        "llm-gateway/edge-adapter-rag",
        "llm-gateway/edge-v1",
      ]);
      const chatbot = routes.find((r) => r.metadata.name === "edge-adapter-chatbot")!;
      assert.deepEqual(chatbot.spec.rules[0].matches, [{ path: { type: "PathPrefix", value: "/chat/v1" } }]);
      assert.deepEqual(chatbot.spec.rules[0].filters.find((f: any) => f.type === "CORS").cors.allowOrigins, [
        "https://chat.example.com",
        "https://n8n.example.com",
      ]);
      assert.deepEqual(
        routes.find((r) => r.metadata.name === "edge-vector-search")!.spec.rules.map((r: any) => r.matches[0].path.value),
        ["/vector-search/search", "/vector-search/search/batch", "/vector-search/query", "/vector-search/query/batch"],
        "search and query only: no scroll or count through the shared read key",
      );
      assert.deepEqual(
        of(T.rateLimit)[0].spec.rateLimit.local.rules.map((r: any) => [r.key, r.rate, r.burst]),
        [
          ["$binary_remote_addr", "10r/s", 50],
          ["$http_authorization", "20r/s", 100],
        ],
      );
      assert.equal(prod.resources.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:Ingress").length, 0);
    });

    it("installs NGINX Gateway Fabric from its OCI chart, the Gateway API CRDs and cert-manager with its Gateway API support", () => {
      const release = prod.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && String(r.props.chart).endsWith("nginx-gateway-fabric"))!;
      assert.equal(release.props.chart, "oci://ghcr.io/nginx/charts/nginx-gateway-fabric");
      assert.equal(release.props.version, "2.6.7");
      assert.equal(release.props.values.nginxGateway.gatewayClassName, "nginx");
      assert.equal(release.props.values.nginx.replicas, 2);
      const crds = prod.resources.find((r) => r.type === "kubernetes:yaml/v2:ConfigFile")!;
      assert.equal(crds.props.file, "https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.5.1/standard-install.yaml");
      const certManager = prod.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.props.chart === "cert-manager")!;
      assert.deepEqual(certManager.props.values.config.gatewayAPI, { enabled: true });
      assert.equal(
        prod.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.props.chart === "ingress-nginx").length,
        0,
        "no retired controller in prod",
      );
    });

    it("validates every prod Gateway API and NGF object against the upstream CRD schemas", () => {
      const objects = prod.resources.filter((r) => r.type.startsWith("kubernetes:gateway."));
      assert.equal(objects.length, 11);
      for (const r of objects) assert.deepEqual(crdSchemaErrors(r.props), [], r.name);
    });
  });

  it("takes its args from config in one place (platform/edge.ts)", () => {
    const config = parsePlatformConfig(stackConfig("prod"));
    const args = gatewayApiEdgeArgs(config, config.edge!);
    assert.deepEqual([args.namespace, args.gatewayClassName, args.dataPlaneReplicas, args.maxBodySize], ["ingress-nginx", "nginx", 2, "10m"]);
    assert.deepEqual(args.rateLimits, { rps: 20, rpm: undefined, connections: undefined, burstMultiplier: 5, allowlist: [], perApiKey: { rps: 40 } });
    assert.deepEqual(args.hsts, { maxAgeSeconds: 31536000, includeSubdomains: true, preload: false });
  });
});
