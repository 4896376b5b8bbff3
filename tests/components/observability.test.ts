import { strict as assert } from "node:assert";
import * as k8s from "@pulumi/kubernetes";
import { Observability, type ObservabilityArgs } from "../../components/observability";
import { isSecretValue, kubernetesNames, renderComponents, unwrap, valueOf, type Rendering } from "../fixtures/components";

const SERVICE_MONITOR = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor";
const PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";

/** A small platform described directly in the component's own terms (no stack config). */
const args: ObservabilityArgs = {
  namespace: "observability",
  selectorLabels: { release: "kps" },
  scrapeInterval: "15s",
  runbookUrl: "https://example.com/runbooks.md",
  modelServers: [
    {
      name: "chat",
      endpoint: {
        namespace: "ai",
        service: "vllm-chat",
        serviceLabels: { "app.kubernetes.io/name": "vllm", "app.kubernetes.io/instance": "chat" },
        port: "http",
      },
      deployment: "vllm-chat",
      container: "vllm",
      replicas: 2,
      maxNumSeqs: 32,
      maxModelLen: 4096,
      kvCacheTokens: 65536,
      generates: true,
      startupSeconds: 600,
      servedNames: ["chat", "support"],
    },
  ],
  gpus: {
    exporter: { namespace: "gpu", service: "dcgm", serviceLabels: { app: "dcgm" }, port: "metrics", nodeLabel: true },
    sharing: "none",
    cards: [{ node: "n1", index: 0, memoryGiB: 24, plannedGiB: 21.5, pods: ["vllm-chat-0"] }],
  },
  vectorStore: {
    endpoint: {
      namespace: "data",
      service: "qdrant",
      serviceLabels: { app: "qdrant" },
      port: "http",
      bearerTokenSecret: { name: "qdrant-keys", key: "read-only" },
    },
    collection: "docs",
  },
  volumeNamespaces: ["ai", "data"],
  thresholds: { ttftSeconds: 0.8 },
  overrides: { prometheusRule: { metadata: { annotations: { team: "ml" } } } },
};

