import { strict as assert } from "node:assert";
import { ClusterAddons } from "../../../components/clusterAddons";
import { dcgmExporterValues, kubePrometheusStackValues } from "../../../components/specs/monitoringAddons";
import { ConfigError, parsePlatformConfig } from "../../../config/load";
import { addonsUsed, clusterAddonsArgs, deployClusterAddons } from "../../../platform/addons";
import { gatewayArgs, qdrantArgs } from "../../../platform/gateway";
import { observabilityArgs } from "../../../platform/monitoring";
import { planServers } from "../../../platform/servers";
import { renderComponents, unwrap } from "../../fixtures/components";
import { stackConfig, variant } from "../../fixtures/stacks";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const prodRaw = stackConfig("prod");
const existing = variant(prodRaw, (c) => void (c.monitoring = { stack: "existing", selectorLabels: { prometheus: "platform" } }));

function issues(raw: Record<string, unknown>): string[] {
  try {
    parsePlatformConfig(raw);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((i) => `${i.path}: ${i.message}`);
    throw error;
  }
  return [];
}

function argsOf(raw: Record<string, unknown>) {
  const config = parsePlatformConfig(raw);
  return observabilityArgs(config, planServers(config));
}

describe("monitoring config and platform wiring", () => {
  describe("config", () => {
    it("accepts the prod fixture with its defaults", () => {
      const m = parsePlatformConfig(prodRaw).monitoring!;
      assert.equal(m.stack, "install");
      assert.deepEqual(m.dashboardLabel, { key: "grafana_dashboard", value: "1" });
      assert.equal(m.kubePrometheusStack.chartVersion, "88.5.3");
      assert.equal(m.dcgmExporter.chartVersion, "4.8.2");
      assert.equal(m.gateway.litellmMetrics, true, "the pinned LiteLLM v1.93.1 exposes its metrics without a licence");
      assert.equal(m.alerts.queueFor, "5m");
    });

    it("requires the Prometheus' selector labels for an existing stack, naming the key and how to find them", () => {
      const problems = issues(variant(prodRaw, (c) => void (c.monitoring = { stack: "existing" })));
      assert.equal(problems.length, 1, problems.join("\n"));
      assert.match(problems[0]!, /^llm-platform:monitoring\.selectorLabels: is required with stack: existing.*serviceMonitorSelector/);
      assert.deepEqual(issues(existing), []);
    });

    it("refuses durations, ratios and labels Prometheus or Kubernetes would not take", () => {
      const bad = (change: (m: any) => void) => issues(variant(prodRaw, (c) => change(c.monitoring)));
      assert.match(bad((m) => (m.alerts = { queueFor: "5 minutes" }))[0]!, /^llm-platform:monitoring\.alerts\.queueFor: "5 minutes" is not a duration/);
      assert.match(bad((m) => (m.alerts = { gateway5xxRatio: 1 }))[0]!, /^llm-platform:monitoring\.alerts\.gateway5xxRatio: must be less than 1/);
      assert.match(bad((m) => (m.alerts = { kvCacheUsage: 0 }))[0]!, /^llm-platform:monitoring\.alerts\.kvCacheUsage: must be more than 0/);
      assert.match(
        bad((m) => (m.dashboardLabel = { key: "grafana dashboard", value: "1" }))[0]!,
        /^llm-platform:monitoring\.dashboardLabel\.key: "grafana dashboard" is not a Kubernetes label key/,
      );
      assert.match(bad((m) => (m.stack = "helm"))[0]!, /^llm-platform:monitoring\.stack: must be "install"/);
      assert.match(bad((m) => (m.grafana = true))[0]!, /^llm-platform:monitoring: unknown key "grafana"/);
      assert.deepEqual(
        bad((m) => (m.alerts = { gateway5xxRatio: 0.999, queueFor: "90s" })),
        [],
        "the limits themselves are fine",
      );
    });
  });

  describe("add-ons", () => {
    it("installs kube-prometheus-stack only with stack: install, and the DCGM exporter only where there are GPUs", () => {
      assert.deepEqual([addonsUsed(parsePlatformConfig(prodRaw)).kubePrometheusStack, addonsUsed(parsePlatformConfig(prodRaw)).dcgmExporter], [true, true]);
      assert.deepEqual([addonsUsed(parsePlatformConfig(existing)).kubePrometheusStack, addonsUsed(parsePlatformConfig(existing)).dcgmExporter], [false, true]);
      const dev = stackConfig("dev");
      const devMonitored = variant(dev, (c) => void (c.monitoring = { stack: "existing", selectorLabels: { release: "kps" } }));
      assert.equal(addonsUsed(parsePlatformConfig(devMonitored)).dcgmExporter, false, "dev has no GPU");
      assert.equal(addonsUsed(parsePlatformConfig(dev)).kubePrometheusStack, false);
      const off = variant(prodRaw, (c) => void (c.monitoring.dcgmExporter = { enabled: false }));
      assert.equal(addonsUsed(parsePlatformConfig(off)).dcgmExporter, false);
      assert.equal(argsOf(off)!.gpus, undefined, "no exporter, no GPU alerts");
    });

    it("passes the prod config to the add-ons: retention, storage, dashboard label, the exporter beside the device plugin on the GPU nodes", () => {
      const a = clusterAddonsArgs(parsePlatformConfig(prodRaw));
      assert.deepEqual(a.kubePrometheusStack, {
        namespace: "monitoring",
        chartVersion: "88.5.3",
        retention: "15d",
        storage: { size: "20Gi", storageClass: "proxmox-csi" },
        grafana: true,
        nodeExporter: false,
        dashboardLabelKey: "grafana_dashboard",
        dashboardLabelValue: "1",
        valuesOverride: undefined,
      });
      const receivers = { alertmanager: { config: { receivers: [{ name: "oncall" }] } } };
      const withValues = parsePlatformConfig(variant(prodRaw, (c) => void (c.monitoring.kubePrometheusStack.values = receivers)));
      assert.deepEqual(clusterAddonsArgs(withValues).kubePrometheusStack!.valuesOverride, receivers, "chart values merged last (Alertmanager's receivers)");
      assert.equal(a.dcgmExporter!.namespace, "nvidia-device-plugin");
      assert.deepEqual(a.dcgmExporter!.nodeSelector, { "feature.node.kubernetes.io/pci-10de.present": "true" });
      assert.deepEqual(a.dcgmExporter!.tolerations, [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]);
    });

    it("gives kube-prometheus-stack values that select monitors by its release label everywhere and load dashboards by the configured label", () => {
      const v = kubePrometheusStackValues({
        retention: "7d",
        storage: { size: "50Gi" },
        grafana: true,
        nodeExporter: false,
        dashboardLabel: { key: "dash", value: "yes" },
      }) as any;
      assert.equal(v.prometheus.prometheusSpec.serviceMonitorSelectorNilUsesHelmValues, true);
      assert.equal(v.prometheus.prometheusSpec.ruleSelectorNilUsesHelmValues, true);
      assert.deepEqual(v.prometheus.prometheusSpec.serviceMonitorNamespaceSelector, {});
      assert.equal(v.prometheus.prometheusSpec.retention, "7d");
      assert.deepEqual(v.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec, {
        accessModes: ["ReadWriteOnce"],
        resources: { requests: { storage: "50Gi" } },
      });
      assert.deepEqual(v.grafana.sidecar.dashboards, { enabled: true, label: "dash", labelValue: "yes", searchNamespace: "ALL" });
      assert.equal(v.nodeExporter.enabled, false);
      assert.equal(v.kubeStateMetrics.enabled, true, "restart alerts need kube-state-metrics");
      assert.equal(
        (kubePrometheusStackValues({ retention: "7d", grafana: false, nodeExporter: true, dashboardLabel: { key: "a", value: "b" } }) as any).prometheus
          .prometheusSpec.storageSpec,
        undefined,
      );
      const d = dcgmExporterValues({ runtimeClassName: "nvidia" }, { resources: { limits: { memory: "1Gi" } } }) as any;
      assert.deepEqual(d, { serviceMonitor: { enabled: false }, runtimeClassName: "nvidia", resources: { limits: { memory: "1Gi" } } });
    });

    it("renders both add-ons as pinned releases named after the ClusterAddons component", async () => {
      const rendering = await renderComponents(
        () =>
          new ClusterAddons("addons", {
            kubePrometheusStack: { namespace: "monitoring" },
            dcgmExporter: { namespace: "gpu", nodeSelector: { gpu: "yes" } },
          }),
      );
      const releases = rendering.ofType(RELEASE).map((r) => unwrap(r.inputs));
      assert.deepEqual(releases.map((r) => [r.name, r.chart, r.version, r.repositoryOpts.repo, r.namespace]).sort(), [
        ["addons-dcgm-exporter", "dcgm-exporter", "4.8.2", "https://nvidia.github.io/dcgm-exporter/helm-charts", "gpu"],
        ["addons-kube-prometheus-stack", "kube-prometheus-stack", "88.5.3", "https://prometheus-community.github.io/helm-charts", "monitoring"],
      ]);
      assert.equal(releases.find((r) => r.chart === "dcgm-exporter").values.nodeSelector.gpu, "yes");
    });

    it("creates the monitoring namespace with kube-prometheus-stack, privileged only for node-exporter, before the release", async () => {
      for (const [nodeExporter, level] of [
        [false, "restricted"],
        [true, "privileged"],
      ] as const) {
        const config = parsePlatformConfig(variant(prodRaw, (c) => void (c.monitoring.kubePrometheusStack.nodeExporter = nodeExporter)));
        const rendering = await renderComponents(() => deployClusterAddons(config, []));
        const ns = rendering.get("kubernetes:core/v1:Namespace", "ns-monitoring");
        assert.equal(unwrap(ns.inputs).metadata.labels["pod-security.kubernetes.io/enforce"], level);
        // The component registers (and so its releases start) only once the namespace exists.
        assert.ok(rendering.get("llm-platform:index:ClusterAddons", "addons").dependencies.includes(ns.urn));
      }
      const rendering = await renderComponents(() => deployClusterAddons(parsePlatformConfig(existing), []));
      assert.equal(rendering.ofType("kubernetes:core/v1:Namespace").length, 0, "an existing stack's namespace is a prerequisite");
    });
  });

  describe("Observability args", () => {
    it("are absent without a monitoring key", () => {
      assert.equal(argsOf(variant(prodRaw, (c) => void delete c.monitoring)), undefined);
    });

    it("label every monitor for the installed kube-prometheus-stack, or with the existing Prometheus' labels", () => {
      assert.deepEqual(argsOf(prodRaw)!.selectorLabels, { release: "addons-kube-prometheus-stack" });
      assert.deepEqual(argsOf(existing)!.selectorLabels, { prometheus: "platform" });
    });

    it("scrape LiteLLM with its /metrics-only key (never the master key), and alert on the clients' budgets from config", () => {
      const on = argsOf(variant(prodRaw, (c) => void (c.gateway.clients = { webui: { maxBudget: 25 }, n8n: {} })))!;
      assert.deepEqual(on.gateway!.litellm, {
        namespace: "llm-gateway",
        service: "gateway-litellm",
        serviceLabels: { "app.kubernetes.io/name": "litellm", "app.kubernetes.io/instance": "gateway" },
        port: "http",
        path: "/metrics/",
        bearerTokenSecret: { name: "gateway-litellm-metrics", key: "key" },
      });
      assert.deepEqual(on.gateway!.clients, [{ name: "webui", maxBudget: 25 }, { name: "n8n" }]);
      assert.equal(on.gateway!.replicas, 2);
      assert.deepEqual(on.gateway!.models, ["chatbot", "rag", "code", "microservices", "embedding", "reranker", "openai", "default"]);
      assert.deepEqual(on.gateway!.adapters, [
        { name: "chatbot", path: "/chat/v1" },
        { name: "rag", path: "/rag/v1" },
        { name: "code", path: "/code/v1" },
        { name: "microservices", path: "/microservices/v1" },
      ]);
      // An image older than v1.80 exposes nothing usable: the operator turns the scrape off.
      assert.equal(argsOf(variant(prodRaw, (c) => void (c.monitoring.gateway = { litellmMetrics: false })))!.gateway!.litellm, undefined);
    });

    it("makes the gateway serve metrics and the /metrics-only key exactly when they are scraped, and Qdrant a read-only scrape token", () => {
      const config = parsePlatformConfig(prodRaw);
      assert.equal(gatewayArgs(config, planServers(config)).metrics, true);
      const off = parsePlatformConfig(variant(prodRaw, (c) => void (c.monitoring.gateway = { litellmMetrics: false })));
      assert.equal(gatewayArgs(off, planServers(off)).metrics, false);
      const unmonitored = parsePlatformConfig(variant(prodRaw, (c) => void delete c.monitoring));
      assert.equal(gatewayArgs(unmonitored, planServers(unmonitored)).metrics, false);
      // The token is issued per month (as the clients' are) and valid 90 days from the month's start.
      const now = new Date(Date.UTC(2026, 7, 20));
      assert.deepEqual(qdrantArgs(config, 1024, now).metricsReader, { expiresAt: Date.UTC(2026, 7, 1) / 1000 + 90 * 86400 });
      assert.equal(qdrantArgs(unmonitored, 1024, now).metricsReader, undefined);
      const qdrant = argsOf(prodRaw)!.vectorStore!.endpoint;
      assert.deepEqual(qdrant.bearerTokenSecret, { name: "qdrant-metrics-token", key: "token" });
    });

    it("describe each server from the plan, and the edge's routes by their HTTPRoutes (gateway-api) or Ingresses (ingress-nginx)", () => {
      const a = argsOf(prodRaw)!;
      const llm = a.modelServers!.find((s) => s.name === "llm")!;
      assert.deepEqual([llm.replicas, llm.maxNumSeqs, llm.maxModelLen, llm.generates, llm.startupSeconds], [1, 8, 8192, true, 1800]);
      assert.deepEqual(llm.servedNames, ["llm", "chatbot", "rag", "code", "microservices"]);
      assert.equal(a.modelServers!.find((s) => s.name === "embedding")!.generates, false);
      assert.equal(a.edge!.implementation, "gateway-api");
      assert.deepEqual(
        a.edge!.routes.map((r) => [r.name, r.namespace, r.path, r.adapter ?? null]),
        [
          ["edge-v1", "llm-gateway", "/v1", null],
          ["edge-adapter-chatbot", "llm-gateway", "/chat/v1", "chatbot"],
          ["edge-adapter-rag", "llm-gateway", "/rag/v1", "rag"],
          ["edge-adapter-code", "llm-gateway", "/code/v1", "code"],
          ["edge-adapter-microservices", "llm-gateway", "/microservices/v1", "microservices"],
          ["edge-vector-search", "llm-data", "/vector-search", null],
        ],
      );
      // The edge's one certificate sits beside the Gateway; the Bitwarden SDK server's is in External Secrets'.
      assert.deepEqual(a.certificates!.namespaces, ["ingress-nginx", "external-secrets"]);
      const dev = argsOf(variant(stackConfig("dev"), (c) => void (c.monitoring = { stack: "existing", selectorLabels: { release: "kps" } })))!;
      assert.equal(dev.edge!.implementation, "ingress-nginx");
      assert.deepEqual(dev.certificates!.namespaces.slice(0, 2), ["llm-gateway", "llm-data"], "ingress-nginx: one certificate per route namespace");
      assert.deepEqual(a.volumeNamespaces, ["llm-inference", "llm-gateway", "llm-data"]);
    });
  });
});
