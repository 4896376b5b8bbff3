import { strict as assert } from "node:assert";
import { GpuCardClaims } from "../../components/gpuCardClaims";
import { CARD_LABELS, GPU_DEVICE_CLASS, gpuClaimName, gpuClaimSpec, productLabel, productSelector, type GpuCardSpec } from "../../components/specs/gpuClaims";
import { validateObjects } from "../../plan/validate";
import { kubernetesNames, renderComponents, unwrap, valueOf, type Rendering } from "../fixtures/components";

const CLAIM = "kubernetes:resource.k8s.io/v1:ResourceClaim";
const gpu0: GpuCardSpec = { card: "gpu-node/gpu0", node: "gpu-node", index: 0, product: "NVIDIA-GeForce-RTX-3080" };
const gpu1: GpuCardSpec = { ...gpu0, card: "gpu-node/gpu1", index: 1 };

describe("GpuCardClaims", () => {
  describe("spec builder", () => {
    it("claims exactly one whole GPU of the DRA driver's class, labelled with the card it stands for", () => {
      const spec = gpuClaimSpec("gpu", "llm-inference", gpu1);
      assert.deepEqual(spec.metadata, {
        name: "gpu-gpu-node-gpu1",
        namespace: "llm-inference",
        labels: { "app.kubernetes.io/part-of": "llm-platform", "app.kubernetes.io/component": "gpu", [CARD_LABELS.node]: "gpu-node", [CARD_LABELS.index]: "1" },
      });
      const [request] = spec.spec.devices.requests;
      assert.equal(request.name, "gpu");
      assert.deepEqual(
        { ...request.exactly, selectors: undefined },
        { deviceClassName: GPU_DEVICE_CLASS, allocationMode: "ExactCount", count: 1, selectors: undefined },
      );
      assert.equal(GPU_DEVICE_CLASS, "gpu.nvidia.com");
      assert.equal(gpuClaimSpec("gpu", "llm-inference", gpu1, "gpu.example.com").spec.devices.requests[0].exactly.deviceClassName, "gpu.example.com");
    });

    it("validates against the Kubernetes resource.k8s.io/v1 schema (kubernetes-models)", async () => {
      assert.deepEqual(await validateObjects([gpuClaimSpec("gpu", "llm-inference", gpu0)]), []);
      const broken = gpuClaimSpec("gpu", "llm-inference", gpu0) as any;
      broken.spec.devices.requests[0].exactly.count = "one";
      const [problem] = await validateObjects([broken]);
      assert.match(problem!.message, /count/);
    });

    it("selects the card's product by the driver's productName written as GFD's label (names with dashes of their own too)", () => {
      // NVML names: "NVIDIA GeForce RTX 3080" → label NVIDIA-GeForce-RTX-3080; "NVIDIA A100-SXM4-80GB" → NVIDIA-A100-SXM4-80GB.
      assert.equal(
        productSelector("NVIDIA-GeForce-RTX-3080"),
        'device.attributes["gpu.nvidia.com"].productName.replace(" ", "-") == "NVIDIA-GeForce-RTX-3080"',
      );
      assert.equal(productSelector("NVIDIA-A100-SXM4-80GB"), 'device.attributes["gpu.nvidia.com"].productName.replace(" ", "-") == "NVIDIA-A100-SXM4-80GB"');
      // A device plugin renamed for time-slicing labels NVIDIA-GeForce-RTX-3080-SHARED: the device's name has no suffix.
      assert.equal(productLabel("NVIDIA-GeForce-RTX-3080-SHARED"), "NVIDIA-GeForce-RTX-3080");
      assert.deepEqual(gpuClaimSpec("gpu", "ns", gpu0).spec.devices.requests[0].exactly.selectors, [{ cel: { expression: productSelector(gpu0.product) } }]);
    });

    it("names each claim after the component, node and card index", () => {
      assert.equal(gpuClaimName("gpu", gpu0), "gpu-gpu-node-gpu0");
      assert.equal(gpuClaimName("night", { node: "big-box", index: 3 }), "night-big-box-gpu3");
    });
  });

  describe("component", () => {
    let rendering: Rendering;
    let claimNames: Record<string, string>;
    before(async () => {
      rendering = await renderComponents(() => {
        const claims = new GpuCardClaims("gpu", {
          namespace: "llm-inference",
          cards: [gpu0, gpu1],
          claimOverride: { metadata: { annotations: { team: "ml" } } },
        });
        // A second instance in the same namespace: names derive from the component name.
        new GpuCardClaims("night", { namespace: "llm-inference", cards: [gpu0], deviceClassName: "gpu.example.com" });
        return claims;
      });
      claimNames = await valueOf((rendering as unknown as { result: GpuCardClaims }).result.claimNames);
    });

    it("declares one ResourceClaim per card, parented to the component", () => {
      const component = rendering.resources.find((r) => r.type === "llm-platform:index:GpuCardClaims" && r.name === "gpu")!;
      const claims = rendering.ofType(CLAIM).filter((r) => r.parent === component.urn);
      assert.deepEqual(claims.map((c) => unwrap(c.inputs).metadata.name).sort(), ["gpu-gpu-node-gpu0", "gpu-gpu-node-gpu1"]);
      for (const c of claims) assert.equal(unwrap(c.inputs).metadata.namespace, "llm-inference");
    });

    it("outputs the claim name of each card", () => {
      assert.deepEqual(claimNames, { "gpu-node/gpu0": "gpu-gpu-node-gpu0", "gpu-node/gpu1": "gpu-gpu-node-gpu1" });
    });

    it("deep-merges claimOverride into every claim and takes another DeviceClass", () => {
      for (const name of ["gpu-gpu-node-gpu0", "gpu-gpu-node-gpu1"]) {
        const claim = unwrap(rendering.get(CLAIM, name).inputs);
        assert.deepEqual(claim.metadata.annotations, { team: "ml" });
        assert.equal(claim.metadata.labels[CARD_LABELS.node], "gpu-node", "the override keeps the builder's labels");
      }
      assert.equal(unwrap(rendering.get(CLAIM, "night-gpu-node-gpu0").inputs).spec.devices.requests[0].exactly.deviceClassName, "gpu.example.com");
    });

    it("lets two instances coexist in one namespace", () => {
      const names = kubernetesNames(rendering.resources);
      assert.equal(new Set(names).size, names.length);
      assert.equal(names.length, 3);
    });
  });
});
