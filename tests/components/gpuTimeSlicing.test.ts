import { strict as assert } from "node:assert";
import { parse } from "yaml";
import { GpuTimeSlicing } from "../../components/gpuTimeSlicing";
import { devicePluginConfig, devicePluginValues, gpuResourceName, slicesPerGpu } from "../../components/specs/devicePlugin";
import { findResource, installMocks, settle, type RecordedResource } from "../fixtures/mocks";

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
  });

  it("configures MPS and no sharing", () => {
    const mps = devicePluginConfig({ mode: "mps", replicas: 2 }) as any;
    assert.deepEqual(mps.sharing.mps.resources, [{ name: "nvidia.com/gpu", replicas: 2 }]);
    assert.equal(mps.sharing.timeSlicing, undefined);
    assert.equal((devicePluginConfig({ mode: "none" }) as any).sharing, undefined);
    assert.equal(slicesPerGpu({ mode: "none" }), 1);
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
  });

  describe("component", () => {
    let recorded: RecordedResource[];
    let component: GpuTimeSlicing;
    before(async () => {
      recorded = installMocks();
      component = new GpuTimeSlicing("gpu", {
        namespace: "nvidia-device-plugin",
        chart: { repo: "https://nvidia.github.io/k8s-device-plugin", version: "0.17.4" },
        sharing: timeSlicing,
        nodeSelector: {},
        tolerations: [],
        overrides: { release: (spec) => ({ ...spec, timeout: 900 }) },
      });
      await settle();
    });

    it("declares a pinned Helm release parented to the component", () => {
      const release = findResource(recorded, "kubernetes:helm.sh/v3:Release", "gpu-device-plugin");
      assert.equal(release.inputs.chart, "nvidia-device-plugin");
      assert.equal(release.inputs.version, "0.17.4");
      assert.equal(release.inputs.namespace, "nvidia-device-plugin");
      assert.equal(release.inputs.timeout, 900, "the override hook applies last");
      findResource(recorded, "llm-platform:gpu:GpuTimeSlicing", "gpu");
    });

    it("exposes what GPU workloads need", () => {
      assert.equal(component.resourceName, "nvidia.com/gpu");
      assert.equal(component.slicesPerGpu, 4);
      assert.equal(component.sharingMode, "time-slicing");
    });
  });
});
