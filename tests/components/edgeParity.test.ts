import { strict as assert } from "node:assert";
import { GatewayApiEdge } from "../../components/gatewayApiEdge";
import { NginxIngressWithTls } from "../../components/nginxIngressWithTls";
import { parsePlatformConfig } from "../../config/load";
import type { PlatformConfig } from "../../config/schema";
import { gatewayApiEdgeArgs, nginxIngressArgs } from "../../platform/edge";
import { publicRoutes, resolvePublicPath, VECTOR_SEARCH_SUFFIXES } from "../../platform/routes";
import { renderComponents, unwrap, type Rendering } from "../fixtures/components";
import { stackConfig, variant } from "../fixtures/stacks";
import { routeThroughGateway, routeThroughIngressNginx, type Outcome } from "./edgeSemantics";

const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
const GATEWAY = "kubernetes:gateway.networking.k8s.io/v1:Gateway";
const HTTPROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute";
const HOST = "llm.example.com";

interface Edges {
  config: PlatformConfig;
  ingresses: any[];
  gateway: any;
  httpRoutes: any[];
}

/** The same config rendered by both components, as the objects the controllers would read. */
async function renderBoth(raw: Record<string, unknown>): Promise<Edges> {
  const config = parsePlatformConfig(raw);
  const edge = config.edge!;
  const nginx: Rendering = await renderComponents(() => new NginxIngressWithTls("edge", nginxIngressArgs(config, edge)));
  const gw: Rendering = await renderComponents(() => new GatewayApiEdge("edge", gatewayApiEdgeArgs(config, edge)));
  return {
    config,
    ingresses: nginx.ofType(INGRESS).map((r) => unwrap(r.inputs)),
    gateway: unwrap(gw.ofType(GATEWAY)[0]!.inputs),
    httpRoutes: gw.ofType(HTTPROUTE).map((r) => unwrap(r.inputs)),
  };
}

const viaNginx = (e: Edges, path: string, host = HOST) => routeThroughIngressNginx(e.ingresses, { host, path });
const viaGateway = (e: Edges, path: string, host = HOST) => routeThroughGateway(e.gateway, e.httpRoutes, { listener: "https", host, path });
const target = (o: Outcome) => (o.kind === "backend" ? `${o.namespace}/${o.service}:${o.port}${o.path}` : o.kind);

/** Every documented path of a route table: each adapter's OpenAI endpoints, /v1, every vector-search suffix. */
function documentedPaths(config: PlatformConfig): string[] {
  const paths: string[] = [];
  for (const r of publicRoutes(config)) {
    if (r.rewrite?.allowedSuffixes) paths.push(...r.rewrite.allowedSuffixes.map((s) => `${r.prefix}/${s}`));
    else paths.push(...["chat/completions", "completions", "embeddings", "models"].map((s) => `${r.prefix}/${s}`));
  }
  return paths;
}

