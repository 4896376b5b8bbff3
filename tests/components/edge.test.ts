import { strict as assert } from "node:assert";
import { NginxIngressWithTls } from "../../components/nginxIngressWithTls";
import {
  ingressPath,
  ingressSpec,
  perReplicaLimit,
  rateLimitAnnotations,
  routeAnnotations,
  type EdgeRoute,
  type IngressNginxSettings,
} from "../../components/specs/edge";
import { parsePlatformConfig } from "../../config/load";
import { acmeSolverNamespaces, edgeCertificate, edgeReplicas, nginxIngressArgs } from "../../platform/edge";
import { kubernetesNames, renderComponents, unwrap, valueOf, type Rendering } from "../fixtures/components";
import { planStack, type StackPlan } from "../fixtures/plans";
import { stackConfig } from "../fixtures/stacks";
import { routeThroughIngressNginx } from "./edgeSemantics";

const A = "nginx.ingress.kubernetes.io/";
const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
const CERTIFICATE = "kubernetes:cert-manager.io/v1:Certificate";
const ISSUER = "kubernetes:cert-manager.io/v1:ClusterIssuer";
const COMPONENT = "llm-platform:index:NginxIngressWithTls";

const gatewayBackend = { name: "litellm", namespace: "gw", port: 4000 };
const routes: EdgeRoute[] = [
  { key: "v1", prefix: "/v1", service: gatewayBackend },
  { key: "adapter-chat", prefix: "/chat/v1", service: gatewayBackend, upstreamPrefix: "/v1" },
  {
    key: "vector-search",
    prefix: "/vector-search",
    service: { name: "qdrant", namespace: "data", port: 6333 },
    upstreamPrefix: "/collections/rag/points",
    exactSuffixes: ["search", "search/batch", "count"],
  },
];
const settings: IngressNginxSettings = {
  hosts: ["llm.example.com"],
  ingressClassName: "nginx",
  tlsSecret: "edge-tls",
  rateLimits: {},
  timeouts: { connectSeconds: 10, readSeconds: 900, sendSeconds: 60, clientBodySeconds: 30 },
  maxBodySize: "10m",
  replicas: 2,
};

