import { strict as assert } from "node:assert";
import { parseCidr } from "../../config/edgeSchema";
import { ConfigError, parsePlatformConfig } from "../../config/load";
import { stackConfig, variant } from "../fixtures/stacks";

/** The issues of a config with one change to its `edge` block, as `llm-platform:...` key paths. */
function edgeIssues(base: "prod" | "dev", mutate: (edge: any) => void): { path: string; message: string }[] {
  try {
    parsePlatformConfig(variant(stackConfig(base), (c) => mutate(c.edge)));
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.issues;
  }
  return [];
}

function expectEdgeIssue(base: "prod" | "dev", mutate: (edge: any) => void, path: string, message: RegExp): void {
  const issues = edgeIssues(base, mutate);
  const hit = issues.find((i) => i.path === path);
  assert.ok(hit, `no issue at ${path}; got ${JSON.stringify(issues)}`);
  assert.match(hit.message, message);
}

const accepts = (base: "prod" | "dev", mutate: (edge: any) => void) => assert.deepEqual(edgeIssues(base, mutate), []);

describe("edge configuration", () => {
  it("reads prod as the Gateway API edge and dev as ingress-nginx, with their defaults", () => {
    const prod = parsePlatformConfig(stackConfig("prod")).edge!;
    assert.equal(prod.implementation, "gateway-api");
    assert.deepEqual(prod.gatewayApi, { gatewayClass: "nginx", chartVersion: "2.6.7", gatewayApiVersion: "v1.5.1", replicas: 2, serviceType: "LoadBalancer" });
    assert.deepEqual(prod.rateLimits, { rps: 20, burstMultiplier: 5, allowlist: [], perApiKey: { rps: 40 } });
    assert.deepEqual(prod.timeouts, { connectSeconds: 10, readSeconds: 900, sendSeconds: 60, clientBodySeconds: 30 });
    assert.equal(prod.maxBodySize, "10m");
    const dev = parsePlatformConfig(stackConfig("dev")).edge!;
    assert.equal(dev.implementation, "ingress-nginx");
    assert.deepEqual(dev.ingressNginx, { ingressClass: "nginx", chartVersion: "4.15.1", replicas: 1 });
    assert.deepEqual(dev.rateLimits.allowlist, [], "no exemptions by default");
  });

  it("defaults to ingress-nginx when implementation is not given", () => {
    const config = parsePlatformConfig(variant(stackConfig("dev"), (c) => delete c.edge.implementation));
    assert.equal(config.edge!.implementation, "ingress-nginx");
  });

  it("says where renamed keys went", () => {
    expectEdgeIssue(
      "dev",
      (e) => (e.controller = { replicas: 2 }),
      "llm-platform:edge.controller",
      /moved: use edge\.ingressNginx\.\{chartVersion,replicas\} \(ingress-nginx\) or edge\.gatewayApi/,
    );
    expectEdgeIssue("dev", (e) => (e.ingressClass = "nginx"), "llm-platform:edge.ingressClass", /moved: use edge\.ingressNginx\.ingressClass/);
  });

  describe("hosts", () => {
    it("refuses a repeated host, naming both places", () => {
      expectEdgeIssue(
        "prod",
        (e) => (e.hosts = ["llm.example.com", "api.example.com", "llm.example.com"]),
        "llm-platform:edge.hosts[2]",
        /"llm\.example\.com" is listed twice \(also hosts\[0\]\)/,
      );
    });
    it("refuses hosts with a scheme, a port or upper case", () => {
      for (const bad of ["https://llm.example.com", "llm.example.com:443", "LLM.example.com", "localhost"]) {
        expectEdgeIssue("prod", (e) => (e.hosts = [bad]), "llm-platform:edge.hosts[0]", /is not a DNS host name/);
      }
    });
  });

  describe("CORS", () => {
    it("refuses origins with a path, a trailing slash, no scheme or a port out of range", () => {
      for (const bad of [
        "https://chat.example.com/",
        "https://chat.example.com/app",
        "chat.example.com",
        "ftp://chat.example.com",
        "https://chat.example.com:70000",
        "https://chat.example.com:0",
      ]) {
        expectEdgeIssue("prod", (e) => (e.cors.origins = [bad]), "llm-platform:edge.cors.origins[0]", /is not an origin: scheme:\/\/host\[:port\]/);
      }
      accepts("prod", (e) => (e.cors.origins = ["https://chat.example.com:65535", "http://localhost:3000"]));
    });
    it('refuses "*" beside other origins and with credentials', () => {
      expectEdgeIssue("prod", (e) => (e.cors.origins = ["*", "https://chat.example.com"]), "llm-platform:edge.cors.origins", /"\*" must stand alone/);
      expectEdgeIssue(
        "prod",
        (e) => (e.cors = { origins: ["*"], allowCredentials: true }),
        "llm-platform:edge.cors.origins",
        /must list explicit origins when allowCredentials is true/,
      );
      accepts("prod", (e) => (e.cors = { origins: ["*"], allowCredentials: false }));
    });
    it("refuses repeats, bad header names and a zero preflight cache", () => {
      expectEdgeIssue(
        "prod",
        (e) => (e.cors.origins = ["https://a.example.com", "https://a.example.com"]),
        "llm-platform:edge.cors.origins[1]",
        /is listed twice/,
      );
      expectEdgeIssue("prod", (e) => (e.cors.headers = ["Authorization", "authorization"]), "llm-platform:edge.cors.headers[1]", /is listed twice/);
      expectEdgeIssue("prod", (e) => (e.cors.headers = ["X Request"]), "llm-platform:edge.cors.headers[0]", /is not an HTTP header name/);
      expectEdgeIssue("prod", (e) => (e.cors.maxAgeSeconds = 0), "llm-platform:edge.cors.maxAgeSeconds", /at least 1 second/);
      accepts("prod", (e) => (e.cors.maxAgeSeconds = 1));
      accepts("prod", (e) => (e.cors.maxAgeSeconds = 86400));
      expectEdgeIssue("prod", (e) => (e.cors.maxAgeSeconds = 86401), "llm-platform:edge.cors.maxAgeSeconds", /at most 86400 seconds/);
    });
  });

  describe("rate limits", () => {
    it("parses CIDRs as addresses, not shapes", () => {
      assert.deepEqual(parseCidr("203.0.113.7/32"), { family: 4, prefix: 32 });
      assert.deepEqual(parseCidr("2001:db8::/64"), { family: 6, prefix: 64 });
      assert.deepEqual(parseCidr("::1/128"), { family: 6, prefix: 128 });
      for (const bad of ["300.0.0.1/32", "10.0.0.0/33", "10.0.0/24", "010.0.0.1/32", "2001:db8::1::/64", "2001:db8::/129", "fe80::g/64", "10.0.0.1"]) {
        assert.equal(parseCidr(bad), undefined, bad);
      }
      expectEdgeIssue("dev", (e) => (e.rateLimits.allowlist = ["300.0.0.1/32"]), "llm-platform:edge.rateLimits.allowlist[0]", /is not a CIDR/);
    });

    it("refuses exemptions wider than a /16 (IPv4) or /48 (IPv6): pod CIDRs and LANs are not clients", () => {
      expectEdgeIssue(
        "dev",
        (e) => (e.rateLimits.allowlist = ["10.0.0.0/8"]),
        "llm-platform:edge.rateLimits.allowlist[0]",
        /exempts a whole network from the edge's flood protection.*\/16 or narrower/,
      );
      expectEdgeIssue("dev", (e) => (e.rateLimits.allowlist = ["10.0.0.0/15"]), "llm-platform:edge.rateLimits.allowlist[0]", /exempts a whole network/);
      accepts("dev", (e) => (e.rateLimits.allowlist = ["10.1.0.0/16", "203.0.113.7/32"]));
      expectEdgeIssue("dev", (e) => (e.rateLimits.allowlist = ["2001:db8::/47"]), "llm-platform:edge.rateLimits.allowlist[0]", /\/48 or narrower/);
      accepts("dev", (e) => (e.rateLimits.allowlist = ["2001:db8::/48"]));
    });

    it("refuses what NGINX Gateway Fabric cannot enforce on gateway-api, and per-key limits on ingress-nginx", () => {
      expectEdgeIssue(
        "prod",
        (e) => (e.rateLimits.connections = 40),
        "llm-platform:edge.rateLimits.connections",
        /no equivalent on NGINX Gateway Fabric without NGINX snippets.*remove it/,
      );
      expectEdgeIssue(
        "prod",
        (e) => (e.rateLimits.allowlist = ["203.0.113.7/32"]),
        "llm-platform:edge.rateLimits.allowlist",
        /not supported on NGINX Gateway Fabric.*per-key limits in the gateway/,
      );
      expectEdgeIssue(
        "dev",
        (e) => (e.rateLimits.perApiKey = { rps: 10 }),
        "llm-platform:edge.rateLimits.perApiKey",
        /needs implementation "gateway-api".*gateway\.clients\.<name>\.rpm/,
      );
      expectEdgeIssue("prod", (e) => (e.rateLimits.perApiKey = {}), "llm-platform:edge.rateLimits.perApiKey", /needs rps or rpm/);
      accepts("dev", (e) => (e.rateLimits.connections = 10));
    });

    it("refuses an edge-wide limit below the number of replicas counting it, at the boundary", () => {
      expectEdgeIssue(
        "prod",
        (e) => (e.rateLimits.rps = 1),
        "llm-platform:edge.rateLimits.rps",
        /is 1 for the whole edge but there are 2 replicas.*raise it to at least 2 or lower llm-platform:edge\.gatewayApi\.replicas/,
      );
      accepts("prod", (e) => (e.rateLimits.rps = 2));
      expectEdgeIssue("prod", (e) => (e.rateLimits.perApiKey = { rpm: 1 }), "llm-platform:edge.rateLimits.perApiKey.rpm", /2 replicas/);
      expectEdgeIssue(
        "dev",
        (e) => ((e.ingressNginx = { replicas: 3 }), (e.rateLimits = { rpm: 2 })),
        "llm-platform:edge.rateLimits.rpm",
        /3 replicas.*edge\.ingressNginx\.replicas/,
      );
      accepts("dev", (e) => ((e.ingressNginx = { replicas: 3 }), (e.rateLimits = { rpm: 3 })));
    });
  });

  describe("timeouts, sizes, HSTS, versions", () => {
    it("bounds timeouts by what nginx and NGF accept", () => {
      accepts("prod", (e) => (e.timeouts = { connectSeconds: 75, readSeconds: 9999, clientBodySeconds: 300 }));
      expectEdgeIssue("prod", (e) => (e.timeouts = { connectSeconds: 76 }), "llm-platform:edge.timeouts.connectSeconds", /at most 75 seconds/);
      expectEdgeIssue("prod", (e) => (e.timeouts = { readSeconds: 10000 }), "llm-platform:edge.timeouts.readSeconds", /at most 9999 seconds/);
      expectEdgeIssue("prod", (e) => (e.timeouts = { clientBodySeconds: 301 }), "llm-platform:edge.timeouts.clientBodySeconds", /at most 300 seconds/);
      expectEdgeIssue("prod", (e) => (e.timeouts = { sendSeconds: 0 }), "llm-platform:edge.timeouts.sendSeconds", /at least 1 second/);
      expectEdgeIssue("prod", (e) => (e.timeouts = { readSeconds: 1.5 }), "llm-platform:edge.timeouts.readSeconds", /whole number of seconds/);
    });

    it("takes body sizes NGF's CRD pattern accepts and refuses 0 (no limit)", () => {
      for (const good of ["1", "9999m", "512k", "1g"]) accepts("prod", (e) => (e.maxBodySize = good));
      for (const bad of ["0", "10MB", "10000m", "1.5m", "10M"])
        expectEdgeIssue("prod", (e) => (e.maxBodySize = bad), "llm-platform:edge.maxBodySize", /is not an nginx size/);
    });

    it("holds HSTS preload to the preload list's requirements", () => {
      expectEdgeIssue(
        "prod",
        (e) => (e.hsts = { preload: true, includeSubdomains: false }),
        "llm-platform:edge.hsts.includeSubdomains",
        /must be true when preload is true/,
      );
      expectEdgeIssue(
        "prod",
        (e) => (e.hsts = { preload: true, maxAgeSeconds: 31535999 }),
        "llm-platform:edge.hsts.maxAgeSeconds",
        /requires at least 31536000/,
      );
      accepts("prod", (e) => (e.hsts = { preload: true, maxAgeSeconds: 31536000 }));
    });

    it("refuses malformed versions, class names and service types", () => {
      expectEdgeIssue(
        "prod",
        (e) => (e.gatewayApi.chartVersion = "latest"),
        "llm-platform:edge.gatewayApi.chartVersion",
        /is not a chart version \(e\.g\. "2\.6\.7"\)/,
      );
      expectEdgeIssue(
        "prod",
        (e) => (e.gatewayApi.gatewayApiVersion = "1.5.1"),
        "llm-platform:edge.gatewayApi.gatewayApiVersion",
        /is not a Gateway API release tag/,
      );
      expectEdgeIssue(
        "prod",
        (e) => (e.gatewayApi.gatewayClass = "NGINX"),
        "llm-platform:edge.gatewayApi.gatewayClass",
        /is not a DNS-1123 label \(the GatewayClass\)/,
      );
      expectEdgeIssue("prod", (e) => (e.gatewayApi.serviceType = "ClusterIP"), "llm-platform:edge.gatewayApi.serviceType", /.+/);
      expectEdgeIssue("prod", (e) => (e.implementation = "traefik"), "llm-platform:edge.implementation", /.+/);
    });
  });
});
