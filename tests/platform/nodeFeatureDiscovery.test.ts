import { strict as assert } from "node:assert";
import { parsePlatformConfig } from "../../config/load";
import { addonsUsed, clusterAddonsArgs } from "../../platform/addons";
import { platformFlows, releaseNames } from "../../platform/flows";
import { devicePluginNetworkPolicies, gpuOperatorsNamespaceUsed } from "../../platform/network";
import { evaluateReachability, selectorMatches } from "../../plan/reachability";
import type { SynthesizedResource } from "../../plan/synthesize";
import { planStack } from "../fixtures/plans";
import { stackConfig, variant } from "../fixtures/stacks";
import { planned } from "../plan/planned";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const releasesOf = (resources: SynthesizedResource[]) =>
  resources.filter((r) => r.type === RELEASE).map((r) => ({ name: r.props.name as string, chart: String(r.props.chart).split("/").pop()! }));

/** Prod with the device plugin's time-slicing instead of DRA (the cards unpinned, a product the catalog knows). */
const timeSlicing = () =>
  variant(stackConfig("prod"), (c) => {
    c.gpuSharing = { mode: "time-slicing", replicas: 4 };
    for (const server of Object.values<any>(c.servers)) delete server.placement;
    c.host.nodes["gpu-node"].gpuProduct = "NVIDIA-GeForce-RTX-3090";
  });
const nfdOff = () => variant(stackConfig("prod"), (c) => (c.gpuSharing.nodeFeatureDiscovery = { install: false }));

/**
 * The pods node-feature-discovery 0.19.0 runs, by the labels its templates give them
 * (deployment/helm/node-feature-discovery/templates/_helpers.tpl selectorLabels, plus `role` in
 * master.yaml, worker.yaml, nfd-gc.yaml and the post-delete Job of post-delete-job.yaml).
 */
const nfdPods = (release: string) =>
  (["master", "worker", "gc", "prune"] as const).map((role) => ({
    role,
    labels: { "app.kubernetes.io/name": "node-feature-discovery", "app.kubernetes.io/instance": release, role },
  }));

