import { strict as assert } from "node:assert";
import { CapacityInputError, GPU_CATALOG, capabilityInt, checkMemoryOverride, formatCapability, gpuVariants, lookupGpu } from "@llm-platform/capacity";

const REQUIRED = [
  "NVIDIA-GeForce-RTX-3060",
  "NVIDIA-GeForce-RTX-3080",
  "NVIDIA-GeForce-RTX-3080-12GB",
  "NVIDIA-GeForce-RTX-3090",
  "NVIDIA-GeForce-RTX-4060-Ti-16GB",
  "NVIDIA-GeForce-RTX-4070-Ti",
  "NVIDIA-GeForce-RTX-4080",
  "NVIDIA-GeForce-RTX-4090",
  "NVIDIA-GeForce-RTX-5090",
  "NVIDIA-A10",
  "NVIDIA-A10G",
  "NVIDIA-L4",
  "NVIDIA-L40S",
  "Tesla-T4",
  "Tesla-V100-SXM2-16GB",
  "Tesla-V100-SXM2-32GB",
  "NVIDIA-A100-SXM4-40GB",
  "NVIDIA-A100-PCIE-40GB",
  "NVIDIA-A100-SXM4-80GB",
  "NVIDIA-A100-80GB-PCIe",
  "NVIDIA-H100-80GB-HBM3",
  "NVIDIA-H200",
];

describe("GPU catalog by nvidia.com/gpu.product", () => {
  it("lists every card the issue names, under GFD's label spelling (spaces become '-')", () => {
    for (const id of REQUIRED) assert.ok(GPU_CATALOG[id], id);
    for (const spec of Object.values(GPU_CATALOG)) {
      assert.doesNotMatch(spec.product, /\s/, `${spec.id}: a label has no spaces`);
      assert.ok(spec.usableMemoryGiB < spec.nominalMemoryGiB, `${spec.id}: CUDA reports less than the marketing size`);
      assert.ok(spec.usableMemoryGiB > spec.nominalMemoryGiB * 0.88, `${spec.id}: the reservation is small (ECC included)`);
      assert.ok(spec.memoryBandwidthGBps > 0 && spec.source.length > 10);
    }
  });

  it("knows the seed host's RTX 3080 10 GB reports 9.78 GiB to CUDA (measured)", () => {
    const spec = lookupGpu("NVIDIA-GeForce-RTX-3080");
    assert.equal(spec.usableMemoryGiB, 9.78);
    assert.equal(spec.usableMemory, "measured");
    assert.equal(formatCapability(spec.computeCapability), "8.6");
  });

  it("derives unmeasured cards from nvidia-smi's total less the class reservation", () => {
    // A10: nvidia-smi 23028 MiB, data-centre reservation 0.80 GiB.
    assert.equal(GPU_CATALOG["NVIDIA-A10"]!.usableMemoryGiB, Math.round((23028 / 1024 - 0.8) * 100) / 100);
    assert.equal(GPU_CATALOG["NVIDIA-A10"]!.usableMemory, "derived");
    // RTX 3080 12 GB: nominal 12 GiB, GeForce reservation 0.45 GiB.
    assert.equal(GPU_CATALOG["NVIDIA-GeForce-RTX-3080-12GB"]!.usableMemoryGiB, 11.55);
    assert.match(GPU_CATALOG["NVIDIA-GeForce-RTX-3080-12GB"]!.source, /derived: 12\.00 GiB − 0\.45 GiB GeForce reservation/);
    assert.match(GPU_CATALOG["NVIDIA-H200"]!.source, /derived: 140\.40 GiB − 0\.8 GiB data-centre reservation/);
  });

  it("has the compute capabilities NVIDIA lists", () => {
    const cc = (id: string) => capabilityInt(GPU_CATALOG[id]!.computeCapability);
    assert.equal(cc("Tesla-V100-SXM2-16GB"), 70);
    assert.equal(cc("Tesla-T4"), 75);
    assert.equal(cc("NVIDIA-A100-SXM4-40GB"), 80);
    assert.equal(cc("NVIDIA-A10G"), 86);
    assert.equal(cc("NVIDIA-L4"), 89);
    assert.equal(cc("NVIDIA-GeForce-RTX-4090"), 89);
    assert.equal(cc("NVIDIA-H100-80GB-HBM3"), 90);
    assert.equal(cc("NVIDIA-GeForce-RTX-5090"), 120);
  });

  it("tolerates the -SHARED suffix time-slicing adds, case, and the NVIDIA- prefix old drivers omit", () => {
    const plain = lookupGpu("NVIDIA-GeForce-RTX-3080");
    assert.equal(lookupGpu("NVIDIA-GeForce-RTX-3080-SHARED"), plain);
    assert.equal(lookupGpu("nvidia-geforce-rtx-3080-shared"), plain);
    assert.equal(lookupGpu("GeForce-RTX-3080"), plain);
    assert.equal(lookupGpu("Tesla-T4-SHARED").id, "Tesla-T4");
  });

  it("tells apart products that share a label by nvidia.com/gpu.memory, defaulting to the smallest", () => {
    assert.deepEqual(
      gpuVariants("NVIDIA-GeForce-RTX-3080").map((s) => s.id),
      ["NVIDIA-GeForce-RTX-3080", "NVIDIA-GeForce-RTX-3080-12GB"],
    );
    assert.equal(lookupGpu("NVIDIA-GeForce-RTX-3080").nominalMemoryGiB, 10);
    assert.equal(lookupGpu("NVIDIA-GeForce-RTX-3080", 12288).nominalMemoryGiB, 12);
    assert.equal(lookupGpu("NVIDIA-GeForce-RTX-3080", 10240).nominalMemoryGiB, 10);
    // 11263 MiB is nearer 10 GiB (10240) than 12 GiB (12288); 11265 is nearer 12.
    assert.equal(lookupGpu("NVIDIA-GeForce-RTX-3080", 11263).nominalMemoryGiB, 10);
    assert.equal(lookupGpu("NVIDIA-GeForce-RTX-3080", 11265).nominalMemoryGiB, 12);
    assert.equal(lookupGpu("NVIDIA-GeForce-RTX-3080-12GB").nominalMemoryGiB, 12);
    assert.equal(lookupGpu("Tesla-T4", 99999).id, "Tesla-T4");
  });

  it("refuses an unknown product, listing the known labels and the override", () => {
    assert.throws(
      () => lookupGpu("NVIDIA-GeForce-GTX-1080"),
      (e: unknown) =>
        e instanceof CapacityInputError &&
        /GPU product "NVIDIA-GeForce-GTX-1080" is not in the GPU catalog/.test(e.message) &&
        /known nvidia\.com\/gpu\.product values: .*Tesla-T4/.test(e.message) &&
        /gpuMemoryGiB/.test(e.message),
    );
  });

  it("uses a memory override and warns only when it exceeds what CUDA reports", () => {
    const spec = lookupGpu("NVIDIA-GeForce-RTX-3080");
    assert.deepEqual(checkMemoryOverride(spec), { memoryGiB: 9.78 });
    assert.deepEqual(checkMemoryOverride(spec, 9.78), { memoryGiB: 9.78 });
    assert.deepEqual(checkMemoryOverride(spec, 9.5), { memoryGiB: 9.5 });
    const over = checkMemoryOverride(spec, 9.79);
    assert.equal(over.memoryGiB, 9.79);
    assert.match(over.warning!, /gpuMemoryGiB 9\.79 exceeds the 9\.78 GiB CUDA reports for a GeForce RTX 3080 10 GB/);
    assert.match(over.warning!, /torch\.cuda\.mem_get_info/);
  });
});

