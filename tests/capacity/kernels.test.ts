import { strict as assert } from "node:assert";
import {
  AttentionBackend,
  MODEL_CATALOG,
  attentionPriority,
  lookupGpu,
  planKernels,
  selectAttentionBackend,
  type AttentionBackend as Backend,
} from "@llm-platform/capacity";

const AWQ = "hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4";
const GPTQ = "RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w4a16";
const LLAMA = "meta-llama/Llama-3.1-8B-Instruct";
const cc = (major: number, minor: number) => ({ major, minor });
const NO_FLASHINFER: Backend[] = [AttentionBackend.FlashAttn, AttentionBackend.Triton, AttentionBackend.Flex];

// Capability limits read from vLLM v0.19.0 (see capacity/kernels.ts for the files).
describe("weight kernels per compute capability (vLLM v0.19.0 get_min_capability)", () => {
  it("runs AWQ through Marlin from exactly 7.5 (awq_marlin min 75) and not at 7.4", () => {
    const t4 = planKernels(AWQ, { kvCacheDtype: "auto" }, cc(7, 5));
    assert.equal(t4.runnable, true);
    assert.equal(t4.flags.quantization, "awq_marlin");
    assert.match(t4.weightKernel, /Marlin/);
    const below = planKernels(AWQ, { kvCacheDtype: "auto" }, cc(7, 4));
    assert.equal(below.runnable, false);
    assert.equal(below.problems[0]!.setting, "quantization");
    assert.match(below.problems[0]!.message, /AWQ weights need compute capability 7\.5.*has 7\.4/);
  });

  it("refuses AWQ on a V100 (7.0), naming it, and suggests only other builds that run there", () => {
    const plan = planKernels(AWQ, { kvCacheDtype: "auto" }, lookupGpu("Tesla-V100-SXM2-16GB"));
    assert.equal(plan.runnable, false);
    const p = plan.problems[0]!;
    assert.match(p.message, /V100 SXM2 16 GB \(compute capability 7\.0\) has 7\.0/);
    assert.match(p.fix, /RedHatAI\/Meta-Llama-3\.1-8B-Instruct-quantized\.w4a16/);
    assert.match(p.fix, /meta-llama\/Llama-3\.1-8B-Instruct/);
    assert.doesNotMatch(p.fix, /AWQ-INT4/, "never the build already in use");
  });

  it("runs GPTQ through Marlin from 7.5, the plain ExLlama kernel from 6.0 to 7.4, nothing below", () => {
    assert.equal(planKernels(GPTQ, { kvCacheDtype: "auto" }, cc(7, 5)).flags.quantization, "gptq_marlin");
    const volta = planKernels(GPTQ, { kvCacheDtype: "auto" }, cc(7, 4));
    assert.equal(volta.flags.quantization, "gptq");
    assert.equal(volta.flags.dtype, "float16");
    assert.match(volta.notes.join(" "), /Marlin needs compute capability 7\.5/);
    assert.equal(planKernels(GPTQ, { kvCacheDtype: "auto" }, cc(6, 0)).runnable, true);
    const old = planKernels(GPTQ, { kvCacheDtype: "auto" }, cc(5, 9));
    assert.equal(old.runnable, false);
    assert.match(old.problems[0]!.message, /GPTQ weights need compute capability 6\.0/);
  });

  it("runs FP8 weights natively from 8.9, weight-only through Marlin from 7.5 to 8.8, not below 7.5", () => {
    const ada = planKernels(LLAMA, { kvCacheDtype: "auto", runtimeQuantization: "fp8" }, cc(8, 9));
    assert.equal(ada.flags.quantization, "fp8");
    assert.match(ada.weightKernel, /CUTLASS/);
    const ampere = planKernels(LLAMA, { kvCacheDtype: "auto", runtimeQuantization: "fp8" }, cc(8, 8));
    assert.equal(ampere.flags.quantization, "fp8");
    assert.match(ampere.weightKernel, /Marlin W8A16/);
    assert.equal(planKernels(LLAMA, { kvCacheDtype: "auto", runtimeQuantization: "fp8" }, cc(7, 5)).runnable, true);
    const volta = planKernels(LLAMA, { kvCacheDtype: "auto", runtimeQuantization: "fp8" }, cc(7, 4));
    assert.equal(volta.runnable, false);
    assert.match(volta.problems[0]!.message, /FP8 weights need compute capability 7\.5/);
    assert.match(volta.problems[0]!.fix, /RedHatAI/);
    // A model with no other build: the fix is to drop the runtime quantization, not "use a 4-bit build".
    const mistral = planKernels("mistralai/Mistral-7B-Instruct-v0.3", { kvCacheDtype: "auto", runtimeQuantization: "fp8" }, cc(7, 0));
    assert.equal(mistral.problems[0]!.fix, "drop runtimeQuantization fp8 (serve the 16-bit weights)");
  });

  it("asks for a newer card when no build of the model runs", () => {
    const plan = planKernels("mistralai/Mistral-7B-Instruct-v0.3", { kvCacheDtype: "auto" }, cc(6, 9));
    assert.equal(plan.problems[0]!.fix, "use a card of compute capability 7.0 or newer");
  });
});