describe("Node Feature Discovery under DRA (gpuSharing.nodeFeatureDiscovery)", function () {
  this.timeout(120_000);

  describe("which stacks install it", () => {
    it("prod (dra, GPUs): installed by default, chart 0.19.0, in the GPU operators' namespace, its worker tolerating the GPU nodes' taints", () => {
      const config = parsePlatformConfig(stackConfig("prod"));
      assert.equal(config.gpuSharing.mode === "dra" && config.gpuSharing.nodeFeatureDiscovery.install, true);
      assert.equal(addonsUsed(config).nodeFeatureDiscovery, true);
      const args = clusterAddonsArgs(config).nodeFeatureDiscovery!;
      assert.deepEqual(args, { namespace: config.namespaces.devicePlugin, chartVersion: "0.19.0", tolerations: config.host.gpuTolerations });
    });

    it("not with the flag off, nor under time-slicing (the device plugin's gfd brings NFD), nor without GPUs", () => {
      assert.equal(addonsUsed(parsePlatformConfig(nfdOff())).nodeFeatureDiscovery, false);
      assert.equal(clusterAddonsArgs(parsePlatformConfig(nfdOff())).nodeFeatureDiscovery, undefined);
      const slicing = parsePlatformConfig(timeSlicing());
      assert.deepEqual([addonsUsed(slicing).nodeFeatureDiscovery, addonsUsed(slicing).gpuDevicePlugin], [false, true]);
      assert.equal(addonsUsed(parsePlatformConfig(stackConfig("dev"))).nodeFeatureDiscovery, false, "dev has no GPU");
    });

    it("keeps the GPU operators' (privileged) namespace when NFD is its only occupant (DRA driver and DCGM exporter not installed)", () => {
      const config = parsePlatformConfig(
        variant(stackConfig("prod"), (c) => {
          c.gpuSharing.install = false;
          c.monitoring.dcgmExporter = { enabled: false };
        }),
      );
      assert.deepEqual([addonsUsed(config).draDriver, addonsUsed(config).nodeFeatureDiscovery, addonsUsed(config).dcgmExporter], [false, true, false]);
      assert.equal(gpuOperatorsNamespaceUsed(config), true);
      assert.ok(devicePluginNetworkPolicies(config)["nfd-api-server"]);
    });

    it("refuses a chartVersion that is empty, naming the key", () => {
      assert.throws(
        () => parsePlatformConfig(variant(stackConfig("prod"), (c) => (c.gpuSharing.nodeFeatureDiscovery = { chartVersion: "" }))),
        /llm-platform:gpuSharing\.nodeFeatureDiscovery\.chartVersion/,
      );
    });
  });

  describe("the prod plan", () => {
    it("renders the NFD release (chart node-feature-discovery, addons-node-feature-discovery) under DRA, after its CRDs", async () => {
      const { resources } = await planned("prod");
      assert.deepEqual(
        releasesOf(resources).filter((r) => r.chart === "node-feature-discovery"),
        [{ name: "addons-node-feature-discovery", chart: "node-feature-discovery" }],
      );
      const release = resources.find((r) => r.type === RELEASE && r.props.name === "addons-node-feature-discovery")!;
      assert.equal(release.props.namespace, "nvidia-device-plugin");
      assert.deepEqual(release.props.values.worker.config.sources.pci.deviceLabelFields, ["vendor"]);
      const crds = resources.find((r) => r.type === "kubernetes:yaml/v2:ConfigFile" && /node-feature-discovery\/v0\.19\.0\//.test(r.props.file))!;
      assert.ok(release.dependencies.includes(crds.urn));
    });

    it("renders no NFD release under time-slicing: the device plugin's own NFD labels the nodes", async () => {
      const { resources } = await planStack("prod", timeSlicing());
      const charts = releasesOf(resources).map((r) => r.chart);
      assert.ok(charts.includes("nvidia-device-plugin"));
      assert.ok(!charts.includes("node-feature-discovery"));
    });

    it("renders none with the flag off", async () => {
      const { resources } = await planStack("prod", nfdOff());
      assert.ok(!releasesOf(resources).some((r) => r.chart === "node-feature-discovery"));
      assert.ok(!resources.some((r) => r.type === NP && r.props.metadata.name === "allow-nfd-api-server"));
    });
  });

  describe("flows and NetworkPolicies", () => {
    it("one needed flow: NFD's pods (by release) → the API server on its ports; none into them", () => {
      const config = parsePlatformConfig(stackConfig("prod"));
      const release = releaseNames(config).nodeFeatureDiscovery;
      assert.equal(release, "addons-node-feature-discovery");
      const plan = platformFlows(config);
      const touching = plan.flows.filter((f) => JSON.stringify([f.from, f.to]).includes(release));
      assert.equal(touching.length, 1, JSON.stringify(touching));
      assert.deepEqual(touching[0]!.from, {
        pods: { namespace: "nvidia-device-plugin", pods: { "app.kubernetes.io/instance": release }, name: "node-feature-discovery pods" },
      });
      assert.ok("external" in touching[0]!.to && touching[0]!.to.external === "kube-apiserver", JSON.stringify(touching[0]!.to));
      assert.deepEqual(touching[0]!.ports, config.network.apiServer.ports);
      assert.ok(plan.releases.some((r) => r.release === release && r.chart === "node-feature-discovery"));
    });

    it("every NFD pod (master, worker, gc, prune Job) is selected by default deny, DNS and the API-server allow only", async () => {
      const { resources, config } = await planned("prod");
      const ns = config.namespaces.devicePlugin;
      const policies = resources.filter((r) => r.type === NP && r.props.metadata.namespace === ns);
      for (const { role, labels } of nfdPods("addons-node-feature-discovery")) {
        const selecting = policies
          .filter((p) => selectorMatches(p.props.spec.podSelector, labels))
          .map((p) => p.props.metadata.name)
          .sort();
        assert.deepEqual(selecting, ["allow-dns", "allow-nfd-api-server", "default-deny"], role);
      }
      const allow = policies.find((p) => p.props.metadata.name === "allow-nfd-api-server")!.props.spec;
      assert.deepEqual(allow.policyTypes, ["Egress"]);
      assert.equal(allow.ingress, undefined, "nothing calls NFD: no gRPC since v0.17, no scrape");
      assert.deepEqual(allow.egress.flatMap((e: any) => e.to.map((t: any) => t.ipBlock.cidr)).sort(), [...config.network.apiServer.cidrs].sort());
      assert.deepEqual(allow.egress.flatMap((e: any) => e.ports.map((p: any) => p.port)).sort(), [...config.network.apiServer.ports].sort());
    });

    it("the flow is open in the rendered policies; removing the allow blocks it, naming the flow", async () => {
      const { resources, config } = await planned("prod");
      assert.deepEqual(evaluateReachability(resources, platformFlows(config)).violations, []);
      const without = structuredClone(resources).filter((r) => !(r.type === NP && r.props.metadata.name === "allow-nfd-api-server"));
      const messages = evaluateReachability(without, platformFlows(config)).violations.map((v) => v.message);
      assert.ok(
        messages.some((m) => m.startsWith("needed flow nvidia-device-plugin/node-feature-discovery pods → kube-apiserver")),
        messages.join("\n"),
      );
    });

    it("a shared cluster prefixes the release, and the policy follows it", () => {
      const config = parsePlatformConfig(variant(stackConfig("prod"), (c) => (c.cluster = { ...c.cluster, shared: true })));
      const policy = devicePluginNetworkPolicies(config)["nfd-api-server"]!;
      assert.deepEqual((policy.spec as any).podSelector.matchLabels, { "app.kubernetes.io/instance": "prod-addons-node-feature-discovery" });
    });
  });
});
