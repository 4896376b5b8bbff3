import { strict as assert } from "node:assert";
import { podSpecIn } from "@llm-platform/capacity";
import { kubernetesObject } from "../../../plan/manifests";
import { validateObjects } from "../../../plan/validate";
import { parsePlatformConfig } from "../../../config/load";
import { planGpus } from "../../../policies/gpuPlan";
import { plannedCards, plannedGpuWorkloads } from "../../../platform/monitoring";
import { planServers } from "../../../platform/servers";
import { evaluate, planStack, type StackPlan } from "../../fixtures/plans";
import { stackConfig, variant } from "../../fixtures/stacks";

const SERVICE_MONITOR = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor";
const RELEASE = "kubernetes:helm.sh/v3:Release";
const WORKLOADS = ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet"];

const matches = (labels: Record<string, string> | undefined, selector: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels?.[k] === v);

describe("Observability in the prod plan", function () {
  this.timeout(180_000);
  let plan: StackPlan;
  let monitors: any[];
  const objects = (type: string) => plan.resources.filter((r) => r.type === type).map((r) => r.props);

  before(async () => {
    plan = await planStack("prod");
    monitors = objects(SERVICE_MONITOR);
  });

  it("scrapes every layer: both vLLM servers, the DCGM exporter, the ingress controller, Qdrant and cert-manager (LiteLLM's OSS image exposes nothing)", () => {
    assert.deepEqual(monitors.map((m) => `${m.metadata.namespace}/${m.metadata.name}`).sort(), [
      "cert-manager/monitoring-cert-manager",
      "ingress-nginx/monitoring-ingress-nginx",
      "llm-data/monitoring-qdrant",
      "llm-inference/monitoring-vllm-embedding",
      "llm-inference/monitoring-vllm-llm",
      "nvidia-device-plugin/monitoring-dcgm-exporter",
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
      const pods = workloads.filter((w) => w.props.metadata.namespace === ns && matches(podSpecIn(w.type, w.props) && w.props.spec.template.metadata.labels, service.spec.selector));
      assert.equal(pods.length, 1, `${service.metadata.name} selects one workload`);
      const containerPorts = podSpecIn(pods[0]!.type, pods[0]!.props)!.containers.flatMap((c: any) => c.ports ?? []);
      assert.ok(containerPorts.some((p: any) => p.name === servicePort.targetPort), `${pods[0]!.props.metadata.name} names container port ${servicePort.targetPort}`);
      checked++;
    }
    assert.equal(checked, 3, "vllm-llm, vllm-embedding, qdrant");
  });

  it("selects the charts' metrics Services by the labels their pinned releases give them", () => {
    const releases = objects(RELEASE);
    const release = (chart: string) => releases.find((r) => r.chart === chart)!;
    const expectations: [string, string, Record<string, string>, string][] = [
      ["monitoring-dcgm-exporter", "dcgm-exporter", { "app.kubernetes.io/name": "dcgm-exporter", "app.kubernetes.io/component": "dcgm-exporter" }, "metrics"],
      ["monitoring-ingress-nginx", "ingress-nginx", { "app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller" }, "metrics"],
      ["monitoring-cert-manager", "cert-manager", { "app.kubernetes.io/name": "cert-manager", "app.kubernetes.io/component": "controller" }, "http-metrics"],
    ];
    for (const [name, chart, labels, port] of expectations) {
      const m = monitors.find((x) => x.metadata.name === name);
      const r = release(chart);
      assert.equal(m.metadata.namespace, r.namespace, `${name} lives beside the ${chart} release`);
      assert.deepEqual(m.spec.selector.matchLabels, { ...labels, "app.kubernetes.io/instance": r.name });
      assert.equal(m.spec.endpoints[0].port, port);
    }
    assert.equal(release("ingress-nginx").values.controller.metrics.enabled, true, "the controller serves metrics");
    assert.equal(release("cert-manager").values.prometheus.enabled, true, "cert-manager serves metrics");
    assert.equal(release("dcgm-exporter").values.serviceMonitor.enabled, false, "the chart's own ServiceMonitor is off: ours adds the node label");
    assert.deepEqual(release("dcgm-exporter").values.nodeSelector, { "nvidia.com/gpu.present": "true" }, "on the GPU node");
  });

  it("scrapes Qdrant with its read-only key from the Secret Qdrant reads its keys from", () => {
    const qdrant = monitors.find((m) => m.metadata.name === "monitoring-qdrant");
    const auth = qdrant.spec.endpoints[0].authorization;
    const secret = objects("kubernetes:core/v1:Secret").find((s) => s.metadata.namespace === "llm-data" && s.metadata.name === auth.credentials.name);
    assert.ok(secret && auth.credentials.key in secret.stringData, "the key exists in that Secret, in the monitor's namespace");
    const env = podSpecIn("kubernetes:apps/v1:StatefulSet", objects("kubernetes:apps/v1:StatefulSet").find((s) => s.metadata.name === "qdrant"))!.containers[0].env;
    assert.ok(env.some((e: any) => e.name === "QDRANT__SERVICE__READ_ONLY_API_KEY" && e.valueFrom.secretKeyRef.key === auth.credentials.key));
  });

  it("installs kube-prometheus-stack in a restricted monitoring namespace, whose Prometheus selects the platform's monitors and rules", () => {
    const kps = objects(RELEASE).find((r) => r.chart === "kube-prometheus-stack")!;
    assert.equal(kps.version, "88.5.3");
    const ns = objects("kubernetes:core/v1:Namespace").find((n) => n.metadata.name === kps.namespace)!;
    assert.equal(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted", "node-exporter is off");
    const rule = objects("kubernetes:monitoring.coreos.com/v1:PrometheusRule")[0];
    for (const obj of [...monitors, rule]) assert.equal(obj.metadata.labels.release, kps.name, `${obj.metadata.name}: the chart's serviceMonitorSelector/ruleSelector is release: <release name>`);
    assert.equal(kps.values.grafana.sidecar.dashboards.label, "grafana_dashboard");
    const dashboards = objects("kubernetes:core/v1:ConfigMap").filter((c) => c.metadata.labels?.grafana_dashboard === kps.values.grafana.sidecar.dashboards.labelValue);
    assert.equal(dashboards.length, 5);
  });

  it("renders objects the Kubernetes and prometheus-operator schemas accept, and the policy pack accepts the plan", async () => {
    const mine = plan.resources.filter((r) => r.type.startsWith("kubernetes:monitoring.coreos.com/") || (r.type === "kubernetes:core/v1:ConfigMap" && r.props.metadata.name.endsWith("-dashboard")));
    assert.equal(mine.length, 6 + 1 + 5);
    assert.deepEqual(await validateObjects(mine.map((r) => kubernetesObject(r)!)), []);
    const mandatory = (await evaluate(plan)).filter((v) => v.level === "mandatory");
    assert.deepEqual(mandatory, []);
  });

  it("takes each card's planned footprint from the policy pack's GPU plan, as the program renders the Deployments", () => {
    const config = parsePlatformConfig(stackConfig("prod"));
    const servers = planServers(config);
    const fromProgram = planGpus(plan.resources, plan.host).cards;
    assert.deepEqual(
      plannedCards(config, servers).map((c) => [`${c.node}/gpu${c.index}`, c.plannedGiB, c.memoryGiB, c.pods]),
      fromProgram.map((c) => [c.card, c.totalGiB, c.memoryGiB, c.worstCase.map((p) => p.pod)]),
    );
    // A rolling update adds a surge pod to the worst case, exactly as the policy pack counts it.
    const rolling = parsePlatformConfig(variant(stackConfig("prod"), (c) => void (c.servers.embedding.rollout = "RollingUpdate")));
    const pods = planGpus(plannedGpuWorkloads(rolling, planServers(rolling)), plan.host).pods.map((p) => p.pod);
    assert.ok(pods.includes("vllm-embedding-surge-0"), pods.join(", "));
  });
});
