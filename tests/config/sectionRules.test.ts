import { strict as assert } from "node:assert";
import type { PlatformConfig } from "../../config/schema";
import { freshParser, ruleChecks, SCHEMA_MODULES } from "../fixtures/freshConfig";
import { stackConfig, variant } from "../fixtures/stacks";

/**
 * The edge, monitoring and cluster sections of the schema (config/edgeSchema.ts, monitoringSchema.ts,
 * clusterSchema.ts): documented defaults and a failing case per rule with its exact message. Each test
 * evaluates its section's module (and the schema that embeds it) afresh once (tests/fixtures/freshConfig.ts).
 */
const parserFor = (section: string) => freshParser([...SCHEMA_MODULES, section]);

const PROD = stackConfig("prod");
const prod = () => structuredClone(PROD);

const checker = (parse: (raw: Record<string, unknown>) => PlatformConfig) => ruleChecks(parse, PROD);

describe("monitoring config (#23)", () => {
  const { reset, parse } = parserFor("config/monitoringSchema.ts");
  const { refuses, accepts } = checker(parse);
  beforeEach(reset);

  it("defaults", () => {
    const monitoring = parse(variant(prod(), (c) => (c.monitoring = { stack: "install" }))).monitoring!;
    assert.deepEqual(monitoring, {
      stack: "install",
      dashboardLabel: { key: "grafana_dashboard", value: "1" },
      scrapeInterval: "30s",
      runbookUrl: "docs/observability.md",
      kubePrometheusStack: { chartVersion: "88.5.3", retention: "15d", grafana: true, nodeExporter: false },
      dcgmExporter: { enabled: true, chartVersion: "4.8.2" },
      gateway: { litellmMetrics: true },
      alerts: {
        ttftSeconds: 2,
        ttftQuantile: 0.95,
        queueFor: "5m",
        kvCacheUsage: 0.9,
        gateway5xxRatio: 0.05,
        gateway429Ratio: 0.1,
        budgetRemainingRatio: 0.1,
        certificateExpiryDays: 21,
        volumeFreeRatio: 0.1,
      },
    });
  });

  it("rules", () => {
    refuses(
      (c) => (c.monitoring = { stack: "helm" }),
      "monitoring.stack",
      'must be "install" (kube-prometheus-stack as an add-on) or "existing" (a Prometheus operator the cluster runs)',
    );
    refuses(
      (c) => (c.monitoring = { stack: "existing" }),
      "monitoring.selectorLabels",
      "is required with stack: existing: the labels your Prometheus selects ServiceMonitors and PrometheusRules by (kubectl get prometheus -A -o jsonpath='{..serviceMonitorSelector}'), e.g. {release: kube-prometheus-stack}",
    );
    accepts((c) => (c.monitoring = { stack: "existing", selectorLabels: { release: "kube-prometheus-stack" } }));
    refuses(
      (c) => (c.monitoring = { stack: "install", scrapeInterval: "0s" }),
      "monitoring.scrapeInterval",
      '"0s" is not a duration: a whole number with s, m, h or d ("30s", "5m")',
    );
    refuses(
      (c) => (c.monitoring = { stack: "install", scrapeInterval: "30sec" }),
      "monitoring.scrapeInterval",
      '"30sec" is not a duration: a whole number with s, m, h or d ("30s", "5m")',
    );
    refuses(
      (c) => (c.monitoring = { stack: "install", kubePrometheusStack: { storage: { size: "50GB" } } }),
      "monitoring.kubePrometheusStack.storage.size",
      'must be a size such as "50Gi"',
    );
    refuses((c) => (c.monitoring = { stack: "install", alerts: { ttftSeconds: 0 } }), "monitoring.alerts.ttftSeconds", "must be more than 0 seconds");
    refuses((c) => (c.monitoring = { stack: "install", alerts: { kvCacheUsage: 0 } }), "monitoring.alerts.kvCacheUsage", "must be more than 0: KV-cache usage");
    refuses((c) => (c.monitoring = { stack: "install", alerts: { kvCacheUsage: 1 } }), "monitoring.alerts.kvCacheUsage", "must be less than 1: KV-cache usage");
    refuses(
      (c) => (c.monitoring = { stack: "install", alerts: { ttftQuantile: "p95" } }),
      "monitoring.alerts.ttftQuantile",
      "must be a fraction in (0, 1): the TTFT quantile, e.g. 0.95",
    );
    refuses(
      (c) => (c.monitoring = { stack: "install", dashboardLabel: { key: "-x", value: "1" } }),
      "monitoring.dashboardLabel.key",
      '"-x" is not a Kubernetes label key',
    );
    refuses(
      (c) => (c.monitoring = { stack: "install", dashboardLabel: { key: "x", value: "-1" } }),
      "monitoring.dashboardLabel.value",
      '"-1" is not a Kubernetes label value (at most 63 of [A-Za-z0-9._-], starting and ending alphanumeric)',
    );
  });
});