describe("kernels for layouts the catalog may gain", () => {
  // Read from MODEL_CATALOG, not through lookupModel: nothing of the capacity package runs while mocha loads the file.
  const awq = MODEL_CATALOG[AWQ]!;
  it("uses the plain AWQ/GPTQ kernels for group sizes Marlin lacks (Marlin: -1, 32, 64, 128)", () => {
    const g256 = { ...awq, quantization: { method: "awq" as const, bits: 4 as const, groupSize: 256 } };
    const plan = planKernels(g256, { kvCacheDtype: "auto" }, cc(8, 6));
    assert.equal(plan.flags.quantization, "awq");
    assert.equal(plan.flags.dtype, "float16");
    assert.match(plan.notes[0]!, /group size 256 is not a Marlin group size/);
    for (const groupSize of [-1, 32, 64, 128]) {
      assert.equal(
        planKernels({ ...awq, quantization: { method: "awq", bits: 4, groupSize } }, { kvCacheDtype: "auto" }, cc(8, 6)).flags.quantization,
        "awq_marlin",
      );
    }
    const gptq256 = planKernels({ ...awq, quantization: { method: "gptq", bits: 4, groupSize: 256 } }, { kvCacheDtype: "auto" }, cc(8, 6));
    assert.equal(gptq256.flags.quantization, "gptq");
    assert.deepEqual(gptq256.notes, [], "no Marlin note above 7.5: the group size is the reason");
  });

  it("runs INT8 W8A8 from exactly 7.5", () => {
    const w8 = { ...awq, quantization: { method: "w8a8" as const, bits: 8 as const } };
    const ok = planKernels(w8, { kvCacheDtype: "auto" }, cc(7, 5));
    assert.equal(ok.runnable, true);
    assert.equal(ok.flags.quantization, undefined, "read from the checkpoint (compressed-tensors)");
    assert.match(planKernels(w8, { kvCacheDtype: "auto" }, cc(7, 4)).problems[0]!.message, /INT8 W8A8 weights need compute capability 7\.5/);
  });

  it("knows 16-bit weights need vLLM's minimum of 7.0", () => {
    assert.equal(planKernels("mistralai/Mistral-7B-Instruct-v0.3", { kvCacheDtype: "auto" }, cc(7, 0)).runnable, true);
    assert.match(planKernels("mistralai/Mistral-7B-Instruct-v0.3", { kvCacheDtype: "auto" }, cc(6, 9)).problems[0]!.message, /needs compute capability 7\.0/);
  });
});

describe("activation dtype", () => {
  it("keeps bfloat16 from exactly 8.0 and serves float16 at 7.5 (vLLM refuses --dtype bfloat16 there)", () => {
    assert.equal(planKernels(LLAMA, { kvCacheDtype: "auto" }, cc(8, 0)).flags.dtype, "bfloat16");
    const t4 = planKernels(LLAMA, { kvCacheDtype: "auto" }, cc(7, 5));
    assert.equal(t4.flags.dtype, "float16");
    assert.equal(t4.runnable, true);
    assert.match(t4.notes[0]!, /bfloat16 needs compute capability 8\.0.*7\.5/);
  });

  it("gives a kernel the activation dtype it takes", () => {
    const f32 = planKernels(AWQ, { kvCacheDtype: "auto", dtype: "float32" }, cc(8, 6));
    assert.equal(f32.flags.dtype, "float16");
    assert.match(f32.notes.join(" "), /Marlin W4A16 \(awq_marlin\) takes float16\/bfloat16 activations, not float32/);
    assert.equal(planKernels(AWQ, { kvCacheDtype: "auto", dtype: "bfloat16" }, cc(8, 6)).flags.dtype, "bfloat16");
    assert.equal(planKernels(GPTQ, { kvCacheDtype: "auto", dtype: "bfloat16" }, cc(7, 0)).flags.dtype, "float16");
  });
});

