import { strict as assert } from "node:assert";
import { gpuSlices, memoryVolumesBytes, quantity, surgePods, vllmArgsOf, workloadOf } from "../../policies/workloads";

/** How the pack reads a workload (#23): replicas, rollout surge (Kubernetes' defaults), GPU slices, /dev/shm, vLLM's command line. */
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const r = (type: string, spec: Record<string, unknown>, metadata: Record<string, unknown> = { name: "w", namespace: "apps" }) => ({
  type,
  name: "w-res",
  urn: "u",
  props: { metadata, spec },
});
const pod = { template: { spec: { containers: [{ name: "c" }], initContainers: [{ name: "i" }] } } };

describe("workload shapes the pack reads (#23)", () => {
  it("rollout surge: Recreate 0; RollingUpdate's maxSurge as a number, a percentage rounded up, 25 % by default", () => {
    const d = (strategy?: unknown) => r(DEPLOYMENT, { ...(strategy ? { strategy } : {}) });
    assert.equal(surgePods(d({ type: "Recreate" }), 4), 0);
    assert.equal(surgePods(d(), 4), 1, "25 % of 4");
    assert.equal(surgePods(d(), 5), 2, "25 % of 5 = 1.25, rounded up");
    assert.equal(surgePods(d({ type: "RollingUpdate", rollingUpdate: { maxSurge: 3 } }), 1), 3);
    assert.equal(surgePods(d({ type: "RollingUpdate", rollingUpdate: { maxSurge: 0 } }), 3), 0);
    assert.equal(surgePods(d({ type: "RollingUpdate", rollingUpdate: { maxSurge: "50%" } }), 3), 2);
    assert.equal(surgePods(d({ type: "RollingUpdate", rollingUpdate: { maxSurge: "2" } }), 3), 2);
    assert.equal(surgePods(d({ type: "RollingUpdate", rollingUpdate: { maxSurge: "x" } }), 3), 0);
    assert.equal(surgePods(r("kubernetes:apps/v1:StatefulSet", {}), 3), 0, "only Deployments surge");
  });

  it("replicas: Deployments and StatefulSets their replicas (1 by default), Jobs their parallelism, DaemonSets 1 per node (counted elsewhere)", () => {
    const w = workloadOf(r(DEPLOYMENT, { replicas: 3, strategy: { type: "Recreate" }, ...pod }))!;
    assert.deepEqual(
      [w.kind, w.label, w.namespace, w.replicas, w.surge, w.containers.map((c) => c.name)],
      ["Deployment", "Deployment apps/w", "apps", 3, 0, ["c", "i"]],
    );
    assert.equal(workloadOf(r(DEPLOYMENT, { ...pod }))!.replicas, 1);
    assert.equal(workloadOf(r(DEPLOYMENT, { ...pod }))!.surge, 1);
    assert.equal(workloadOf(r("kubernetes:apps/v1:StatefulSet", { replicas: 2, ...pod }))!.replicas, 2);
    assert.equal(workloadOf(r("kubernetes:batch/v1:Job", { parallelism: 4, ...pod }))!.replicas, 4);
    assert.equal(workloadOf(r("kubernetes:batch/v1:Job", { ...pod }))!.replicas, 1);
    assert.equal(workloadOf(r("kubernetes:apps/v1:DaemonSet", { replicas: 5, ...pod }))!.replicas, 1);
    assert.equal(workloadOf(r(DEPLOYMENT, { replicas: "3", ...pod }))!.replicas, 1, "an unresolved value counts as 1");
    assert.equal(workloadOf(r(DEPLOYMENT, { ...pod }, {}))!.label, "Deployment default/w-res");
    assert.equal(workloadOf(r("kubernetes:core/v1:Service", { ...pod })), undefined);
    assert.equal(workloadOf(r(DEPLOYMENT, {})), undefined);
  });

  it("GPU slices: whole numbers of nvidia.com/gpu and gpu.shared limits, NaN for a fraction", () => {
    assert.equal(gpuSlices({ resources: { limits: { "nvidia.com/gpu": "2" } } }), 2);
    assert.equal(gpuSlices({ resources: { limits: { "nvidia.com/gpu": 1, "nvidia.com/gpu.shared": "1" } } }), 2);
    assert.ok(Number.isNaN(gpuSlices({ resources: { limits: { "nvidia.com/gpu": "0.5" } } })));
    assert.equal(gpuSlices({ resources: { requests: { "nvidia.com/gpu": "1" } } }), 0);
    assert.equal(gpuSlices({}), 0);
  });

  it("in-memory volumes add up their size limits; quantities of nothing are 0", () => {
    const spec = {
      volumes: [
        { emptyDir: { medium: "Memory", sizeLimit: "2Gi" } },
        { emptyDir: { medium: "Memory", sizeLimit: "512Mi" } },
        { emptyDir: {} },
        { emptyDir: { medium: "Memory" } },
      ],
    };
    assert.equal(memoryVolumesBytes(spec), 2.5 * 2 ** 30);
    assert.equal(memoryVolumesBytes({}), 0);
    assert.deepEqual([quantity(undefined), quantity(null), quantity("500m"), quantity("bogus")], [0, 0, 0.5, 0]);
  });

  it("vLLM's arguments: after `serve`, or all of them, when the command or the image runs vLLM", () => {
    assert.deepEqual(vllmArgsOf({ image: "vllm/vllm-openai:v0.19.0", args: ["m", "--x"] }), ["m", "--x"]);
    assert.deepEqual(vllmArgsOf({ image: "acme/x:1", command: ["/usr/bin/vllm"], args: ["serve", "m"] }), ["m"]);
    assert.deepEqual(vllmArgsOf({ image: "acme/x:1", command: ["python", "-m", "vllm.entrypoints.openai.api_server"], args: ["--model", "m"] }), [
      "--model",
      "m",
    ]);
    assert.equal(vllmArgsOf({ image: "acme/x:1", command: ["vllmx"], args: [] }), undefined);
    assert.equal(vllmArgsOf({ image: "acme/x:1", command: ["myvllm"], args: [] }), undefined);
    assert.equal(vllmArgsOf({ image: "vllm/vllm-openai:v0.19.0", command: ["sh"], args: ["-c", "vllm serve m"] }), undefined);
    assert.equal(vllmArgsOf({ image: "acme/x:1" }), undefined);
    assert.deepEqual(vllmArgsOf({ image: "vllm/vllm-openai:v0.19.0" }), []);
  });
});