describe("edge parity: one route table through ingress-nginx and the Gateway API", () => {
  let prod: Edges;
  before(async () => {
    prod = await renderBoth(stackConfig("prod"));
  });

  it("maps every documented prod path to the same backend and path in both, as the route table defines it", () => {
    const gw = "llm-gateway/gateway-litellm:4000";
    const qdrant = "llm-data/qdrant:6333";
    // Expected values written out independently of the code under test.
    const expected: Record<string, string> = {
      "/v1/chat/completions": `${gw}/v1/chat/completions`,
      "/v1/models": `${gw}/v1/models`,
      "/chat/v1/chat/completions": `${gw}/v1/chat/completions`,
      "/chat/v1/models": `${gw}/v1/models`,
      "/rag/v1/embeddings": `${gw}/v1/embeddings`,
      "/code/v1/completions": `${gw}/v1/completions`,
      "/microservices/v1/chat/completions": `${gw}/v1/chat/completions`,
      "/vector-search/search": `${qdrant}/collections/rag/points/search`,
      "/vector-search/search/batch": `${qdrant}/collections/rag/points/search/batch`,
      "/vector-search/query": `${qdrant}/collections/rag/points/query`,
      "/vector-search/query/batch": `${qdrant}/collections/rag/points/query/batch`,
    };
    for (const [path, want] of Object.entries(expected)) {
      assert.equal(target(viaNginx(prod, path)), want, `ingress-nginx ${path}`);
      assert.equal(target(viaGateway(prod, path)), want, `Gateway API ${path}`);
    }
    const paths = documentedPaths(prod.config);
    assert.equal(paths.length, 4 * 5 + VECTOR_SEARCH_SUFFIXES.length, "4 OpenAI endpoints for /v1 and each of 4 adapters, 4 vector-search endpoints");
    for (const path of paths) {
      const reference = resolvePublicPath(publicRoutes(prod.config), path);
      assert.ok(reference, path);
      const n = viaNginx(prod, path);
      const g = viaGateway(prod, path);
      assert.equal(n.kind === "backend" && n.path, reference.backendPath, `ingress-nginx ${path}`);
      assert.equal(target(n), target(g), `same backend for ${path}`);
    }
  });

  it("keeps the query string out of the match and the path rewrite", () => {
    assert.equal(target(viaNginx(prod, "/chat/v1/chat/completions?api-version=2024-10-21")), "llm-gateway/gateway-litellm:4000/v1/chat/completions");
    assert.equal(target(viaGateway(prod, "/chat/v1/chat/completions?api-version=2024-10-21")), "llm-gateway/gateway-litellm:4000/v1/chat/completions");
    assert.equal(target(viaGateway(prod, "/vector-search/query?timeout=5")), "llm-data/qdrant:6333/collections/rag/points/query");
  });

  it("refuses the same undocumented paths in both: Qdrant's other endpoints, near misses, LiteLLM's admin API, escapes", () => {
    const refused = [
      // Endpoints that page through or size up the whole collection (#21), and the rest of Qdrant's API.
      "/vector-search/scroll",
      "/vector-search/count",
      "/vector-search/recommend",
      "/vector-search/collections",
      "/vector-search/points/delete",
      "/vector-search/delete",
      "/vector-search/search/batchx",
      "/vector-search/searchx",
      "/vector-search/search/",
      "/vector-search/",
      "/vector-search",
      "/vector-searchx/search",
      "/vector-search/search/../../collections/rag",
      "/key/generate",
      "/model/new",
      "/v1x/models",
      "/chatv1/models",
      "/chat/v1x",
      "/",
    ];
    for (const path of refused) {
      assert.equal(target(viaNginx(prod, path)), "not-found", `ingress-nginx ${path}`);
      assert.equal(target(viaGateway(prod, path)), "not-found", `Gateway API ${path}`);
      assert.equal(resolvePublicPath(publicRoutes(prod.config), path), undefined, `route table ${path}`);
    }
    assert.equal(target(viaNginx(prod, "/v1/../../key/generate")), "bad-request", "a '..' above the root is nginx's 400");
    assert.equal(target(viaGateway(prod, "/v1/../../key/generate")), "bad-request");
  });

  it("serves only the edge's hosts", () => {
    assert.equal(target(viaNginx(prod, "/v1/models", "other.example.com")), "not-found");
    assert.equal(target(viaGateway(prod, "/v1/models", "other.example.com")), "not-found");
  });

  it("differs only in case: ingress-nginx matches case-insensitively (~*), the Gateway API does not; the backend path is the same lower-case endpoint", () => {
    assert.equal(target(viaNginx(prod, "/VECTOR-SEARCH/search/batch")), "llm-data/qdrant:6333/collections/rag/points/search/batch");
    assert.equal(target(viaGateway(prod, "/VECTOR-SEARCH/search/batch")), "not-found");
    // A capitalised suffix is passed on capitalised: Qdrant (case-sensitive routes) answers 404.
    assert.equal(target(viaNginx(prod, "/vector-search/SEARCH")), "llm-data/qdrant:6333/collections/rag/points/SEARCH");
  });

  it("follows the config: a fifth adapter with its own path and another collection route in both", async () => {
    const raw = variant(stackConfig("prod"), (c) => {
      c.adapters.summarize = { server: "llm", path: "sum", description: "Summaries" };
      c.qdrant = { ...(c.qdrant ?? {}), collection: { name: "docs", vectorSize: 1024 } };
    });
    const edges = await renderBoth(raw);
    for (const [path, want] of [
      ["/sum/v1/chat/completions", "llm-gateway/gateway-litellm:4000/v1/chat/completions"],
      ["/sum/v1/models", "llm-gateway/gateway-litellm:4000/v1/models"],
      ["/vector-search/search/batch", "llm-data/qdrant:6333/collections/docs/points/search/batch"],
    ]) {
      assert.equal(target(viaNginx(edges, path!)), want, `ingress-nginx ${path}`);
      assert.equal(target(viaGateway(edges, path!)), want, `Gateway API ${path}`);
    }
    assert.equal(target(viaGateway(edges, "/summarize/v1/models")), "not-found", "the path segment is adapters.<name>.path");
  });

  it("the evaluator reproduces the old batch bug: an unanchored alternation rewrites /search/batch to /search", () => {
    const old = structuredClone(prod.ingresses.find((i) => i.metadata.name === "edge-vector-search"));
    old.spec.rules[0].http.paths[0].path = "/vector-search/(search|search/batch|query|query/batch|scroll|count|recommend)";
    old.metadata.annotations["nginx.ingress.kubernetes.io/rewrite-target"] = "/collections/rag/points/$1";
    const ingresses = [...prod.ingresses.filter((i) => i.metadata.name !== "edge-vector-search"), old];
    assert.equal(
      target(routeThroughIngressNginx(ingresses, { host: HOST, path: "/vector-search/search/batch" })),
      "llm-data/qdrant:6333/collections/rag/points/search",
    );
    assert.equal(
      target(routeThroughIngressNginx(ingresses, { host: HOST, path: "/vector-search/scrollable" })),
      "llm-data/qdrant:6333/collections/rag/points/scroll",
    );
  });
});

