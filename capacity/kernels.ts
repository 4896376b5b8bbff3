import { buildsOf, lookupModel, type CatalogEntry } from "./catalog";
import { capabilityInt, formatCapability, type ComputeCapability, type GpuSpec } from "./gpus";
import type { Dtype } from "./types";

/**
 * Which kernels vLLM v0.19.0 can run on a card, by compute capability, and the flags that select them.
 *
 * Read from vLLM's source at the commits v0.19.0 was cut from (main of 2026-04-02, which carries the
 * release's Gemma 4 highlights #38826/#38847); paths are relative to the vllm-project/vllm repository:
 *
 * Weights (`QuantizationConfig.get_min_capability()`, checked against the card in
 * `vllm/config/vllm.py::_get_quantization_config`: "The quantization method … is not supported for the
 * current GPU. Minimum capability: …"):
 * - `awq_marlin` 75, `gptq_marlin` 75 (`layers/quantization/awq_marlin.py`, `gptq_marlin.py`): Marlin
 *   runs on Turing since vllm-project/vllm#29901 ("add marlin kernel support for turing (sm75)");
 *   `utils/marlin_utils.py::query_marlin_supported_quant_types` returns nothing below 75. Marlin group
 *   sizes: -1, 32, 64, 128 (`MARLIN_SUPPORTED_GROUP_SIZES`). Activation dtypes: float16, bfloat16.
 * - plain `awq` 75 (`awq.py`: "The AWQ kernel only supports Turing or newer GPUs"), float16 only.
 *   So an AWQ checkpoint cannot run below 7.5 (V100) at all.
 * - plain `gptq` 60 (`gptq.py`, ExLlama kernels), float16 only: the GPTQ path for Volta.
 * - `fp8` 75 (`fp8.py`): native W8A8 FP8 (CUTLASS) from 8.9 (`platforms/cuda.py::supports_fp8` is
 *   `has_device_capability(89)`); from 7.5 to 8.8 `MarlinFP8ScaledMMLinearKernel`
 *   (`kernels/linear/scaled_mm/marlin.py`) runs FP8 weights weight-only (W8A16), same memory.
 * - compressed-tensors W8A8 int8 75 (`compressed_tensors/schemes/compressed_tensors_w8a8_int8.py`).
 * Activation dtype: `platforms/cuda.py::check_if_supports_dtype` refuses bfloat16 below 8.0 ("You can use
 * float16 instead"), so the flags say `--dtype float16` there.
 * KV cache (`platforms/cuda.py::_get_backend_priorities`: FLASH_ATTN, FLASHINFER, TRITON_ATTN,
 * FLEX_ATTENTION; FlashInfer first on compute capability 10.x):
 * - FLASH_ATTN (`v1/attention/backends/flash_attn.py`): capability ≥ 8.0; fp8 KV only with FA3 on
 *   Hopper (`fa_utils.py::flash_attn_supports_fp8`).
 * - FLASHINFER (`flashinfer.py`): 7.5 ≤ capability ≤ 12.1, head sizes 64/128/256, fp8 KV accepted. The
 *   official image ships FlashInfer 0.6.7 (`requirements/cuda.txt`). We do not count fp8 KV on 7.5:
 *   FlashInfer's FP8 paged prefill crashes on SM75 (vllm-project/vllm#47949, flashinfer-ai/flashinfer#3620).
 *   It allocates a 394 MiB workspace (`envs.VLLM_FLASHINFER_WORKSPACE_BUFFER_SIZE`) the estimator counts.
 * - TRITON_ATTN (`triton_attn.py`): any capability, declares fp8 KV, but its kernels view the cache as
 *   float8_e4m3fn, which Triton refuses below 8.9 ("fp8e4nv data type is not supported on CUDA arch < 89",
 *   vllm-project/vllm#26431 on an RTX 3090). vLLM would select it and fail at the first request; we refuse.
 * - FLEX_ATTENTION: no fp8 KV.
 * So `--kv-cache-dtype fp8` runs on 8.0–8.8 only through FlashInfer, on 8.9+ through FlashInfer or
 * Triton, on Hopper also through FA3, and not at all on Volta or Turing.
 */
export const AttentionBackend = {
  FlashAttn: "FLASH_ATTN",
  FlashInfer: "FLASHINFER",
  Triton: "TRITON_ATTN",
  Flex: "FLEX_ATTENTION",
} as const;
export type AttentionBackend = (typeof AttentionBackend)[keyof typeof AttentionBackend];

/** The backends the official vllm/vllm-openai v0.19.0 image can select. */
export const ALL_ATTENTION_BACKENDS: readonly AttentionBackend[] = Object.values(AttentionBackend);

