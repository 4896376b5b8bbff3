import { strict as assert } from "node:assert";
import { parse } from "yaml";
import { GpuTimeSlicing } from "../../components/gpuTimeSlicing";
import { devicePluginConfig, devicePluginValues, gpuResourceName, slicesPerGpu } from "../../components/specs/devicePlugin";
import { kubernetesNames, renderComponents, unwrap, valueOf, type Rendering } from "../fixtures/components";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const timeSlicing = { mode: "time-slicing", replicas: 4, renameByDefault: false } as const;

describe("GpuTimeSlicing", () => {
  it("configures time-slicing that refuses multi-slice requests", () => {
    assert.deepEqual(devicePluginConfig(timeSlicing), {
      version: "v1",
      flags: { migStrategy: "none" },
      sharing: {
        timeSlicing: {
          renameByDefault: false,
          failRequestsGreaterThanOne: true,
          resources: [{ name: "nvidia.com/gpu", replicas: 4 }],
        },
      },
    });
    assert.equal(slicesPerGpu(timeSlicing), 4);
    assert.equal(gpuResourceName(timeSlicing), "nvidia.com/gpu");
    assert.equal(gpuResourceName({ ...timeSlicing, renameByDefault: true }), "nvidia.com/gpu.shared");
    assert.equal(gpuResourceName({ mode: "mps", replicas: 2, renameByDefault: true }), "nvidia.com/gpu", "only time-slicing renames");
  });

  it("configures MPS and no sharing", () => {
    const mps = devicePluginConfig({ mode: "mps", replicas: 2 }) as any;
    assert.deepEqual(mps.sharing.mps.resources, [{ name: "nvidia.com/gpu", replicas: 2 }]);
    assert.equal(mps.sharing.timeSlicing, undefined);
    assert.equal((devicePluginConfig({ mode: "none" }) as any).sharing, undefined);
    assert.equal(slicesPerGpu({ mode: "none", replicas: 8 }), 1, "no sharing: one pod per card whatever replicas says");
    assert.equal(slicesPerGpu({ mode: "mps" }), 4, "the default of 4 slices per GPU");
  });

  it("puts the config in the chart values, selected by default, merged with overrides last", () => {
    const values = devicePluginValues({
      sharing: timeSlicing,
      nodeSelector: { gpu: "yes" },
      tolerations: [{ key: "nvidia.com/gpu", operator: "Exists" }],
      valuesOverride: { gfd: { enabled: false } },
    }) as any;
    assert.equal(values.config.default, "llm-platform");
    assert.equal(parse(values.config.map["llm-platform"]).sharing.timeSlicing.resources[0].replicas, 4);
    assert.deepEqual(values.nodeSelector, { gpu: "yes" });
    assert.deepEqual(values.gfd, { enabled: false });
    assert.equal(devicePluginValues({ sharing: timeSlicing }).nodeSelector, undefined, "no selector unless given");
  });

  describe("component", () => {
    let rendering: Rendering;
    let outputs: { resourceName: string; slicesPerGpu: number; sharingMode: string; releaseName: string };
    before(async () => {
      rendering = await renderComponents(() => {
        const gpu = new GpuTimeSlicing("gpu", {
          namespace: "nvidia-device-plugin",
          mode: "time-slicing",
          replicas: 4,
          renameByDefault: true,
          overrides: { release: { timeout: 900, values: { gfd: { enabled: false } } } },
        });
        // A second instance in the same stack and namespace: names derive from the component name.
        new GpuTimeSlicing("gpu-b", { namespace: "nvidia-device-plugin", mode: "mps", replicas: 2 });
        return gpu;
      });
      const gpu = (rendering as unknown as { result: GpuTimeSlicing }).result;
      outputs = {
        resourceName: await valueOf(gpu.resourceName),
        slicesPerGpu: await valueOf(gpu.slicesPerGpu),
        sharingMode: await valueOf(gpu.sharingMode),
        releaseName: await valueOf(gpu.releaseName),
      };
    });

    it("declares a pinned Helm release named after the component, parented to it", () => {
      const release = rendering.get(RELEASE, "gpu-device-plugin");
      const inputs = unwrap(release.inputs);
      assert.equal(inputs.name, "gpu-device-plugin");
      assert.equal(inputs.chart, "nvidia-device-plugin");
      assert.equal(inputs.version, "0.17.4");
      assert.equal(inputs.repositoryOpts.repo, "https://nvidia.github.io/k8s-device-plugin");
      assert.equal(inputs.namespace, "nvidia-device-plugin");
      assert.equal(release.parent, "urn:pulumi:test::llm-platform::llm-platform:index:GpuTimeSlicing::gpu");
      assert.equal(release.urn, "urn:pulumi:test::llm-platform::llm-platform:index:GpuTimeSlicing$kubernetes:helm.sh/v3:Release::gpu-device-plugin");
    });

    it("applies node-feature-discovery's CRDs from the release the chart bundles, before the chart, which skips its own", () => {
      // Helm installs a chart's crds/ only on first install and never upgrades them (#22): Pulumi applies them.
      const crds = rendering.get("kubernetes:yaml/v2:ConfigFile", "gpu-nfd-crds");
      assert.equal(
        unwrap(crds.inputs).file,
        "https://raw.githubusercontent.com/kubernetes-sigs/node-feature-discovery/v0.15.3/deployment/base/nfd-crds/nfd-api-crds.yaml",
      );
      assert.equal(crds.parent, "urn:pulumi:test::llm-platform::llm-platform:index:GpuTimeSlicing::gpu");
      const release = rendering.get(RELEASE, "gpu-device-plugin");
      assert.equal(unwrap(release.inputs).skipCrds, true);
      assert.ok(release.dependencies.includes(crds.urn), "the CRDs exist before the chart's NFD needs them");
    });

    it("asks for the NFD release of a chart version it does not know", async () => {
      await assert.rejects(
        renderComponents(() => new GpuTimeSlicing("other", { namespace: "nvidia-device-plugin", chartVersion: "0.18.0" })),
        /GpuTimeSlicing other: set nfdVersion to the node-feature-discovery release chart 0\.18\.0 bundles/,
      );
      const given = await renderComponents(
        () => new GpuTimeSlicing("other", { namespace: "nvidia-device-plugin", chartVersion: "0.18.0", nfdVersion: "v0.17.3" }),
      );
      assert.match(unwrap(given.get("kubernetes:yaml/v2:ConfigFile", "other-nfd-crds").inputs).file, /\/v0\.17\.3\//);
    });

    it("deep-merges the release override last: scalars replace, objects merge", () => {
      const inputs = unwrap(rendering.get(RELEASE, "gpu-device-plugin").inputs);
      assert.equal(inputs.timeout, 900);
      assert.deepEqual(inputs.values.gfd, { enabled: false });
      assert.equal(inputs.values.config.default, "llm-platform", "the rest of the values stay");
    });

    it("keeps the old type token as an alias so existing stacks do not replace it", () => {
      assert.ok(rendering.get("llm-platform:index:GpuTimeSlicing", "gpu").aliases.includes("llm-platform:gpu:GpuTimeSlicing"));
    });

    it("exposes what GPU workloads need as outputs", () => {
      assert.deepEqual(outputs, { resourceName: "nvidia.com/gpu.shared", slicesPerGpu: 4, sharingMode: "time-slicing", releaseName: "gpu-device-plugin" });
    });

    it("lets two instances coexist in one stack and namespace", () => {
      const names = kubernetesNames(rendering.resources).filter((n) => n.startsWith("helm.sh"));
      assert.equal(names.length, 2);
      assert.equal(new Set(names).size, names.length, names.join(", "));
      assert.match(unwrap(rendering.get(RELEASE, "gpu-b-device-plugin").inputs).values.config.map["llm-platform"], /mps:/);
    });
  });
});