/**
 * LiteLLM's two readings of a request's model, from its source (v1.77.7-stable through the 2026
 * releases): the key's model allowlist is checked against `auth_utils.get_model_from_request`, which
 * takes the body's `model` and falls back to `/openai/deployments/<m>` only when the body has none; the
 * request is served with `common_processing_pre_call_logic`'s `model` (the path parameter of
 * `/openai/deployments/{model}/…` and `/engines/{model}/…`) before the body's.
 */
function litellmAuthorizedModel(path: string, bodyModel: string): string {
  return bodyModel || (/^\/openai\/deployments\/([^/]+)/.exec(path)?.[1] ?? "");
}
function litellmServedModel(path: string, bodyModel: string): string {
  return /^\/(?:openai\/deployments|engines)\/([^/]+)\//.exec(path)?.[1] ?? bodyModel;
}

describe("edge: a key's model allowlist holds on adapter paths", () => {
  let prod: Edges;
  before(async () => {
    prod = await renderBoth(stackConfig("prod"));
  });

  it("sends adapter paths where LiteLLM authorizes and serves the same model, whatever the body names", () => {
    const adapters = Object.keys(prod.config.adapters);
    for (const route of publicRoutes(prod.config).filter((r) => r.adapter)) {
      for (const bodyModel of adapters) {
        for (const [edge, outcome] of [
          ["ingress-nginx", viaNginx(prod, `${route.prefix}/chat/completions`)],
          ["Gateway API", viaGateway(prod, `${route.prefix}/chat/completions`)],
        ] as const) {
          assert.equal(outcome.kind, "backend");
          const path = (outcome as { path: string }).path;
          assert.equal(litellmServedModel(path, bodyModel), litellmAuthorizedModel(path, bodyModel), `${edge} ${route.prefix} with body model ${bodyModel}`);
        }
      }
    }
  });

  it("would not with the deployment route: a key allowed only `code` gets `chatbot` by naming `code` in the body", () => {
    const deploymentPath = "/openai/deployments/chatbot/chat/completions";
    assert.equal(litellmAuthorizedModel(deploymentPath, "code"), "code");
    assert.equal(litellmServedModel(deploymentPath, "code"), "chatbot");
  });
});