describe("edge config (#23)", () => {
  const { reset, parse } = parserFor("config/edgeSchema.ts");
  const { refuses, accepts } = checker(parse);
  beforeEach(reset);

  it("defaults", () => {
    const edge = parse(variant(prod(), (c) => (c.edge = { hosts: ["llm.example.com"], email: "ops@example.com", acme: "staging" }))).edge!;
    assert.deepEqual(edge, {
      implementation: "ingress-nginx",
      hosts: ["llm.example.com"],
      email: "ops@example.com",
      acme: "staging",
      ingressNginx: { ingressClass: "nginx", chartVersion: "4.15.1", replicas: 2 },
      gatewayApi: { gatewayClass: "nginx", chartVersion: "2.6.7", gatewayApiVersion: "v1.5.1", replicas: 2, serviceType: "LoadBalancer" },
      certManager: { chartVersion: "v1.21.1" },
      rateLimits: edge.rateLimits,
      hsts: { maxAgeSeconds: 31536000, includeSubdomains: true, preload: false },
      timeouts: { connectSeconds: 10, readSeconds: 900, sendSeconds: 60, clientBodySeconds: 30 },
      maxBodySize: "10m",
    });
    assert.deepEqual([edge.rateLimits.burstMultiplier, edge.rateLimits.allowlist], [5, []]);
    const cors = parse(variant(prod(), (c) => (c.edge.cors = { origins: ["https://chat.example.com"] }))).edge!.cors!;
    assert.deepEqual(
      [cors.methods, cors.headers, cors.allowCredentials, cors.maxAgeSeconds],
      [["GET", "POST", "OPTIONS"], ["Authorization", "Content-Type", "X-Request-Id"], false, 600],
    );
  });

  it("rules", () => {
    refuses((c) => (c.edge.hosts = []), "edge.hosts", "needs at least one host name");
    refuses(
      (c) => (c.edge.hosts = ["https://llm.example.com"]),
      "edge.hosts[0]",
      '"https://llm.example.com" is not a DNS host name (lower case, e.g. llm.example.com; no scheme, port or path)',
    );
    refuses(
      (c) => (c.edge.hosts = ["llm.example.com", "llm.example.com"]),
      "edge.hosts[1]",
      '"llm.example.com" is listed twice (also hosts[0]); remove the repeat',
    );
    refuses((c) => (c.edge.email = "platform-team"), "edge.email", "must be an e-mail address for the ACME account");
    refuses(
      (c) => (c.edge.maxBodySize = "0"),
      "edge.maxBodySize",
      '"0" is not an nginx size: 1–9999 with an optional k, m or g suffix (e.g. "10m"); 0 would lift the limit',
    );
    accepts((c) => (c.edge.maxBodySize = "9999g"));
    refuses((c) => (c.edge.timeouts = { connectSeconds: 76 }), "edge.timeouts.connectSeconds", "must be at most 75 seconds (connect timeout)");
    accepts((c) => (c.edge.timeouts = { connectSeconds: 75 }));
    refuses((c) => (c.edge.timeouts = { readSeconds: 0 }), "edge.timeouts.readSeconds", "must be at least 1 second (read timeout)");
    refuses((c) => (c.edge.timeouts = { sendSeconds: 1.5 }), "edge.timeouts.sendSeconds", "must be a whole number of seconds (send timeout)");
    refuses((c) => (c.edge.gatewayApi = { replicas: 51 }), "edge.gatewayApi.replicas", "must be at most 50 (data-plane replicas)");
    refuses(
      (c) => (c.edge.gatewayApi = { gatewayApiVersion: "1.5.1" }),
      "edge.gatewayApi.gatewayApiVersion",
      '"1.5.1" is not a Gateway API release tag (e.g. "v1.5.1")',
    );
    refuses((c) => (c.edge.gatewayApi = { chartVersion: "latest" }), "edge.gatewayApi.chartVersion", '"latest" is not a chart version (e.g. "2.6.7")');
    refuses(
      (c) => (c.edge.gatewayApi = { gatewayClass: "Nginx" }),
      "edge.gatewayApi.gatewayClass",
      `"Nginx" is not a DNS-1123 label (the GatewayClass): lower-case letters, digits and '-'`,
    );
    refuses(
      (c) => (c.edge.hsts = { preload: true, includeSubdomains: false }),
      "edge.hsts.includeSubdomains",
      "must be true when preload is true (the preload list requires includeSubDomains)",
    );
    refuses(
      (c) => (c.edge.hsts = { preload: true, maxAgeSeconds: 31535999 }),
      "edge.hsts.maxAgeSeconds",
      "is 31535999; the preload list requires at least 31536000 (1 year)",
    );
    accepts((c) => (c.edge.hsts = { preload: true, maxAgeSeconds: 31536000 }));
    refuses((c) => (c.edge.hsts = { maxAgeSeconds: 63072001 }), "edge.hsts.maxAgeSeconds", "must be at most 2 years (63072000 s)");
    refuses((c) => (c.edge.cors = { origins: [] }), "edge.cors.origins", "needs at least one origin");
    refuses(
      (c) => (c.edge.cors = { origins: ["*", "https://a.example.com"] }),
      "edge.cors.origins",
      '"*" must stand alone: it already allows every origin (Gateway API refuses it beside others)',
    );
    refuses(
      (c) => (c.edge.cors = { origins: ["https://a.example.com/"] }),
      "edge.cors.origins[0]",
      '"https://a.example.com/" is not an origin: scheme://host[:port] in lower case, no path or trailing slash (e.g. https://chat.example.com), or "*"',
    );
    refuses(
      (c) => (c.edge.cors = { origins: ["https://a.example.com", "https://a.example.com"] }),
      "edge.cors.origins[1]",
      '"https://a.example.com" is listed twice; remove the repeat',
    );
    refuses((c) => (c.edge.cors = { origins: ["https://a.example.com"], headers: ["X Bad"] }), "edge.cors.headers[0]", '"X Bad" is not an HTTP header name');
    refuses((c) => (c.edge.rateLimits = { rps: 20, perApiKey: {} }), "edge.rateLimits.perApiKey", "needs rps or rpm (or remove perApiKey)");
    refuses(
      (c) => (c.edge.rateLimits = { rps: 20, allowlist: ["10.0.0.0"] }),
      "edge.rateLimits.allowlist[0]",
      '"10.0.0.0" is not a CIDR (e.g. 203.0.113.7/32 or 2001:db8::/64)',
    );
    refuses(
      (c) => (c.edge.rateLimits = { rps: 20, allowlist: ["10.0.0.0/15"] }),
      "edge.rateLimits.allowlist[0]",
      `"10.0.0.0/15" exempts a whole network from the edge's flood protection (pod CIDRs and most LANs fall inside such ranges); list single monitors or offices, /16 or narrower, or leave the allowlist empty`,
    );
    // ingress-nginx: NGINX Gateway Fabric has no allowlist.
    accepts((c) => ((c.edge.implementation = "ingress-nginx"), (c.edge.rateLimits = { rps: 20, allowlist: ["10.0.0.0/16", "2001:db8::/48"] })));
    refuses((c) => (c.edge.ingressClass = "nginx"), "edge.ingressClass", "moved: use edge.ingressNginx.ingressClass");
  });
});