/** vLLM's smallest supported CUDA capability (Volta). */
const VLLM_MIN_CAPABILITY = 70;
const MARLIN_MIN = 75;
const PLAIN_AWQ_MIN = 75;
const PLAIN_GPTQ_MIN = 60;
const FP8_WEIGHTS_MIN = 75;
const FP8_NATIVE_MIN = 89;
const W8A8_INT8_MIN = 75;
const BF16_MIN = 80;
const FLASH_ATTN_MIN = 80;
const FLASHINFER_MIN = 75;
const FLASHINFER_MAX = 121;
const FLASHINFER_FP8_KV_MIN = 80;
const TRITON_FP8_KV_MIN = 89;
const MARLIN_GROUP_SIZES = [-1, 32, 64, 128];
const FLASHINFER_HEAD_SIZES = [64, 128, 256];

export interface KernelRequest {
  /** Activation dtype wanted; absent: the checkpoint's. */
  dtype?: Dtype;
  kvCacheDtype: "auto" | "fp8";
  /** Quantize a 16-bit checkpoint to FP8 at load time (`--quantization fp8`). */
  runtimeQuantization?: "fp8";
}

export interface KernelOptions {
  /** Attention backends the image ships and allows; absent: all of the official image's. */
  attentionBackends?: readonly AttentionBackend[];
}

export interface KernelProblem {
  setting: "quantization" | "dtype" | "kvCacheDtype";
  /** What cannot run, naming the card's compute capability. */
  message: string;
  /** A change that makes it run; never a setting already in use. */
  fix: string;
}

export interface KernelPlan {
  /** True when vLLM has a kernel for every part on this card. */
  runnable: boolean;
  /** What to pass to `vllm serve`: `--quantization` (absent: read from the checkpoint), `--dtype`, `--kv-cache-dtype`. */
  flags: { quantization?: string; dtype: Dtype; kvCacheDtype: "auto" | "fp8" };
  /** The linear-layer kernel vLLM will use, for people ("Marlin W4A16"). */
  weightKernel: string;
  /** The attention backend vLLM selects for a generative model (absent for pooling models). */
  attentionBackend?: AttentionBackend;
  /** Choices made for the card (e.g. bfloat16 → float16). */
  notes: string[];
  problems: KernelProblem[];
}

function capabilityOf(gpu: GpuSpec | ComputeCapability): { c: ComputeCapability; label: string } {
  if ("computeCapability" in gpu) return { c: gpu.computeCapability, label: `${gpu.name} (compute capability ${formatCapability(gpu.computeCapability)})` };
  return { c: gpu, label: `compute capability ${formatCapability(gpu)}` };
}

/** Other catalog builds of the same base model whose weight kernels run at `cap`, best first. */
function runnableBuilds(modelId: string, entry: CatalogEntry, cap: number): string[] {
  return buildsOf(entry.baseModel).filter((id) => id !== modelId && weightKernelFor(lookupModel(id), undefined, cap).problem === undefined);
}

interface WeightChoice {
  flag?: string;
  kernel: string;
  /** Activation dtypes the kernel accepts. */
  actDtypes: Dtype[];
  note?: string;
  problem?: { message: string; min: number };
}