describe("Observability component", function () {
  this.timeout(60_000);
  let rendering: Rendering;
  let outputs: { alerts: string[]; scrapeTargets: string[]; dashboards: string[]; ruleName: string };
  let crdInstall: string;

  before(async () => {
    rendering = await renderComponents(() => {
      const crds = new k8s.core.v1.ConfigMap("crds-stand-in", { metadata: { name: "crds" } });
      const monitoring = new Observability("monitoring", args, { dependsOn: [crds] });
      // A second platform in the same cluster and namespaces: every object name derives from the component's name.
      new Observability("staging-monitoring", { ...args, overrides: undefined });
      return monitoring;
    });
    const monitoring = (rendering as unknown as { result: Observability }).result;
    outputs = {
      alerts: await valueOf(monitoring.alerts),
      scrapeTargets: await valueOf(monitoring.scrapeTargets),
      dashboards: await valueOf(monitoring.dashboards),
      ruleName: await valueOf(monitoring.ruleName),
    };
    crdInstall = rendering.get(CONFIG_MAP, "crds-stand-in").urn;
  });

  const mine = () => rendering.resources.filter((r) => r.name.startsWith("monitoring-"));

  it("declares one ServiceMonitor per endpoint, in the endpoint's namespace, selected by the Prometheus' labels", () => {
    const monitors = mine()
      .filter((r) => r.type === SERVICE_MONITOR)
      .map((r) => unwrap(r.inputs));
    assert.deepEqual(monitors.map((m) => `${m.metadata.namespace}/${m.metadata.name}`).sort(), [
      "ai/monitoring-vllm-chat",
      "data/monitoring-qdrant",
      "gpu/monitoring-dcgm-exporter",
    ]);
    assert.deepEqual(outputs.scrapeTargets.sort(), ["ai/monitoring-vllm-chat", "data/monitoring-qdrant", "gpu/monitoring-dcgm-exporter"]);
    for (const m of monitors) {
      assert.equal(m.metadata.labels.release, "kps");
      assert.deepEqual(m.spec.namespaceSelector, { matchNames: [m.metadata.namespace] });
      assert.equal(m.spec.endpoints[0].interval, "15s");
    }
    const dcgm = monitors.find((m) => m.metadata.name === "monitoring-dcgm-exporter");
    assert.deepEqual(dcgm.spec.endpoints[0].relabelings, [{ sourceLabels: ["__meta_kubernetes_pod_node_name"], targetLabel: "node", action: "replace" }]);
  });

  it("sends Qdrant's key from a Secret reference, never a value", () => {
    const qdrant = mine().find((r) => r.type === SERVICE_MONITOR && r.name === "monitoring-qdrant")!;
    assert.deepEqual(unwrap(qdrant.inputs).spec.endpoints[0].authorization, { type: "Bearer", credentials: { name: "qdrant-keys", key: "read-only" } });
    const walk = (v: unknown): boolean => isSecretValue(v) || (typeof v === "object" && v !== null && Object.values(v).some(walk));
    assert.equal(
      mine().some((r) => walk(r.inputs)),
      false,
      "no secret values: nothing to hide",
    );
  });

  it("declares one PrometheusRule with the plan's alerts, overrides merged last", () => {
    const rule = unwrap(rendering.get(PROMETHEUS_RULE, "monitoring-alerts").inputs);
    assert.equal(rule.metadata.namespace, "observability");
    assert.equal(rule.metadata.labels.release, "kps");
    assert.deepEqual(rule.metadata.annotations, { team: "ml" });
    assert.equal(outputs.ruleName, "monitoring-alerts");
    const rules = rule.spec.groups.flatMap((g: any) => g.rules);
    assert.ok(rules.find((r: any) => r.alert === "GpuMemoryBeyondPlan").expr.endsWith(`> ${21.5 * 1024}`));
    assert.match(rules.find((r: any) => r.alert === "VllmRequestsQueued").expr, /> 32$/);
    assert.match(rules.find((r: any) => r.alert === "VllmTimeToFirstTokenSlo").expr, /> 0\.8$/, "threshold args override defaults");
    assert.equal(rules.find((r: any) => r.alert === "VllmServerDown").for, "10m", "the startup window: 600 s");
    assert.equal(rules.find((r: any) => r.alert === "QdrantDown").annotations.runbook_url, "https://example.com/runbooks.md#qdrantdown");
    assert.deepEqual(outputs.alerts, [
      "GpuMemoryBeyondPlan",
      "GpuMetricsMissing",
      "VllmServerDown",
      "VllmServerRestarting",
      "VllmRequestsQueued",
      "VllmKvCachePressure",
      "VllmTimeToFirstTokenSlo",
      "VllmPreempting",
      "QdrantDown",
      "PersistentVolumeFillingUp",
    ]);
  });

  it("declares a dashboard ConfigMap per layer the plan has, labelled for Grafana's sidecar", () => {
    const maps = mine()
      .filter((r) => r.type === CONFIG_MAP)
      .map((r) => unwrap(r.inputs));
    assert.deepEqual(maps.map((m) => m.metadata.name).sort(), ["monitoring-gpus-dashboard", "monitoring-qdrant-dashboard", "monitoring-vllm-dashboard"]);
    assert.deepEqual(outputs.dashboards, ["monitoring-gpus", "monitoring-vllm", "monitoring-qdrant"]);
    for (const m of maps) {
      assert.equal(m.metadata.labels.grafana_dashboard, "1");
      assert.equal(m.metadata.namespace, "observability");
    }
  });

  it("validates every custom resource against the prometheus-operator CRD schemas", async () => {
    const { ServiceMonitor } = await import("@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor");
    const { PrometheusRule } = await import("@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule");
    const { ConfigMap } = await import("kubernetes-models/v1/ConfigMap");
    for (const r of mine().filter((x) => x.custom)) {
      const obj = unwrap(r.inputs);
      if (r.type === SERVICE_MONITOR) new ServiceMonitor(obj).validate();
      else if (r.type === PROMETHEUS_RULE) new PrometheusRule(obj).validate();
      else new ConfigMap(obj).validate();
    }
    assert.throws(
      () => new ServiceMonitor({ metadata: { name: "x" }, spec: { endpoints: [{ port: 8000 }], selector: {} } } as any).validate(),
      "the schema rejects a numeric port name",
    );
  });

  it("parents every child to the component, each recording what the component depends on (the CRDs: deletes go in reverse)", () => {
    const component = rendering.get("llm-platform:index:Observability", "monitoring").urn;
    const children = mine().filter((r) => r.custom);
    assert.equal(children.length, 3 + 1 + 3);
    for (const r of children) {
      assert.equal(r.parent, component, r.name);
      assert.ok(r.dependencies.includes(crdInstall), `${r.name} waits for the CRDs`);
      assert.equal(r.protect, false);
    }
  });

  it("lets two instances coexist: no Kubernetes name, rule group or dashboard uid collides", () => {
    const names = kubernetesNames(rendering.resources);
    assert.equal(new Set(names).size, names.length, names.join("\n"));
    const groups = rendering.ofType(PROMETHEUS_RULE).flatMap((r) => unwrap(r.inputs).spec.groups.map((g: any) => g.name));
    assert.equal(new Set(groups).size, groups.length);
    const uids = rendering.ofType(CONFIG_MAP).flatMap((r) => Object.values(unwrap(r.inputs).data ?? {}).map((json) => JSON.parse(json as string).uid));
    assert.equal(new Set(uids).size, uids.length);
  });
});