describe("cluster config (#23)", () => {
  const { reset, parse } = parserFor("config/clusterSchema.ts");
  const { refuses, accepts } = checker(parse);
  beforeEach(reset);

  it("defaults and rules", () => {
    // Without protectStatefulData a stack may leave the cluster unnamed.
    assert.deepEqual(parse(variant(prod(), (c) => ((c.platform.protectStatefulData = false), delete c.cluster))).cluster, { shared: false });
    refuses((c) => (c.cluster.context = ""), "cluster.context", "must name a kubeconfig context (kubectl config get-contexts -o name)");
    refuses((c) => (c.cluster.identity = {}), "cluster.identity", "needs kubeSystemUid (recommended) or server");
    refuses(
      (c) => (c.cluster.identity = { kubeSystemUid: "4F0C8A52-7D3E-4B19-9A61-2C5E8F7B1D03" }),
      "cluster.identity.kubeSystemUid",
      `"4F0C8A52-7D3E-4B19-9A61-2C5E8F7B1D03" is not a Kubernetes UID: use the output of kubectl get namespace kube-system -o jsonpath='{.metadata.uid}'`,
    );
    refuses(
      (c) => (c.cluster.identity = { kubeSystemUid: "x4f0c8a52-7d3e-4b19-9a61-2c5e8f7b1d03" }),
      "cluster.identity.kubeSystemUid",
      `"x4f0c8a52-7d3e-4b19-9a61-2c5e8f7b1d03" is not a Kubernetes UID: use the output of kubectl get namespace kube-system -o jsonpath='{.metadata.uid}'`,
    );
    refuses(
      (c) => (c.cluster.identity = { server: "192.168.1.10:6443" }),
      "cluster.identity.server",
      '"192.168.1.10:6443" is not a URL such as https://192.168.1.10:6443',
    );
    accepts((c) => (c.cluster.identity = { server: "https://192.168.1.10:6443" }));
  });
});