describe("KV cache dtype per attention backend", () => {
  it("runs an fp8 KV cache on an RTX 3080 (8.6) only through FlashInfer", () => {
    const plan = planKernels(AWQ, { kvCacheDtype: "fp8" }, lookupGpu("NVIDIA-GeForce-RTX-3080"));
    assert.equal(plan.runnable, true);
    assert.equal(plan.attentionBackend, AttentionBackend.FlashInfer);
    assert.equal(plan.flags.kvCacheDtype, "fp8");
    assert.match(plan.notes.join(" "), /fp8 KV cache on 8\.6 runs only on the FLASHINFER backend/);
  });

  it("refuses fp8 KV on 8.6 without FlashInfer, naming the capability and a fix not in use", () => {
    const plan = planKernels(AWQ, { kvCacheDtype: "fp8" }, lookupGpu("NVIDIA-GeForce-RTX-3080"), { attentionBackends: NO_FLASHINFER });
    assert.equal(plan.runnable, false);
    const p = plan.problems[0]!;
    assert.equal(p.setting, "kvCacheDtype");
    assert.match(p.message, /compute capability 8\.6/);
    assert.match(p.message, /FlashAttention keeps an fp8 KV cache only with FA3 on Hopper/);
    assert.match(p.message, /Triton's fp8e4nv needs 8\.9/);
    assert.match(p.fix, /allow the FLASHINFER attention backend/);
  });

  it("puts the Triton fp8 limit exactly at 8.9", () => {
    assert.equal(planKernels(AWQ, { kvCacheDtype: "fp8" }, cc(8, 9), { attentionBackends: NO_FLASHINFER }).attentionBackend, AttentionBackend.Triton);
    assert.equal(planKernels(AWQ, { kvCacheDtype: "fp8" }, cc(8, 8), { attentionBackends: NO_FLASHINFER }).runnable, false);
  });

  it("puts the FlashInfer fp8 limit exactly at 8.0 (its fp8 prefill fails on Turing)", () => {
    assert.equal(planKernels(AWQ, { kvCacheDtype: "fp8" }, cc(8, 0)).attentionBackend, AttentionBackend.FlashInfer);
    const t4 = planKernels(AWQ, { kvCacheDtype: "fp8" }, lookupGpu("Tesla-T4"));
    assert.equal(t4.runnable, false);
    assert.match(t4.problems[0]!.message, /T4 \(compute capability 7\.5\)/);
    assert.equal(t4.problems[0]!.fix, "set kvCacheDtype: auto (a 16-bit KV cache: half the tokens per GiB)");
    // The 16-bit cache runs there: the fix is real.
    assert.equal(planKernels(AWQ, { kvCacheDtype: "auto" }, lookupGpu("Tesla-T4")).runnable, true);
  });

  it("uses FlashAttention 3 for fp8 KV on Hopper and FlashInfer first on Blackwell data-centre (10.x)", () => {
    assert.equal(planKernels(AWQ, { kvCacheDtype: "fp8" }, lookupGpu("NVIDIA-H100-80GB-HBM3")).attentionBackend, AttentionBackend.FlashAttn);
    assert.deepEqual(attentionPriority(cc(10, 0))[0], AttentionBackend.FlashInfer);
    assert.deepEqual(attentionPriority(cc(9, 0))[0], AttentionBackend.FlashAttn);
    assert.equal(planKernels(AWQ, { kvCacheDtype: "auto" }, cc(10, 0)).attentionBackend, AttentionBackend.FlashInfer);
  });

  it("bounds FlashInfer at 12.1", () => {
    assert.equal(selectAttentionBackend(cc(12, 1), 128, "float16", "fp8").backend, AttentionBackend.FlashInfer);
    assert.equal(selectAttentionBackend(cc(12, 2), 128, "float16", "fp8").backend, AttentionBackend.Triton);
  });

  it("selects the 16-bit backend vLLM would: FA from 8.0, FlashInfer on 7.5, Triton on Volta", () => {
    assert.equal(selectAttentionBackend(cc(8, 0), 128, "bfloat16", "auto").backend, AttentionBackend.FlashAttn);
    assert.equal(selectAttentionBackend(cc(7, 9), 128, "float16", "auto").backend, AttentionBackend.FlashInfer);
    assert.equal(selectAttentionBackend(cc(7, 4), 128, "float16", "auto").backend, AttentionBackend.Triton);
  });

  it("checks head sizes and dtypes per backend", () => {
    assert.equal(selectAttentionBackend(cc(8, 6), 256, "float16", "auto").backend, AttentionBackend.FlashAttn);
    assert.equal(selectAttentionBackend(cc(8, 6), 264, "float16", "auto").backend, AttentionBackend.Triton);
    assert.equal(selectAttentionBackend(cc(8, 6), 100, "float16", "auto").backend, AttentionBackend.Triton);
    assert.equal(selectAttentionBackend(cc(8, 6), 96, "float16", "auto").backend, AttentionBackend.FlashAttn);
    assert.equal(selectAttentionBackend(cc(7, 5), 96, "float16", "auto").backend, AttentionBackend.Triton);
    assert.equal(selectAttentionBackend(cc(8, 6), 128, "float32", "auto").backend, AttentionBackend.Triton);
    assert.equal(selectAttentionBackend(cc(7, 0), 32, "float16", "auto").backend, AttentionBackend.Triton);
    assert.equal(selectAttentionBackend(cc(7, 0), 24, "float16", "auto").backend, AttentionBackend.Flex);
    const none = selectAttentionBackend(cc(7, 0), 24, "float16", "fp8");
    assert.equal(none.backend, undefined);
    assert.deepEqual(none.refusals, [
      "FlashAttention needs 8.0",
      "FlashInfer runs on 7.5–12.1",
      "Triton attention has no head size 24",
      "FlexAttention has no fp8 KV cache",
    ]);
    assert.deepEqual(selectAttentionBackend(cc(8, 6), 128, "float16", "auto", [AttentionBackend.Flex]).refusals, [
      "FLASH_ATTN is not in the image",
      "FLASHINFER is not in the image",
      "TRITON_ATTN is not in the image",
    ]);
  });

  it("leaves the KV dtype out for pooling models", () => {
    const plan = planKernels("BAAI/bge-m3", { kvCacheDtype: "fp8" }, lookupGpu("NVIDIA-GeForce-RTX-3080"));
    assert.equal(plan.runnable, true);
    assert.equal(plan.flags.kvCacheDtype, "auto");
    assert.equal(plan.attentionBackend, undefined);
    assert.match(plan.notes[0]!, /pooling model without a KV cache/);
    assert.deepEqual(planKernels("BAAI/bge-reranker-v2-m3", { kvCacheDtype: "auto" }, cc(7, 5)).notes, []);
  });
});

describe("kernel plans named exactly, per path", () => {
  const entry = (id: string) => MODEL_CATALOG[id]!;
  const withQuant = (q: (typeof MODEL_CATALOG)[string]["quantization"]) => ({ ...entry(AWQ), quantization: q });

  it("names the weight kernel of each quantization path", () => {
    assert.equal(planKernels(LLAMA, { kvCacheDtype: "auto" }, cc(8, 6)).weightKernel, "16-bit GEMM (cuBLAS)");
    assert.equal(planKernels(AWQ, { kvCacheDtype: "auto" }, cc(8, 6)).weightKernel, "Marlin W4A16 (awq_marlin)");
    assert.equal(planKernels(GPTQ, { kvCacheDtype: "auto" }, cc(8, 6)).weightKernel, "Marlin W4A16 (gptq_marlin)");
    assert.equal(planKernels(GPTQ, { kvCacheDtype: "auto" }, cc(7, 0)).weightKernel, "ExLlama GPTQ (gptq)");
    assert.equal(planKernels(withQuant({ method: "awq", bits: 4, groupSize: 256 }), { kvCacheDtype: "auto" }, cc(8, 6)).weightKernel, "AWQ GEMM (awq)");
    assert.equal(planKernels(LLAMA, { kvCacheDtype: "auto", runtimeQuantization: "fp8" }, cc(8, 9)).weightKernel, "FP8 W8A8 (CUTLASS)");
    assert.equal(planKernels(LLAMA, { kvCacheDtype: "auto", runtimeQuantization: "fp8" }, cc(8, 6)).weightKernel, "FP8 Marlin W8A16 (weight-only)");
    assert.equal(planKernels(withQuant({ method: "w8a8", bits: 8 }), { kvCacheDtype: "auto" }, cc(8, 6)).weightKernel, "INT8 W8A8 (compressed-tensors)");
    for (const [model, cap] of [
      [LLAMA, cc(6, 9)],
      [AWQ, cc(7, 4)],
      [GPTQ, cc(5, 9)],
    ] as const) {
      const plan = planKernels(model, { kvCacheDtype: "auto" }, cap);
      assert.equal(plan.weightKernel, "none", `${model} on ${cap.major}.${cap.minor}`);
      assert.equal(plan.runnable, false);
      assert.deepEqual(
        plan.notes.filter((n) => /activations/.test(n)),
        [],
        "no dtype juggling for a kernel that cannot run",
      );
    }
    assert.equal(planKernels(withQuant({ method: "w8a8", bits: 8 }), { kvCacheDtype: "auto" }, cc(7, 4)).weightKernel, "none");
    assert.equal(planKernels(LLAMA, { kvCacheDtype: "auto", runtimeQuantization: "fp8" }, cc(7, 4)).weightKernel, "none");
  });

  it("keeps the requested activation dtype when a weight kernel cannot run (nothing to adapt it to)", () => {
    const plan = planKernels(AWQ, { kvCacheDtype: "auto", dtype: "float16" }, cc(7, 0));
    assert.equal(plan.runnable, false);
    assert.equal(plan.flags.dtype, "float16");
    assert.equal(plan.flags.quantization, undefined);
  });

  it("runs the plain AWQ kernel exactly from 7.5 for group sizes Marlin lacks, and the plain GPTQ kernel there without a Turing note", () => {
    const g256 = withQuant({ method: "awq", bits: 4, groupSize: 256 });
    const t4 = planKernels(g256, { kvCacheDtype: "auto" }, cc(7, 5));
    assert.equal(t4.runnable, true);
    assert.equal(t4.flags.quantization, "awq");
    assert.deepEqual(t4.notes, ["group size 256 is not a Marlin group size; using the plain AWQ kernel"]);
    const gptq256 = planKernels(withQuant({ method: "gptq", bits: 4, groupSize: 256 }), { kvCacheDtype: "auto" }, cc(7, 5));
    assert.equal(gptq256.flags.quantization, "gptq");
    assert.deepEqual(gptq256.notes, [], "7.5 has Marlin: the group size, not the card, picks the plain kernel");
  });

  it("keeps 32-bit activations for 16-bit weights, and 16-bit ones for the 4-bit and 8-bit kernels that take them", () => {
    assert.equal(planKernels(LLAMA, { kvCacheDtype: "auto", dtype: "float32" }, cc(8, 6)).flags.dtype, "float32");
    assert.equal(planKernels(GPTQ, { kvCacheDtype: "auto", dtype: "bfloat16" }, cc(8, 6)).flags.dtype, "bfloat16");
    for (const cap of [cc(8, 9), cc(8, 6)]) {
      assert.equal(planKernels(LLAMA, { kvCacheDtype: "auto", runtimeQuantization: "fp8" }, cap).flags.dtype, "bfloat16");
      assert.equal(planKernels(LLAMA, { kvCacheDtype: "auto", runtimeQuantization: "fp8", dtype: "float16" }, cap).flags.dtype, "float16");
    }
    const w8 = withQuant({ method: "w8a8", bits: 8 });
    assert.equal(planKernels(w8, { kvCacheDtype: "auto", dtype: "bfloat16" }, cc(8, 6)).flags.dtype, "bfloat16");
    assert.equal(planKernels(w8, { kvCacheDtype: "auto", dtype: "float16" }, cc(8, 6)).flags.dtype, "float16");
  });

  it("prefers float16 when a kernel refuses the requested dtype, even where bfloat16 is listed first", () => {
    const fp8 = planKernels(LLAMA, { kvCacheDtype: "auto", runtimeQuantization: "fp8", dtype: "float32" }, cc(8, 9));
    assert.equal(fp8.flags.dtype, "float16");
    assert.deepEqual(fp8.notes, ["FP8 W8A8 (CUTLASS) takes bfloat16/float16 activations, not float32; using float16"]);
    const marlinFp8 = planKernels(LLAMA, { kvCacheDtype: "auto", runtimeQuantization: "fp8" }, cc(8, 6));
    assert.deepEqual(marlinFp8.notes, ["no FP8 tensor cores below 8.9: vLLM runs FP8 weights weight-only through Marlin (same memory)"]);
  });

  it("turns bfloat16 into float16 below 8.0 with one note, not two", () => {
    const t4 = planKernels(LLAMA, { kvCacheDtype: "auto" }, cc(7, 5));
    assert.equal(t4.flags.dtype, "float16");
    assert.deepEqual(t4.notes, ["bfloat16 needs compute capability 8.0 (vLLM refuses --dtype bfloat16 on 7.5); using float16"]);
  });

  it("names the model and the bare capability in a problem, and suggests only builds that run there", () => {
    const w8 = planKernels(withQuant({ method: "w8a8", bits: 8 }), { kvCacheDtype: "auto" }, cc(7, 4));
    assert.equal(w8.problems[0]!.message, `${AWQ}: INT8 W8A8 weights need compute capability 7.5; compute capability 7.4 has 7.4`);
    // On 6.5 only the GPTQ build runs (ExLlama from 6.0); the 16-bit build needs 7.0.
    const pascal = planKernels(AWQ, { kvCacheDtype: "auto" }, cc(6, 5));
    assert.equal(
      pascal.problems[0]!.fix,
      "serve another build of meta-llama/Llama-3.1-8B-Instruct from the catalog: RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w4a16",
    );
    const volta = planKernels(AWQ, { kvCacheDtype: "auto" }, cc(7, 0));
    assert.equal(
      volta.problems[0]!.fix,
      "serve another build of meta-llama/Llama-3.1-8B-Instruct from the catalog: meta-llama/Llama-3.1-8B-Instruct or RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w4a16",
    );
  });

  it("asks for a newer card when the image's backends cannot run attention at all", () => {
    const plan = planKernels(AWQ, { kvCacheDtype: "auto" }, lookupGpu("Tesla-T4"), { attentionBackends: [AttentionBackend.FlashAttn] });
    assert.equal(plan.runnable, false);
    assert.deepEqual(plan.problems, [
      {
        setting: "kvCacheDtype",
        message:
          `attention for ${AWQ} has no runnable attention backend on T4 (compute capability 7.5): ` +
          "FlashAttention needs 8.0; FLASHINFER is not in the image; TRITON_ATTN is not in the image; FLEX_ATTENTION is not in the image",
        fix: "use a card of compute capability 8.0 or newer",
      },
    ]);
  });

  it("suggests the 16-bit KV cache, not FlashInfer, where FlashInfer could not run fp8 either", () => {
    const t4 = planKernels(AWQ, { kvCacheDtype: "fp8" }, lookupGpu("Tesla-T4"), { attentionBackends: NO_FLASHINFER });
    assert.equal(t4.problems[0]!.fix, "set kvCacheDtype: auto (a 16-bit KV cache: half the tokens per GiB)");
    assert.match(t4.problems[0]!.message, /^an fp8 \(e4m3\) KV cache for .* has no runnable attention backend on T4/);
  });

  it("notes the FlashInfer-only fp8 path only below 8.9, and never for a 16-bit cache", () => {
    assert.deepEqual(planKernels(AWQ, { kvCacheDtype: "auto" }, lookupGpu("Tesla-T4")).notes, []);
    assert.equal(planKernels(AWQ, { kvCacheDtype: "auto" }, lookupGpu("Tesla-T4")).attentionBackend, AttentionBackend.FlashInfer);
    const ada = planKernels(AWQ, { kvCacheDtype: "fp8" }, cc(8, 9));
    assert.equal(ada.attentionBackend, AttentionBackend.FlashInfer, "FlashAttention keeps fp8 only on Hopper");
    assert.deepEqual(ada.notes, [], "Triton could run it too from 8.9");
    assert.deepEqual(planKernels(AWQ, { kvCacheDtype: "fp8" }, cc(10, 0)).notes, []);
  });

  it("bounds FlashInfer below at exactly 7.5, and names each backend's refusal", () => {
    assert.equal(selectAttentionBackend(cc(7, 5), 128, "float16", "auto").backend, AttentionBackend.FlashInfer);
    assert.equal(selectAttentionBackend(cc(7, 4), 128, "float16", "auto").backend, AttentionBackend.Triton);
    assert.deepEqual(selectAttentionBackend(cc(8, 6), 100, "float16", "auto").refusals, [
      "FlashAttention has no head size 100",
      "FlashInfer has no head size 100",
    ]);
    assert.deepEqual(selectAttentionBackend(cc(8, 6), 128, "float32", "auto").refusals, ["FlashAttention has no float32", "FlashInfer has no float32"]);
    assert.deepEqual(selectAttentionBackend(cc(7, 5), 128, "float16", "fp8").refusals, [
      "FlashAttention needs 8.0",
      "FlashInfer's fp8 paged prefill fails on 7.5 (flashinfer-ai/flashinfer#3620)",
      "Triton's fp8e4nv needs 8.9 (vllm-project/vllm#26431)",
      "FlexAttention has no fp8 KV cache",
    ]);
  });
});