describe("NginxIngressWithTls", () => {
  describe("paths as ingress-nginx writes them (regex locations, whole-URI rewrites)", () => {
    it("anchors the vector-search alternatives at the end, longest first, and rewrites to the capture", () => {
      assert.deepEqual(ingressPath(routes[2]!), { path: "/vector-search/(search/batch|search|count)$", rewriteTarget: "/collections/rag/points/$1" });
    });

    it("rewrites a prefix with what follows it, keeping the separator, and bounds a pass-through prefix at a segment", () => {
      assert.deepEqual(ingressPath(routes[1]!), { path: "/chat/v1(/|$)(.*)", rewriteTarget: "/v1$1$2" });
      assert.deepEqual(ingressPath(routes[0]!), { path: "/v1(/|$)" });
    });

    it("quotes regex metacharacters of a prefix", () => {
      assert.equal(ingressPath({ key: "x", prefix: "/a.b", service: gatewayBackend }).path, "/a\\.b(/|$)");
    });

    it("routes each path of one Ingress set as the controller would", () => {
      const ingresses = routes.map((r) => unwrap(ingressSpec("edge", settings, r)));
      const go = (path: string) => {
        const o = routeThroughIngressNginx(ingresses, { host: "llm.example.com", path });
        return o.kind === "backend" ? `${o.service}${o.path}` : o.kind;
      };
      assert.equal(go("/vector-search/search/batch"), "qdrant/collections/rag/points/search/batch");
      assert.equal(go("/vector-search/search"), "qdrant/collections/rag/points/search");
      assert.equal(go("/vector-search/query"), "not-found", "only the listed suffixes");
      assert.equal(go("/chat/v1/models"), "litellm/v1/models");
      assert.equal(go("/chat/v1"), "litellm/v1");
      assert.equal(go("/v1/embeddings"), "litellm/v1/embeddings");
      assert.equal(go("/v1beta/models"), "not-found", "a prefix ends at a segment boundary");
    });
  });

  describe("annotations", () => {
    it("buffers request bodies, streams responses, bounds bodies and backend timeouts", () => {
      const a = routeAnnotations(settings, routes[0]!);
      assert.equal(a[`${A}proxy-request-buffering`], "on", "a slow upload holds an edge buffer, not a gateway connection");
      assert.equal(a[`${A}proxy-buffering`], "off", "tokens reach the client as they are generated");
      assert.equal(a[`${A}proxy-body-size`], "10m");
      assert.equal(a[`${A}proxy-send-timeout`], "60");
      assert.equal(a[`${A}proxy-read-timeout`], "900");
      assert.equal(a[`${A}proxy-connect-timeout`], "10");
      assert.equal(a[`${A}ssl-redirect`], "true");
      assert.equal(a[`${A}use-regex`], "true");
      assert.equal(a[`${A}rewrite-target`], undefined, "a pass-through route rewrites nothing");
      assert.equal(routeAnnotations(settings, routes[1]!)[`${A}rewrite-target`], "/v1$1$2");
    });

    it("divides edge-wide limits by controller replicas, never below 1, and writes only what is set", () => {
      assert.equal(perReplicaLimit(20, 2), 10);
      assert.equal(perReplicaLimit(20, 3), 6);
      assert.equal(perReplicaLimit(2, 4), 1);
      assert.deepEqual(rateLimitAnnotations({ rps: 30, rpm: 600, connections: 10, burstMultiplier: 3, allowlist: [] }, 3), {
        [`${A}limit-rps`]: "10",
        [`${A}limit-rpm`]: "200",
        [`${A}limit-connections`]: "3",
        [`${A}limit-burst-multiplier`]: "3",
      });
      assert.deepEqual(rateLimitAnnotations({ connections: 4 }, 2), { [`${A}limit-connections`]: "2" }, "no burst without a rate");
      assert.deepEqual(rateLimitAnnotations({ rps: 4, allowlist: ["203.0.113.7/32", "198.51.100.0/24"] }, 1), {
        [`${A}limit-rps`]: "4",
        [`${A}limit-burst-multiplier`]: "5",
        [`${A}limit-whitelist`]: "203.0.113.7/32,198.51.100.0/24",
      });
    });
  });

  describe("component", () => {
    let rendering: Rendering;
    let outputs: { urls: Record<string, string>; tls: string; issuer: string; cls: string; hosts: string[] };
    before(async () => {
      rendering = await renderComponents(() => {
        const edge = new NginxIngressWithTls("edge", {
          hosts: ["llm.example.com", "api.example.com"],
          routes,
          ingressClassName: "nginx",
          acme: { email: "ops@example.com", server: "https://acme-staging-v02.api.letsencrypt.org/directory" },
          cors: { origins: ["https://chat.example.com"] },
          rateLimits: { rps: 20, connections: 40 },
          controllerReplicas: 2,
          overrides: { ingress: { metadata: { annotations: { [`${A}proxy-body-size`]: "1m" } } } },
        });
        // A second instance in the same cluster: every Kubernetes name derives from the component name.
        new NginxIngressWithTls("edge-b", { hosts: ["b.example.com"], routes, ingressClassName: "nginx-b", acme: { email: "ops@example.com" } });
        return edge;
      });
      const edge = (rendering as unknown as { result: NginxIngressWithTls }).result;
      outputs = {
        urls: await valueOf(edge.urls),
        tls: await valueOf(edge.tlsSecretName),
        issuer: await valueOf(edge.issuerName),
        cls: await valueOf(edge.ingressClassName),
        hosts: await valueOf(edge.hosts),
      };
    });

    it("declares a ClusterIssuer, a certificate per route namespace and an Ingress per route, all parented to it", () => {
      const component = rendering.get(COMPONENT, "edge").urn;
      const children = rendering.resources
        .filter((r) => r.parent === component)
        .map((r) => `${r.type.split(":").pop()} ${r.name}`)
        .sort();
      assert.deepEqual(children, [
        "Certificate edge-certificate-data",
        "Certificate edge-certificate-gw",
        "ClusterIssuer edge-issuer",
        "Ingress edge-adapter-chat",
        "Ingress edge-v1",
        "Ingress edge-vector-search",
      ]);
    });

    it("names Kubernetes objects after the component: Ingresses, the certificate and its Secret, the ClusterIssuer", () => {
      assert.equal(unwrap(rendering.get(ISSUER, "edge-issuer").inputs).metadata.name, "edge-acme");
      const cert = unwrap(rendering.get(CERTIFICATE, "edge-certificate-gw").inputs);
      assert.deepEqual(
        [cert.metadata.name, cert.metadata.namespace, cert.spec.secretName, cert.spec.issuerRef.name],
        ["edge-tls", "gw", "edge-tls", "edge-acme"],
      );
      assert.deepEqual(cert.spec.dnsNames, ["llm.example.com", "api.example.com"]);
      const ingress = unwrap(rendering.get(INGRESS, "edge-v1").inputs);
      assert.deepEqual([ingress.metadata.name, ingress.metadata.namespace], ["edge-v1", "gw"]);
      assert.deepEqual(ingress.spec.tls, [{ hosts: ["llm.example.com", "api.example.com"], secretName: "edge-tls" }]);
      assert.deepEqual(
        ingress.spec.rules.map((r: any) => r.host),
        ["llm.example.com", "api.example.com"],
      );
    });

    it("solves HTTP-01 through its ingress class with the ACME server and e-mail given", () => {
      const acme = unwrap(rendering.get(ISSUER, "edge-issuer").inputs).spec.acme;
      assert.deepEqual(acme, {
        server: "https://acme-staging-v02.api.letsencrypt.org/directory",
        email: "ops@example.com",
        privateKeySecretRef: { name: "edge-acme-account" },
        solvers: [{ http01: { ingress: { ingressClassName: "nginx" } } }],
      });
      assert.equal(
        unwrap(rendering.get(ISSUER, "edge-b-issuer").inputs).spec.acme.server,
        "https://acme-v02.api.letsencrypt.org/directory",
        "production by default",
      );
    });

    it("orders certificates after the issuer and Ingresses after the certificates", () => {
      const issuer = rendering.get(ISSUER, "edge-issuer").urn;
      const certs = ["edge-certificate-gw", "edge-certificate-data"].map((n) => rendering.get(CERTIFICATE, n));
      for (const c of certs) assert.ok(c.dependencies.includes(issuer), c.name);
      for (const name of ["edge-v1", "edge-adapter-chat", "edge-vector-search"]) {
        const deps = rendering.get(INGRESS, name).dependencies;
        for (const c of certs) assert.ok(deps.includes(c.urn), `${name} waits for ${c.name}`);
      }
    });

    it("applies limits per replica and the ingress override last", () => {
      const a = unwrap(rendering.get(INGRESS, "edge-v1").inputs).metadata.annotations;
      assert.equal(a[`${A}limit-rps`], "10");
      assert.equal(a[`${A}limit-connections`], "20");
      assert.equal(a[`${A}proxy-body-size`], "1m", "override merged last");
      assert.equal(a[`${A}cors-allow-origin`], "https://chat.example.com");
      assert.equal(a[`${A}cors-allow-credentials`], "false");
    });

    it("keeps the old type token as an alias", () => {
      assert.ok(rendering.get(COMPONENT, "edge").aliases.includes("llm-platform:edge:NginxIngressWithTls"));
    });

    it("exposes its URLs, TLS Secret, issuer, class and hosts as outputs", () => {
      assert.deepEqual(outputs, {
        urls: { v1: "https://llm.example.com/v1", "adapter-chat": "https://llm.example.com/chat/v1", "vector-search": "https://llm.example.com/vector-search" },
        tls: "edge-tls",
        issuer: "edge-acme",
        cls: "nginx",
        hosts: ["llm.example.com", "api.example.com"],
      });
    });

    it("lets two instances coexist: no Kubernetes name collides", () => {
      const names = kubernetesNames(rendering.resources);
      assert.equal(names.length, 12);
      assert.equal(new Set(names).size, names.length, names.join("\n"));
    });

    it("refuses no hosts and repeated route keys, naming the fix", async () => {
      await assert.rejects(
        renderComponents(() => new NginxIngressWithTls("e", { hosts: [], routes, ingressClassName: "nginx", acme: { email: "a@example.com" } })),
        /hosts is empty; give at least one/,
      );
      await assert.rejects(
        renderComponents(
          () =>
            new NginxIngressWithTls("e", {
              hosts: ["a.example.com"],
              routes: [routes[0]!, routes[0]!],
              ingressClassName: "nginx",
              acme: { email: "a@example.com" },
            }),
        ),
        /route key "v1" is used twice/,
      );
    });
  });

  describe("in the dev stack", () => {
    let dev: StackPlan;
    before(async () => {
      dev = await planStack("dev");
    });
    const ingress = (name: string) => dev.resources.find((r) => r.type === INGRESS && r.props.metadata.name === name)!.props;

    it("renders ingress-nginx with the route table's paths and rewrites", () => {
      const rows = dev.resources
        .filter((r) => r.type === INGRESS)
        .map((r) => {
          const p = r.props.spec.rules[0].http.paths[0];
          return [
            r.props.metadata.namespace,
            p.path,
            p.pathType,
            p.backend.service.name,
            p.backend.service.port.number,
            r.props.metadata.annotations[`${A}rewrite-target`] ?? null,
          ];
        })
        .sort();
      assert.deepEqual(rows, [
        ["llm-data", "/vector-search/(search/batch|query/batch|search|query)$", "ImplementationSpecific", "qdrant", 6333, "/collections/rag/points/$1"],
        ["llm-gateway", "/chat/v1(/|$)(.*)", "ImplementationSpecific", "gateway-litellm", 4000, "/v1$1$2"],
        ["llm-gateway", "/code/v1(/|$)(.*)", "ImplementationSpecific", "gateway-litellm", 4000, "/v1$1$2"],
        ["llm-gateway", "/microservices/v1(/|$)(.*)", "ImplementationSpecific", "gateway-litellm", 4000, "/v1$1$2"],
        ["llm-gateway", "/rag/v1(/|$)(.*)", "ImplementationSpecific", "gateway-litellm", 4000, "/v1$1$2"],
        ["llm-gateway", "/v1(/|$)", "ImplementationSpecific", "gateway-litellm", 4000, null],
      ]);
      assert.equal(ingress("edge-v1").spec.ingressClassName, "nginx");
    });

    it("sets the exact dev annotations: one replica, rpm limit, no exemptions, localhost CORS", () => {
      assert.deepEqual(ingress("edge-v1").metadata.annotations, {
        [`${A}ssl-redirect`]: "true",
        [`${A}proxy-connect-timeout`]: "10",
        [`${A}proxy-read-timeout`]: "900",
        [`${A}proxy-send-timeout`]: "60",
        [`${A}proxy-buffering`]: "off",
        [`${A}proxy-request-buffering`]: "on",
        [`${A}proxy-body-size`]: "10m",
        [`${A}enable-cors`]: "true",
        [`${A}cors-allow-origin`]: "http://localhost:3000",
        [`${A}cors-allow-methods`]: "GET, POST, OPTIONS",
        [`${A}cors-allow-headers`]: "Authorization, Content-Type, X-Request-Id",
        [`${A}cors-allow-credentials`]: "false",
        [`${A}cors-max-age`]: "600",
        [`${A}limit-rpm`]: "600",
        [`${A}limit-burst-multiplier`]: "5",
        [`${A}use-regex`]: "true",
      });
    });

    it("uses Let's Encrypt staging in dev and a certificate in each route namespace", () => {
      const issuer = dev.resources.find((r) => r.type === ISSUER)!.props;
      assert.equal(issuer.spec.acme.server, "https://acme-staging-v02.api.letsencrypt.org/directory");
      assert.deepEqual(issuer.spec.acme.solvers, [{ http01: { ingress: { ingressClassName: "nginx" } } }]);
      const certs = dev.resources.filter((r) => r.type === CERTIFICATE && r.props.spec.secretName === "edge-tls").map((r) => r.props.metadata.namespace);
      assert.deepEqual(certs.sort(), ["llm-data", "llm-gateway"]);
      const config = parsePlatformConfig(stackConfig("dev"));
      assert.deepEqual(acmeSolverNamespaces(config).sort(), certs.sort(), "where the network policies must admit the controller to the HTTP-01 solvers");
      assert.deepEqual(edgeCertificate(config), { name: "edge-tls", namespaces: ["llm-gateway", "llm-data"] });
      assert.equal(edgeReplicas(config.edge!), 1);
      assert.equal(edgeCertificate({ ...config, edge: undefined }), undefined);
    });

    it("configures the controller with the client timeouts slow uploads are cut by", () => {
      const release = dev.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.props.chart === "ingress-nginx")!.props;
      assert.equal(release.values.controller.config["client-body-timeout"], "30");
      assert.equal(release.values.controller.config["client-header-timeout"], "30");
      assert.equal(release.values.controller.replicaCount, 1);
      assert.equal(dev.resources.filter((r) => r.type.startsWith("kubernetes:gateway.")).length, 0, "no Gateway API objects in dev");
    });

    it("validates the dev Ingresses, ClusterIssuer and Certificates against their schemas", async () => {
      const { Ingress } = await import("kubernetes-models/networking.k8s.io/v1/Ingress");
      const { Certificate } = await import("@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate");
      const { ClusterIssuer } = await import("@kubernetes-models/cert-manager/cert-manager.io/v1/ClusterIssuer");
      for (const r of dev.resources.filter((x) => x.type === INGRESS)) new Ingress(r.props as any).validate();
      for (const r of dev.resources.filter((x) => x.type === CERTIFICATE)) new Certificate(r.props as any).validate();
      const issuer = dev.resources.find((x) => x.type === ISSUER)!.props;
      new ClusterIssuer(issuer as any).validate();
      assert.throws(() => new ClusterIssuer({ ...issuer, spec: { acme: { ...issuer.spec.acme, server: 42 } } } as any).validate());
    });
  });

  it("takes its args from config in one place (platform/edge.ts)", () => {
    const config = parsePlatformConfig(stackConfig("dev"));
    const args = nginxIngressArgs(config, config.edge!);
    assert.equal(args.ingressClassName, "nginx");
    assert.equal(args.controllerReplicas, 1);
    assert.deepEqual(args.hosts, ["llm.dev.example.com"]);
    assert.deepEqual(args.acme, { email: "platform-team@example.com", server: "https://acme-staging-v02.api.letsencrypt.org/directory" });
    assert.deepEqual(
      args.routes.map((r) => r.key),
      ["v1", "adapter-chatbot", "adapter-rag", "adapter-code", "adapter-microservices", "vector-search"],
    );
  });
});