describe("Observability component: a Gateway API edge and LiteLLM's metrics", function () {
  this.timeout(60_000);
  const POD_MONITOR = "kubernetes:monitoring.coreos.com/v1:PodMonitor";
  const edgeArgs: ObservabilityArgs = {
    namespace: "observability",
    edge: {
      implementation: "gateway-api",
      controller: { namespace: "edge", pods: { labels: { "app.kubernetes.io/name": "nginx-gateway-fabric" }, job: "ngf" }, port: "metrics" },
      dataPlane: { namespace: "edge", pods: { labels: { "llm-platform.io/edge": "public" }, job: "public-nginx" }, port: "metrics" },
      replicas: 3,
      routes: [{ name: "public-v1", namespace: "gw", path: "/v1", backend: "gateway" }],
    },
    gateway: {
      litellm: {
        namespace: "gw",
        service: "llm-gw",
        serviceLabels: { app: "litellm" },
        port: "http",
        path: "/metrics/",
        bearerTokenSecret: { name: "llm-gw-metrics", key: "key" },
      },
      replicas: 2,
      clients: [{ name: "ui", maxBudget: 5 }],
      adapters: [{ name: "chat", path: "/chat/v1" }],
      models: ["chat", "embed"],
    },
  };

  it("scrapes pods no Service exposes with PodMonitors that name their job, and alerts on the edge's replicas, its controller and LiteLLM", async () => {
    const rendering = await renderComponents(() => new Observability("monitoring", edgeArgs));
    const pods = rendering.ofType(POD_MONITOR).map((r) => unwrap(r.inputs));
    assert.deepEqual(pods.map((m) => `${m.metadata.namespace}/${m.metadata.name}`).sort(), [
      "edge/monitoring-ngf-control-plane",
      "edge/monitoring-ngf-data-plane",
    ]);
    const { PodMonitor } = await import("@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor");
    for (const m of pods) new PodMonitor(m).validate();
    const data = pods.find((m) => m.metadata.name === "monitoring-ngf-data-plane");
    assert.deepEqual(data.spec.selector.matchLabels, { "llm-platform.io/edge": "public" });
    assert.deepEqual(data.spec.podMetricsEndpoints[0].relabelings, [{ targetLabel: "job", replacement: "public-nginx", action: "replace" }]);
    const litellm = unwrap(rendering.get(SERVICE_MONITOR, "monitoring-litellm").inputs);
    assert.deepEqual(litellm.spec.endpoints[0].authorization, { type: "Bearer", credentials: { name: "llm-gw-metrics", key: "key" } });
    const rules = unwrap(rendering.get(PROMETHEUS_RULE, "monitoring-alerts").inputs).spec.groups.flatMap((g: any) => g.rules);
    const expr = (alert: string) => rules.filter((r: any) => r.alert === alert).map((r: any) => r.expr);
    assert.deepEqual(expr("EdgeReplicasDown"), [`(sum(up{namespace="edge",job="public-nginx"}) or vector(0)) < 3`]);
    assert.deepEqual(expr("EdgeControllerDown"), [`(sum(up{namespace="edge",job="ngf"}) or vector(0)) < 1`]);
    assert.deepEqual(expr("GatewayDown"), [`(sum(up{namespace="gw",service="llm-gw"}) or vector(0)) < 1`]);
    assert.match(expr("GatewayHigh5xxRate")[0]!, /requested_model=~"chat\|embed"/);
    assert.equal(expr("GatewayHigh5xxRate").length, 1, "no per-route rule: NGINX OSS counts no status");
  });

  it("refuses an endpoint that names neither a Service nor pods", async () => {
    await assert.rejects(
      renderComponents(() => new Observability("monitoring", { ...edgeArgs, edge: { ...edgeArgs.edge!, dataPlane: { namespace: "edge", port: "metrics" } } })),
      /metrics endpoint ngf-data-plane in edge names neither a Service \(service, serviceLabels\) nor pods/,
    );
  });
});