describe("edge: HTTP→HTTPS redirect and ACME HTTP-01", () => {
  let prod: Edges;
  let rendered: Rendering;
  before(async () => {
    prod = await renderBoth(stackConfig("prod"));
    const config = prod.config;
    rendered = await renderComponents(() => new GatewayApiEdge("edge", gatewayApiEdgeArgs(config, config.edge!)));
  });

  /** The HTTPRoute cert-manager v1.21.1 creates for a challenge (pkg/issuer/acme/http/httproute.go), from the issuer's solver. */
  function solverRoute(token: string) {
    const issuer = unwrap(rendered.ofType("kubernetes:cert-manager.io/v1:ClusterIssuer")[0]!.inputs);
    const certificate = unwrap(rendered.ofType("kubernetes:cert-manager.io/v1:Certificate")[0]!.inputs);
    const solver = issuer.spec.acme.solvers[0].http01.gatewayHTTPRoute;
    return {
      metadata: { name: `cm-acme-http-solver-${token}`, namespace: certificate.metadata.namespace },
      spec: {
        parentRefs: solver.parentRefs,
        hostnames: [HOST],
        rules: [
          {
            matches: [{ path: { type: "Exact", value: `/.well-known/acme-challenge/${token}` } }],
            backendRefs: [{ name: `cm-acme-http-solver-${token}`, port: 8089 }],
          },
        ],
      },
    };
  }

  it("redirects plain HTTP with 308 on the Gateway but lets cert-manager's challenge route through (Exact outranks the redirect's prefix)", () => {
    const routes = [...prod.httpRoutes, solverRoute("tok123")];
    const challenge = routeThroughGateway(prod.gateway, routes, { listener: "http", host: HOST, path: "/.well-known/acme-challenge/tok123" });
    assert.deepEqual(challenge, {
      kind: "backend",
      namespace: "ingress-nginx",
      service: "cm-acme-http-solver-tok123",
      port: 8089,
      path: "/.well-known/acme-challenge/tok123",
      via: "ingress-nginx/cm-acme-http-solver-tok123",
    });
    assert.deepEqual(routeThroughGateway(prod.gateway, routes, { listener: "http", host: HOST, path: "/v1/models?x=1" }), {
      kind: "redirect",
      status: 308,
      location: `https://${HOST}/v1/models?x=1`,
    });
    assert.deepEqual(
      routeThroughGateway(prod.gateway, routes, { listener: "http", host: HOST, path: "/.well-known/acme-challenge/other" }).kind,
      "redirect",
      "only the live token is exempt",
    );
  });

  it("issues the certificate in the Gateway's namespace, so the solver's route may attach to the HTTP listener (from: Same)", () => {
    const certificate = unwrap(rendered.ofType("kubernetes:cert-manager.io/v1:Certificate")[0]!.inputs);
    assert.equal(certificate.metadata.namespace, prod.gateway.metadata.namespace);
    const elsewhere = { ...solverRoute("tok"), metadata: { name: "cm-acme-http-solver-tok", namespace: "llm-gateway" } };
    assert.equal(
      routeThroughGateway(prod.gateway, [...prod.httpRoutes, elsewhere], { listener: "http", host: HOST, path: "/.well-known/acme-challenge/tok" }).kind,
      "redirect",
    );
  });

  it("keeps the API off the plain-HTTP listener: backend routes attach to HTTPS only", () => {
    assert.equal(
      routeThroughGateway(
        prod.gateway,
        prod.httpRoutes.filter((r) => !r.metadata.name.endsWith("https-redirect")),
        { listener: "http", host: HOST, path: "/v1/models" },
      ).kind,
      "not-found",
    );
  });

  it("on ingress-nginx, redirects plain HTTP with 308 except cert-manager's solver path (no-tls-redirect-locations)", () => {
    const solver = {
      metadata: { name: "cm-acme-http-solver-abc", namespace: "llm-gateway", annotations: {} },
      spec: {
        ingressClassName: "nginx",
        rules: [
          {
            host: HOST,
            http: {
              paths: [
                {
                  path: "/.well-known/acme-challenge/tok123",
                  pathType: "Exact",
                  backend: { service: { name: "cm-acme-http-solver-abc", port: { number: 8089 } } },
                },
              ],
            },
          },
        ],
      },
    };
    const ingresses = [...prod.ingresses, solver];
    assert.equal(
      target(routeThroughIngressNginx(ingresses, { host: HOST, path: "/.well-known/acme-challenge/tok123", scheme: "http" })),
      "llm-gateway/cm-acme-http-solver-abc:8089/.well-known/acme-challenge/tok123",
    );
    assert.deepEqual(routeThroughIngressNginx(ingresses, { host: HOST, path: "/chat/v1/models", scheme: "http" }), {
      kind: "redirect",
      status: 308,
      location: `https://${HOST}/chat/v1/models`,
    });
  });
});