describe("workstation config (#23)", () => {
  const { reset, parse } = parserFor("config/workstationSchema.ts");
  beforeEach(reset);
  const DEV = stackConfig("dev");
  const dev = () => structuredClone(DEV);
  const { refuses } = ruleChecks(parse, DEV);

  it("defaults and rules", () => {
    const w = parse(
      variant(dev(), (c) => (c.workstation = { dockerHost: "ssh://dev@gpu-box.lan", address: "gpu-box.lan", bindAddress: "192.168.1.50", model: "m" })),
    ).workstation!;
    assert.deepEqual(w, {
      dockerHost: "ssh://dev@gpu-box.lan",
      address: "gpu-box.lan",
      bindAddress: "192.168.1.50",
      allowAllInterfaces: false,
      engine: "vllm",
      image: "vllm/vllm-openai:v0.19.0",
      model: "m",
      gpus: "all",
      gpuMemoryUtilization: 0.9,
      maxModelLen: 8192,
      modelCacheVolume: "llm-platform-models",
      extraArgs: [],
    });
    refuses(
      (c) => (c.workstation.dockerHost = "gpu-box.lan"),
      "workstation.dockerHost",
      'must be a Docker host URL such as "ssh://user@gpu-box" or "tcp://gpu-box:2376"',
    );
    refuses(
      (c) => (c.workstation.dockerHost = "xssh://gpu-box"),
      "workstation.dockerHost",
      'must be a Docker host URL such as "ssh://user@gpu-box" or "tcp://gpu-box:2376"',
    );
    for (const bad of ["192.168.1.256", "192.168.1", "a192.168.1.50", "192.168.1.50a"]) {
      refuses(
        (c) => (c.workstation.bindAddress = bad),
        "workstation.bindAddress",
        `"${bad}" must be an IPv4 address of the workstation (the one the cluster reaches)`,
      );
    }
    assert.doesNotThrow(() => parse(variant(dev(), (c) => (c.workstation.bindAddress = "255.255.255.255"))));
    refuses(
      (c) => (c.workstation.bindAddress = "0.0.0.0"),
      "workstation.bindAddress",
      "0.0.0.0 publishes the model server on every interface of the workstation; give the address the cluster reaches (e.g. its LAN address), or set llm-platform:workstation.allowAllInterfaces: true to accept that",
    );
    assert.doesNotThrow(() => parse(variant(dev(), (c) => ((c.workstation.bindAddress = "0.0.0.0"), (c.workstation.allowAllInterfaces = true)))));
    refuses((c) => (c.workstation.engine = "ollama"), "workstation.image", 'engine "ollama" needs an ollama/ollama image (pinned), e.g. ollama/ollama:0.12.3');
  });
});