describe("GPU label matching, exactly", () => {
  it("trims blanks around a label and strips only a leading NVIDIA- prefix", () => {
    assert.equal(lookupGpu("  NVIDIA-GeForce-RTX-3080\n").id, "NVIDIA-GeForce-RTX-3080");
    assert.equal(lookupGpu(" Tesla-T4-SHARED ").id, "Tesla-T4");
    assert.throws(() => lookupGpu("Tesla-NVIDIA-T4"), /GPU product "Tesla-NVIDIA-T4" is not in the GPU catalog/);
  });

  it("lists the known labels once each, comma-separated, in catalog order", () => {
    assert.throws(
      () => lookupGpu("Acme-1"),
      (e: unknown) =>
        e instanceof CapacityInputError &&
        e.name === "CapacityInputError" &&
        e.message.includes(
          "known nvidia.com/gpu.product values: NVIDIA-GeForce-RTX-3060, NVIDIA-GeForce-RTX-3080, NVIDIA-GeForce-RTX-3090, NVIDIA-GeForce-RTX-4060-Ti, ",
        ),
    );
  });

  it("warns with the card's source and the remedy when an override claims more than CUDA reports", () => {
    const warning = checkMemoryOverride(lookupGpu("Tesla-T4"), 15)!.warning!;
    assert.equal(
      warning,
      "gpuMemoryGiB 15 exceeds the 14.38 GiB CUDA reports for a T4 (measured: " +
        lookupGpu("Tesla-T4").source +
        "); plans made with it may not start. Remove the override or set it to torch.cuda.mem_get_info()[1] / 2**30 measured on the node",
    );
  });
});