function weightKernelFor(entry: CatalogEntry, runtime: "fp8" | undefined, cap: number): WeightChoice {
  const q = runtime === "fp8" ? { method: "fp8" as const } : entry.quantization;
  const all: Dtype[] = ["bfloat16", "float16", "float32"];
  switch (q.method) {
    case "none":
      if (cap < VLLM_MIN_CAPABILITY)
        return { kernel: "none", actDtypes: all, problem: { message: "vLLM v0.19 needs compute capability 7.0 or newer", min: VLLM_MIN_CAPABILITY } };
      return { kernel: "16-bit GEMM (cuBLAS)", actDtypes: all };
    case "awq":
      if (cap >= MARLIN_MIN && MARLIN_GROUP_SIZES.includes(q.groupSize)) {
        return { flag: "awq_marlin", kernel: "Marlin W4A16 (awq_marlin)", actDtypes: ["float16", "bfloat16"] };
      }
      if (cap >= PLAIN_AWQ_MIN)
        return {
          flag: "awq",
          kernel: "AWQ GEMM (awq)",
          actDtypes: ["float16"],
          note: `group size ${q.groupSize} is not a Marlin group size; using the plain AWQ kernel`,
        };
      return {
        kernel: "none",
        actDtypes: [],
        problem: { message: "AWQ weights need compute capability 7.5 (awq and awq_marlin both have get_min_capability() 75)", min: PLAIN_AWQ_MIN },
      };
    case "gptq":
      if (cap >= MARLIN_MIN && MARLIN_GROUP_SIZES.includes(q.groupSize)) {
        return { flag: "gptq_marlin", kernel: "Marlin W4A16 (gptq_marlin)", actDtypes: ["float16", "bfloat16"] };
      }
      if (cap >= PLAIN_GPTQ_MIN)
        return {
          flag: "gptq",
          kernel: "ExLlama GPTQ (gptq)",
          actDtypes: ["float16"],
          note: cap < MARLIN_MIN ? "Marlin needs compute capability 7.5; using the plain GPTQ kernel" : undefined,
        };
      return { kernel: "none", actDtypes: [], problem: { message: "GPTQ weights need compute capability 6.0", min: PLAIN_GPTQ_MIN } };
    case "fp8":
      if (cap >= FP8_NATIVE_MIN) return { flag: "fp8", kernel: "FP8 W8A8 (CUTLASS)", actDtypes: ["bfloat16", "float16"] };
      if (cap >= FP8_WEIGHTS_MIN) {
        return {
          flag: "fp8",
          kernel: "FP8 Marlin W8A16 (weight-only)",
          actDtypes: ["bfloat16", "float16"],
          note: "no FP8 tensor cores below 8.9: vLLM runs FP8 weights weight-only through Marlin (same memory)",
        };
      }
      return {
        kernel: "none",
        actDtypes: [],
        problem: { message: "FP8 weights need compute capability 7.5 (Fp8Config.get_min_capability() 75)", min: FP8_WEIGHTS_MIN },
      };
    case "w8a8":
      if (cap >= W8A8_INT8_MIN) return { kernel: "INT8 W8A8 (compressed-tensors)", actDtypes: ["bfloat16", "float16"] };
      return { kernel: "none", actDtypes: [], problem: { message: "INT8 W8A8 weights need compute capability 7.5", min: W8A8_INT8_MIN } };
  }
}

interface BackendContext {
  cap: ComputeCapability;
  headDim: number;
  dtype: Dtype;
  kvCacheDtype: "auto" | "fp8";
}

/** Why a backend cannot serve this combination on this card, or undefined when it can. */
function backendRefusal(backend: AttentionBackend, x: BackendContext): string | undefined {
  const cap = capabilityInt(x.cap);
  const fp8 = x.kvCacheDtype === "fp8";
  switch (backend) {
    case AttentionBackend.FlashAttn:
      if (cap < FLASH_ATTN_MIN) return "FlashAttention needs 8.0";
      if (x.headDim % 8 !== 0 || x.headDim > 256) return `FlashAttention has no head size ${x.headDim}`;
      if (x.dtype === "float32") return "FlashAttention has no float32";
      if (fp8 && x.cap.major !== 9) return "FlashAttention keeps an fp8 KV cache only with FA3 on Hopper (9.x)";
      return undefined;
    case AttentionBackend.FlashInfer:
      if (cap < FLASHINFER_MIN || cap > FLASHINFER_MAX) return "FlashInfer runs on 7.5–12.1";
      if (!FLASHINFER_HEAD_SIZES.includes(x.headDim)) return `FlashInfer has no head size ${x.headDim}`;
      if (x.dtype === "float32") return "FlashInfer has no float32";
      if (fp8 && cap < FLASHINFER_FP8_KV_MIN) return "FlashInfer's fp8 paged prefill fails on 7.5 (flashinfer-ai/flashinfer#3620)";
      return undefined;
    case AttentionBackend.Triton:
      if (x.headDim < 32) return `Triton attention has no head size ${x.headDim}`;
      if (fp8 && cap < TRITON_FP8_KV_MIN) return "Triton's fp8e4nv needs 8.9 (vllm-project/vllm#26431)";
      return undefined;
    case AttentionBackend.Flex:
      if (fp8) return "FlexAttention has no fp8 KV cache";
      return undefined;
  }
}

/** vLLM v0.19's attention backend priority for the card (`platforms/cuda.py::_get_backend_priorities`). */
export function attentionPriority(cap: ComputeCapability): AttentionBackend[] {
  return cap.major === 10
    ? [AttentionBackend.FlashInfer, AttentionBackend.FlashAttn, AttentionBackend.Triton, AttentionBackend.Flex]
    : [AttentionBackend.FlashAttn, AttentionBackend.FlashInfer, AttentionBackend.Triton, AttentionBackend.Flex];
}

/**
 * The attention backend vLLM selects for this model, dtype and KV dtype on the card, or the reasons
 * every allowed backend refuses.
 */
