import { strict as assert } from "node:assert";
import { createHmac } from "node:crypto";
import { parse } from "yaml";
import { podSpecIn } from "@llm-platform/kube";
import { kubernetesObject } from "../../../plan/manifests";
import { validateObjects } from "../../../plan/validate";
import { parsePlatformConfig } from "../../../config/load";
import { planGpus } from "../../../policies/gpuPlan";
import { plannedCards, plannedGpuWorkloads } from "../../../platform/monitoring";
import { planServers } from "../../../platform/servers";
import { policyConfigFromPlatform } from "../../../plan/policyConfig";
import { evaluate, planStack, type StackPlan } from "../../fixtures/plans";
import { stackConfig, variant } from "../../fixtures/stacks";

const SERVICE_MONITOR = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor";
const POD_MONITOR = "kubernetes:monitoring.coreos.com/v1:PodMonitor";
const RELEASE = "kubernetes:helm.sh/v3:Release";
const WORKLOADS = ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet"];

const matches = (labels: Record<string, string> | undefined, selector: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels?.[k] === v);

describe("Observability in the prod plan", function () {
  this.timeout(180_000);
  let plan: StackPlan;
  let monitors: any[];
  let podMonitors: any[];
  const objects = (type: string) => plan.resources.filter((r) => r.type === type).map((r) => r.props);

  before(async () => {
    plan = await planStack("prod");
    monitors = objects(SERVICE_MONITOR);
    podMonitors = objects(POD_MONITOR);
  });

  it("scrapes every layer: each vLLM server, the DCGM exporter, NGINX Gateway Fabric's control and data planes, LiteLLM, Qdrant and cert-manager", () => {
    const servers = Object.keys((stackConfig("prod") as any).servers).map((s) => `llm-inference/monitoring-vllm-${s}`);
    assert.equal(servers.length, 3, "llm, embedding, reranker");
    assert.deepEqual(
      monitors.map((m) => `${m.metadata.namespace}/${m.metadata.name}`).sort(),
      [
        "cert-manager/monitoring-cert-manager",
        "llm-data/monitoring-qdrant",
        "llm-gateway/monitoring-litellm",
        ...servers,
        "nvidia-device-plugin/monitoring-dcgm-exporter",
      ].sort(),
    );
    // No Service exposes NGF's metrics ports (its Service has only the agent's gRPC port; the data plane's only the listeners).
    assert.deepEqual(podMonitors.map((m) => `${m.metadata.namespace}/${m.metadata.name}`).sort(), [
      "ingress-nginx/monitoring-ngf-control-plane",
      "ingress-nginx/monitoring-ngf-data-plane",
    ]);
  });

  it("selects real pods and ports: each platform ServiceMonitor matches exactly one rendered Service, which has the named port, whose pods name the container port", () => {
    const services = objects("kubernetes:core/v1:Service");
    const workloads = plan.resources.filter((r) => WORKLOADS.includes(r.type));
    let checked = 0;
    for (const m of monitors) {
      const ns = m.metadata.namespace as string;
      const selected = services.filter((s) => s.metadata.namespace === ns && matches(s.metadata.labels, m.spec.selector.matchLabels));
      if (selected.length === 0) continue; // a chart's Service: checked against its release below
      assert.equal(selected.length, 1, `${m.metadata.name} selects ${selected.map((s) => s.metadata.name).join(", ")}`);
      const service = selected[0]!;
      const port = m.spec.endpoints[0].port as string;
      const servicePort = service.spec.ports.find((p: any) => p.name === port);
      assert.ok(servicePort, `${service.metadata.name} has a port named ${port}`);
      const pods = workloads.filter(
        (w) => w.props.metadata.namespace === ns && matches(podSpecIn(w.type, w.props) && w.props.spec.template.metadata.labels, service.spec.selector),
      );
      assert.equal(pods.length, 1, `${service.metadata.name} selects one workload`);
      const containerPorts = podSpecIn(pods[0]!.type, pods[0]!.props)!.containers.flatMap((c: any) => c.ports ?? []);
      assert.ok(
        containerPorts.some((p: any) => p.name === servicePort.targetPort),
        `${pods[0]!.props.metadata.name} names container port ${servicePort.targetPort}`,
      );
      checked++;
    }
    assert.equal(checked, 5, "vllm-llm, vllm-embedding, vllm-reranker, gateway-litellm, qdrant");
  });

  it("selects the Gateway's NGINX pods by the labels NGF copies from the Gateway's spec.infrastructure.labels, on the port NGF names metrics", () => {
    const dataPlane = podMonitors.find((m) => m.metadata.name === "monitoring-ngf-data-plane");
    const gateway = objects("kubernetes:gateway.networking.k8s.io/v1:Gateway")[0]!;
    assert.equal(dataPlane.metadata.namespace, gateway.metadata.namespace, "NGF provisions the data plane in the Gateway's namespace");
    assert.ok(matches(gateway.spec.infrastructure.labels, dataPlane.spec.selector.matchLabels), "every selector label is one the data-plane pods get");
    assert.ok(Object.keys(dataPlane.spec.selector.matchLabels).length >= 2);
    // provisioner/objects.go names the container port "metrics" when the NginxProxy leaves metrics on (its default).
    assert.equal(dataPlane.spec.podMetricsEndpoints[0].port, "metrics");
    const ngf = objects(RELEASE).find((r) => r.chart.endsWith("nginx-gateway-fabric"))!;
    assert.notEqual(ngf.values.nginx?.config?.metrics?.disable, true, "the data plane's metrics stay on");
    assert.notEqual(ngf.values.nginxGateway?.metrics?.enable, false, "the control plane's metrics stay on");
    // Series of pods carry the job each PodMonitor names: what the rules and dashboards select by.
    assert.deepEqual(Object.fromEntries(podMonitors.map((m) => [m.metadata.name, m.spec.podMetricsEndpoints[0].relabelings])), {
      "monitoring-ngf-control-plane": [{ action: "replace", replacement: "nginx-gateway-fabric", targetLabel: "job" }],
      "monitoring-ngf-data-plane": [{ action: "replace", replacement: "edge-nginx", targetLabel: "job" }],
    });
  });

  it("selects the charts' metrics Services by the labels their pinned releases give them", () => {
    const releases = objects(RELEASE);
    const release = (chart: string) => releases.find((r) => r.chart === chart)!;
    const expectations: [string, string, Record<string, string>, string][] = [
      ["monitoring-dcgm-exporter", "dcgm-exporter", { "app.kubernetes.io/name": "dcgm-exporter", "app.kubernetes.io/component": "dcgm-exporter" }, "metrics"],
      // The chart's selectorLabels (templates/_helpers.tpl): its name and the release; container port `metrics`.
      ["monitoring-ngf-control-plane", "nginx-gateway-fabric", { "app.kubernetes.io/name": "nginx-gateway-fabric" }, "metrics"],
      ["monitoring-cert-manager", "cert-manager", { "app.kubernetes.io/name": "cert-manager", "app.kubernetes.io/component": "controller" }, "http-metrics"],
    ];
    for (const [name, chart, labels, port] of expectations) {
      const m = [...monitors, ...podMonitors].find((x) => x.metadata.name === name);
      const r = releases.find((x) => x.chart === chart || x.chart.endsWith(`/${chart}`))!;
      assert.equal(m.metadata.namespace, r.namespace, `${name} lives beside the ${chart} release`);
      assert.deepEqual(m.spec.selector.matchLabels, { ...labels, "app.kubernetes.io/instance": r.name });
      assert.equal((m.spec.endpoints ?? m.spec.podMetricsEndpoints)[0].port, port);
    }
    assert.equal(release("cert-manager").values.prometheus.enabled, true, "cert-manager serves metrics");
    assert.equal(release("dcgm-exporter").values.serviceMonitor.enabled, false, "the chart's own ServiceMonitor is off: ours adds the node label");
    // On the nodes the GPU workloads select (host.gpuNodeSelector: NFD's NVIDIA PCI label by default).
    assert.deepEqual(release("dcgm-exporter").values.nodeSelector, parsePlatformConfig(stackConfig("prod")).host.gpuNodeSelector, "on the GPU node");
    assert.deepEqual(release("dcgm-exporter").values.nodeSelector, { "feature.node.kubernetes.io/pci-10de.present": "true" });
  });

  it("scrapes Qdrant with a read-only token signed with its API key, never the key itself", () => {
    const qdrant = monitors.find((m) => m.metadata.name === "monitoring-qdrant");
    const auth = qdrant.spec.endpoints[0].authorization;
    const secret = (ns: string, name: string) => objects("kubernetes:core/v1:Secret").find((s) => s.metadata.namespace === ns && s.metadata.name === name);
    const token: string = secret("llm-data", auth.credentials.name)!.stringData[auth.credentials.key];
    assert.ok(token, "the token exists in that Secret, in the monitor's namespace");
    const [header, payload, signature] = token.split(".");
    const json = (part: string) => JSON.parse(Buffer.from(part!, "base64url").toString("utf8"));
    assert.deepEqual(json(header!), { alg: "HS256", typ: "JWT" });
    const claims = json(payload!);
    // Qdrant's /metrics asks for global access (service_api.rs check_global_access): read-only ("r"), with an expiry.
    assert.equal(claims.access, "r");
    assert.ok(Number.isInteger(claims.exp) && claims.exp > Date.now() / 1000, String(claims.exp));
    const apiKey = secret("llm-data", "qdrant-api-keys")!.stringData["api-key"];
    assert.equal(
      createHmac("sha256", apiKey).update(`${header}.${payload}`).digest("base64url"),
      signature,
      "signed with the API key Qdrant verifies tokens with",
    );
    assert.ok(!Object.values(secret("llm-data", auth.credentials.name)!.stringData).includes(apiKey), "the API key itself is not handed over");
  });

  it("scrapes LiteLLM with a key that may call /metrics only, reconciled into LiteLLM with the clients' keys, never the master key", () => {
    const litellm = monitors.find((m) => m.metadata.name === "monitoring-litellm");
    const auth = litellm.spec.endpoints[0].authorization;
    assert.equal(auth.credentials.name, "gateway-litellm-metrics");
    assert.notEqual(auth.credentials.name, "gateway-litellm-keys", "not the Secret of the master key");
    const clients = objects("kubernetes:core/v1:ConfigMap").find(
      (c) => c.metadata.namespace === "llm-gateway" && c.metadata.name.startsWith("gateway-litellm-clients-"),
    )!;
    assert.deepEqual(JSON.parse(clients.data["metrics-reader.json"]).allowed_routes, ["/metrics"]);
    const job = objects("kubernetes:batch/v1:Job").find((j) => j.metadata.name === clients.metadata.name)!;
    const sources = job.spec.template.spec.volumes.find((v: any) => v.name === "keys").projected.sources;
    assert.ok(
      sources.some(
        (s: any) => s.secret.name === auth.credentials.name && s.secret.items[0].key === auth.credentials.key && s.secret.items[0].path === "metrics-reader",
      ),
    );
    const config = parse(objects("kubernetes:core/v1:ConfigMap").find((c) => c.metadata.name === "gateway-litellm-config")!.data["config.yaml"]);
    assert.ok(config.litellm_settings.callbacks.includes("prometheus"), "the Prometheus callback records the metrics");
    assert.equal(config.litellm_settings.require_auth_for_metrics_endpoint, true);
  });

  it("installs kube-prometheus-stack in a restricted monitoring namespace, whose Prometheus selects the platform's monitors and rules", () => {
    const kps = objects(RELEASE).find((r) => r.chart === "kube-prometheus-stack")!;
    assert.equal(kps.version, "88.5.3");
    const ns = objects("kubernetes:core/v1:Namespace").find((n) => n.metadata.name === kps.namespace)!;
    assert.equal(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted", "node-exporter is off");
    const rule = objects("kubernetes:monitoring.coreos.com/v1:PrometheusRule")[0];
    for (const obj of [...monitors, ...podMonitors, rule])
      assert.equal(
        obj.metadata.labels.release,
        kps.name,
        `${obj.metadata.name}: the chart's serviceMonitorSelector/podMonitorSelector/ruleSelector is release: <release name>`,
      );
    assert.equal(kps.values.grafana.sidecar.dashboards.label, "grafana_dashboard");
    const dashboards = objects("kubernetes:core/v1:ConfigMap").filter(
      (c) => c.metadata.labels?.grafana_dashboard === kps.values.grafana.sidecar.dashboards.labelValue,
    );
    assert.equal(dashboards.length, 5);
  });

  it("renders objects the Kubernetes and prometheus-operator schemas accept, and the policy pack accepts the plan", async () => {
    const mine = plan.resources.filter(
      (r) =>
        r.type.startsWith("kubernetes:monitoring.coreos.com/") || (r.type === "kubernetes:core/v1:ConfigMap" && r.props.metadata.name.endsWith("-dashboard")),
    );
    assert.equal(mine.length, 7 + 2 + 1 + 5, "7 ServiceMonitors, 2 PodMonitors, 1 PrometheusRule, 5 dashboards");
    assert.deepEqual(await validateObjects(mine.map((r) => kubernetesObject(r)!)), []);
    const mandatory = (await evaluate(plan)).filter((v) => v.level === "mandatory");
    assert.deepEqual(mandatory, []);
  });

  it("takes each card's planned footprint from the policy pack's GPU plan, as the program renders the Deployments", () => {
    const config = parsePlatformConfig(stackConfig("prod"));
    const servers = planServers(config);
    const fromProgram = planGpus(plan.resources, plan.host).cards;
    // DRA: which physical card (DCGM's NVML index) a claim gets is the scheduler's choice, so each card
    // of the node is held to the node's fullest planned card, naming every claim's pods.
    const fullest = Math.max(...fromProgram.map((c) => c.totalGiB));
    assert.equal(fullest, fromProgram.find((c) => c.card === "gpu-node/gpu0")!.totalGiB, "the llm's card");
    const claims = fromProgram.map((c) => `claim ${c.card.split("/")[1]}: ${c.worstCase.map((p) => p.pod).join(" + ")}`);
    assert.deepEqual(claims, ["claim gpu0: vllm-llm-0", "claim gpu1: vllm-embedding-0 + vllm-reranker-0"]);
    assert.deepEqual(
      plannedCards(config, servers).map((c) => [`${c.node}/gpu${c.index}`, c.plannedGiB, c.memoryGiB, c.pods]),
      fromProgram.map((c) => [c.card, fullest, c.memoryGiB, claims]),
    );
    // The device plugin places pods itself and each card has the same worst case: per card, as the pack plans it.
    const shared = parsePlatformConfig(
      variant(stackConfig("prod"), (c) => {
        c.gpuSharing = { mode: "time-slicing", replicas: 4 };
        for (const s of Object.values<any>(c.servers)) delete s.placement;
        c.host.nodes["gpu-node"].gpuProduct = "NVIDIA-GeForce-RTX-3090";
      }),
    );
    const sharedPlan = planGpus(plannedGpuWorkloads(shared, planServers(shared)), policyConfigFromPlatform(shared)).cards;
    assert.deepEqual(
      plannedCards(shared, planServers(shared)).map((c) => [`${c.node}/gpu${c.index}`, c.plannedGiB, c.pods]),
      sharedPlan.map((c) => [c.card, c.totalGiB, c.worstCase.map((p) => p.pod)]),
    );
    // A rolling update adds a surge pod to the worst case, exactly as the policy pack counts it.
    const rolling = parsePlatformConfig(variant(stackConfig("prod"), (c) => void (c.servers.embedding.rollout = "RollingUpdate")));
    const pods = planGpus(plannedGpuWorkloads(rolling, planServers(rolling)), plan.host).pods.map((p) => p.pod);
    assert.ok(pods.includes("vllm-embedding-surge-0"), pods.join(", "));
  });
});