export function selectAttentionBackend(
  cap: ComputeCapability,
  headDim: number,
  dtype: Dtype,
  kvCacheDtype: "auto" | "fp8",
  allowed: readonly AttentionBackend[] = ALL_ATTENTION_BACKENDS,
): { backend?: AttentionBackend; refusals: string[] } {
  const refusals: string[] = [];
  for (const backend of attentionPriority(cap)) {
    if (!allowed.includes(backend)) {
      refusals.push(`${backend} is not in the image`);
      continue;
    }
    const refusal = backendRefusal(backend, { cap, headDim, dtype, kvCacheDtype });
    if (refusal === undefined) return { backend, refusals };
    refusals.push(refusal);
  }
  return { refusals };
}

/**
 * The `vllm serve` flags that run `model` (a catalog id or entry) with the wanted settings on `gpu`, choosing
 * the kernel the card can run where vLLM v0.19 has one (awq_marlin vs awq, gptq_marlin vs gptq,
 * bfloat16 → float16 below 8.0), or problems naming the compute capability and a fix that is not
 * already in use.
 */
export function planKernels(model: string | CatalogEntry, request: KernelRequest, gpu: GpuSpec | ComputeCapability, options: KernelOptions = {}): KernelPlan {
  const entry = typeof model === "string" ? lookupModel(model) : model;
  const modelId = typeof model === "string" ? model : model.architecture.name;
  const { c, label } = capabilityOf(gpu);
  const cap = capabilityInt(c);
  const notes: string[] = [];
  const problems: KernelProblem[] = [];

  const weights = weightKernelFor(entry, request.runtimeQuantization, cap);
  if (weights.note) notes.push(weights.note);
  if (weights.problem) {
    const builds = runnableBuilds(modelId, entry, cap);
    const fix =
      builds.length > 0
        ? `serve another build of ${entry.baseModel} from the catalog: ${builds.join(" or ")}`
        : request.runtimeQuantization === "fp8"
          ? "drop runtimeQuantization fp8 (serve the 16-bit weights)"
          : `use a card of compute capability ${formatCapability({ major: Math.floor(weights.problem.min / 10), minor: weights.problem.min % 10 })} or newer`;
    problems.push({ setting: "quantization", message: `${modelId}: ${weights.problem.message}; ${label} has ${formatCapability(c)}`, fix });
  }

  let dtype: Dtype = request.dtype ?? entry.dtype;
  if (dtype === "bfloat16" && cap < BF16_MIN) {
    notes.push(`bfloat16 needs compute capability 8.0 (vLLM refuses --dtype bfloat16 on ${formatCapability(c)}); using float16`);
    dtype = "float16";
  }
  if (weights.problem === undefined && !weights.actDtypes.includes(dtype)) {
    const next = weights.actDtypes.includes("float16") ? "float16" : weights.actDtypes[0]!;
    notes.push(`${weights.kernel} takes ${weights.actDtypes.join("/")} activations, not ${dtype}; using ${next}`);
    dtype = next;
  }

  let kvCacheDtype = request.kvCacheDtype;
  let attentionBackend: AttentionBackend | undefined;
  if (entry.kind === "encoder") {
    if (kvCacheDtype === "fp8") notes.push(`${modelId} is a pooling model without a KV cache; --kv-cache-dtype is left out`);
    kvCacheDtype = "auto";
  } else {
    const allowed = options.attentionBackends ?? ALL_ATTENTION_BACKENDS;
    const choice = selectAttentionBackend(c, entry.architecture.headDim, dtype, kvCacheDtype, allowed);
    attentionBackend = choice.backend;
    if (choice.backend === undefined) {
      const flashInferCould =
        kvCacheDtype === "fp8" &&
        !allowed.includes(AttentionBackend.FlashInfer) &&
        backendRefusal(AttentionBackend.FlashInfer, { cap: c, headDim: entry.architecture.headDim, dtype, kvCacheDtype }) === undefined;
      problems.push({
        setting: "kvCacheDtype",
        message:
          `${kvCacheDtype === "fp8" ? "an fp8 (e4m3) KV cache" : "attention"} for ${modelId} has no runnable attention backend on ${label}: ` +
          choice.refusals.join("; "),
        fix:
          kvCacheDtype === "fp8"
            ? flashInferCould
              ? "allow the FLASHINFER attention backend (the official image ships it), or set kvCacheDtype: auto"
              : "set kvCacheDtype: auto (a 16-bit KV cache: half the tokens per GiB)"
            : "use a card of compute capability 8.0 or newer",
      });
    } else if (kvCacheDtype === "fp8" && choice.backend === AttentionBackend.FlashInfer && c.major !== 9 && cap < TRITON_FP8_KV_MIN) {
      notes.push(`fp8 KV cache on ${formatCapability(c)} runs only on the FLASHINFER backend (vLLM selects it automatically)`);
    }
  }

  return {
    runnable: problems.length === 0,
    flags: { quantization: weights.flag, dtype, kvCacheDtype },
    weightKernel: weights.kernel,
    attentionBackend,
    notes,
    problems,
  };
}
