import { CapacityInputError } from "./types";

/**
 * GPUs by the `nvidia.com/gpu.product` label that gpu-feature-discovery (GFD, part of the NVIDIA
 * device plugin / GPU Operator) puts on a node: the NVML device name with spaces replaced by '-'
 * (`NVIDIA GeForce RTX 3080` → `NVIDIA-GeForce-RTX-3080`, `Tesla T4` → `Tesla-T4`). With time-slicing
 * or MPS sharing the label gets a `-SHARED` suffix. Some products share one NVML name across memory
 * sizes (RTX 3080 10/12 GB, RTX 4060 Ti 8/16 GB); GFD's `nvidia.com/gpu.memory` label (MiB) tells
 * them apart, and without it the lookup takes the smallest variant (never more memory than is there).
 *
 * `usableMemoryGiB` is what CUDA reports as the device total (`cudaMemGetInfo` / `torch.cuda.mem_get_info()[1]`,
 * the `total_memory` vLLM multiplies `--gpu-memory-utilization` by): the framebuffer minus what the
 * driver reserves. It is smaller than the marketing size and than nvidia-smi's "Total" on most cards,
 * and it shrinks slightly with newer drivers (a T4 reported 14.75 GiB in 2021 and 14.56 GiB in 2025).
 *
 * - `measured`: the lowest total found in public CUDA out-of-memory messages / deviceQuery output for
 *   that product (PyTorch prints "GPU 0 has a total capacity of X GiB", which is `mem_get_info` total).
 * - `derived`: no public measurement found. The value is nvidia-smi's total (or the nominal size) minus a
 *   reservation just above the largest one measured for the class: 0.45 GiB for GeForce cards
 *   (measured 0.22 on an RTX 3080 10 GB, 0.30 on an RTX 3090, 0.38 on an RTX 4090) and 0.80 GiB for
 *   data-centre cards (measured 0.44–0.62 on T4, H100, L40, A100 40 GB; 0.75 on an A100 80 GB).
 *
 * Operators who measured their own card pass `gpuMemoryGiB` (the value of
 * `python -c 'import torch; print(torch.cuda.mem_get_info()[1] / 2**30)'`); a value above this
 * catalog's usable memory deserves a warning (see {@link checkMemoryOverride}).
 */
export interface ComputeCapability {
  major: number;
  minor: number;
}

export interface GpuSpec {
  /** Catalog key: the GFD label, with a size suffix where one label covers several memory sizes. */
  id: string;
  /** The `nvidia.com/gpu.product` label value GFD sets (without `-SHARED`). */
  product: string;
  name: string;
  /** Marketing size in GiB (GFD's `nvidia.com/gpu.memory` label is this in MiB, near enough). */
  nominalMemoryGiB: number;
  /** Device total as CUDA reports it, GiB: what vLLM's utilization is a fraction of. */
  usableMemoryGiB: number;
  usableMemory: "measured" | "derived";
  computeCapability: ComputeCapability;
  /** Peak memory bandwidth, GB/s (decode speed is bound by it). */
  memoryBandwidthGBps: number;
  dataCenter: boolean;
  /** Where the usable-memory figure comes from. */
  source: string;
}

const GEFORCE_RESERVE_GiB = 0.45;
const DATA_CENTER_RESERVE_GiB = 0.8;
const MiB = 1 / 1024;

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

interface SpecInput extends Omit<GpuSpec, "id" | "usableMemoryGiB" | "usableMemory" | "source" | "dataCenter"> {
  id?: string;
  dataCenter?: boolean;
}

/** A measured CUDA total. */
function measured(spec: SpecInput, usableMemoryGiB: number, source: string): GpuSpec {
  return { id: spec.id ?? spec.product, dataCenter: spec.dataCenter ?? false, ...spec, usableMemoryGiB, usableMemory: "measured", source };
}

/** A CUDA total derived from nvidia-smi's total (GiB), or the nominal size, minus the class reservation. */
function derived(spec: SpecInput, smiTotalGiB: number, source: string): GpuSpec {
  const dataCenter = spec.dataCenter ?? false;
  const reserve = dataCenter ? DATA_CENTER_RESERVE_GiB : GEFORCE_RESERVE_GiB;
  return {
    id: spec.id ?? spec.product,
    dataCenter,
    ...spec,
    usableMemoryGiB: round2(smiTotalGiB - reserve),
    usableMemory: "derived",
    source: `${source}; derived: ${smiTotalGiB.toFixed(2)} GiB − ${reserve} GiB ${dataCenter ? "data-centre" : "GeForce"} reservation`,
  };
}

const cc = (major: number, minor: number): ComputeCapability => ({ major, minor });

/**
 * Compute capabilities: NVIDIA's CUDA GPUs table (developer.nvidia.com/cuda-gpus). Bandwidths: NVIDIA
 * product pages / data sheets. nvidia-smi totals for data-centre cards: modal-labs/modal-client#2797.
 */
const SPECS: GpuSpec[] = [
  measured(
    { product: "NVIDIA-GeForce-RTX-3060", name: "GeForce RTX 3060 12 GB", nominalMemoryGiB: 12, computeCapability: cc(8, 6), memoryBandwidthGBps: 360 },
    11.75,
    "CUDA OOM message on an RTX 3060: '11.75 GiB total capacity' (Kunhao-Liu/StyleGaussian#12)",
  ),
  measured(
    { product: "NVIDIA-GeForce-RTX-3080", name: "GeForce RTX 3080 10 GB", nominalMemoryGiB: 10, computeCapability: cc(8, 6), memoryBandwidthGBps: 760 },
    9.78,
    "CUDA OOM message on an RTX 3080 under Linux: '9.78 GiB total capacity' (zai-org/CogVideo#34)",
  ),
  derived(
    {
      id: "NVIDIA-GeForce-RTX-3080-12GB",
      product: "NVIDIA-GeForce-RTX-3080",
      name: "GeForce RTX 3080 12 GB",
      nominalMemoryGiB: 12,
      computeCapability: cc(8, 6),
      memoryBandwidthGBps: 912,
    },
    12,
    "no public CUDA total found",
  ),
  measured(
    { product: "NVIDIA-GeForce-RTX-3090", name: "GeForce RTX 3090", nominalMemoryGiB: 24, computeCapability: cc(8, 6), memoryBandwidthGBps: 936 },
    23.69,
    "CUDA OOM messages on RTX 3090s: '23.70 GiB total capacity' (GaoLii/DSP#10, xiaoxiangAQ/GAS-Net#7), less 0.01 GiB for newer drivers",
  ),
  derived(
    {
      id: "NVIDIA-GeForce-RTX-4060-Ti-16GB",
      product: "NVIDIA-GeForce-RTX-4060-Ti",
      name: "GeForce RTX 4060 Ti 16 GB",
      nominalMemoryGiB: 16,
      computeCapability: cc(8, 9),
      memoryBandwidthGBps: 288,
    },
    16,
    "no public CUDA total found",
  ),
  derived(
    { product: "NVIDIA-GeForce-RTX-4070-Ti", name: "GeForce RTX 4070 Ti", nominalMemoryGiB: 12, computeCapability: cc(8, 9), memoryBandwidthGBps: 504 },
    12,
    "no public CUDA total found",
  ),
  derived(
    { product: "NVIDIA-GeForce-RTX-4080", name: "GeForce RTX 4080", nominalMemoryGiB: 16, computeCapability: cc(8, 9), memoryBandwidthGBps: 717 },
    16,
    "no public CUDA total found",
  ),
  measured(
    { product: "NVIDIA-GeForce-RTX-4090", name: "GeForce RTX 4090", nominalMemoryGiB: 24, computeCapability: cc(8, 9), memoryBandwidthGBps: 1008 },
    23.61,
    "CUDA OOM messages on RTX 4090s: 23.61–23.65 GiB total capacity (pinokiofactory/flux-webui#11, TRI-ML/packnet-sfm#250)",
  ),
  measured(
    { product: "NVIDIA-GeForce-RTX-5090", name: "GeForce RTX 5090", nominalMemoryGiB: 32, computeCapability: cc(12, 0), memoryBandwidthGBps: 1792 },
    31.36,
    "CUDA OOM messages on RTX 5090s: 31.36–31.37 GiB total capacity (TrajectoryCrafter/TrajectoryCrafter#20, Wan-Video/Wan2.1#465)",
  ),
  derived(
    { product: "NVIDIA-A10", name: "A10", nominalMemoryGiB: 24, computeCapability: cc(8, 6), memoryBandwidthGBps: 600, dataCenter: true },
    23028 * MiB,
    "nvidia-smi total 23028 MiB",
  ),
  derived(
    { product: "NVIDIA-A10G", name: "A10G (AWS g5)", nominalMemoryGiB: 24, computeCapability: cc(8, 6), memoryBandwidthGBps: 600, dataCenter: true },
    23028 * MiB,
    "nvidia-smi total 23028 MiB (as the A10); Hugging Face notes the A10G 'reports ~22GB' (huggingface/local-gemma#25)",
  ),
  derived(
    { product: "NVIDIA-L4", name: "L4", nominalMemoryGiB: 24, computeCapability: cc(8, 9), memoryBandwidthGBps: 300, dataCenter: true },
    23034 * MiB,
    "nvidia-smi total 23034 MiB",
  ),
  derived(
    { product: "NVIDIA-L40S", name: "L40S", nominalMemoryGiB: 48, computeCapability: cc(8, 9), memoryBandwidthGBps: 864, dataCenter: true },
    46068 * MiB,
    "nvidia-smi total 46068 MiB; an L40 (same 48 GB board) reports 44.40 GiB to CUDA (NVlabs/Eagle#68)",
  ),
  measured(
    { product: "Tesla-T4", name: "T4", nominalMemoryGiB: 16, computeCapability: cc(7, 5), memoryBandwidthGBps: 320, dataCenter: true },
    14.38,
    "deviceQuery on a T4: 15.441664 GB (14.38 GiB) global memory; PyTorch reports 14.56–14.58 GiB on 2025 drivers (AlphaGPU/leetgpu-challenges#52, QwenLM/Qwen3-VL#1046)",
  ),
  measured(
    { product: "Tesla-V100-SXM2-16GB", name: "V100 SXM2 16 GB", nominalMemoryGiB: 16, computeCapability: cc(7, 0), memoryBandwidthGBps: 900, dataCenter: true },
    15.75,
    "CUDA OOM messages on 16 GB V100s: 15.75–15.78 GiB total capacity (Morizeyao/GPT2-Chinese#215, kchengiva/Shift-GCN#34)",
  ),
  measured(
    { product: "Tesla-V100-PCIE-16GB", name: "V100 PCIe 16 GB", nominalMemoryGiB: 16, computeCapability: cc(7, 0), memoryBandwidthGBps: 900, dataCenter: true },
    15.75,
    "as the SXM2 16 GB board (same 16 GB HBM2): 15.75–15.78 GiB total capacity",
  ),
  derived(
    { product: "Tesla-V100-SXM2-32GB", name: "V100 SXM2 32 GB", nominalMemoryGiB: 32, computeCapability: cc(7, 0), memoryBandwidthGBps: 900, dataCenter: true },
    32510 * MiB,
    "nvidia-smi total 32510 MiB",
  ),
  derived(
    { product: "Tesla-V100-PCIE-32GB", name: "V100 PCIe 32 GB", nominalMemoryGiB: 32, computeCapability: cc(7, 0), memoryBandwidthGBps: 900, dataCenter: true },
    32510 * MiB,
    "nvidia-smi total 32510 MiB",
  ),
  measured(
    {
      product: "NVIDIA-A100-SXM4-40GB",
      name: "A100 SXM4 40 GB",
      nominalMemoryGiB: 40,
      computeCapability: cc(8, 0),
      memoryBandwidthGBps: 1555,
      dataCenter: true,
    },
    39.39,
    "deviceQuery on an A100-SXM4-40GB: 42298834944 bytes (bottlerocket-os/bottlerocket#3873); PyTorch reports 39.50 GiB (TianheWu/CoSeR#10)",
  ),
  derived(
    {
      product: "NVIDIA-A100-PCIE-40GB",
      name: "A100 PCIe 40 GB",
      nominalMemoryGiB: 40,
      computeCapability: cc(8, 0),
      memoryBandwidthGBps: 1555,
      dataCenter: true,
    },
    40960 * MiB,
    "nvidia-smi total 40960 MiB",
  ),
  derived(
    {
      product: "NVIDIA-A100-SXM4-80GB",
      name: "A100 SXM4 80 GB",
      nominalMemoryGiB: 80,
      computeCapability: cc(8, 0),
      memoryBandwidthGBps: 2039,
      dataCenter: true,
    },
    81920 * MiB,
    "nvidia-smi total 81920 MiB; an A100 80 GB reports 79.25 GiB to PyTorch (levihsu/OOTDiffusion#235)",
  ),
  derived(
    {
      product: "NVIDIA-A100-80GB-PCIe",
      name: "A100 PCIe 80 GB",
      nominalMemoryGiB: 80,
      computeCapability: cc(8, 0),
      memoryBandwidthGBps: 1935,
      dataCenter: true,
    },
    81920 * MiB,
    "nvidia-smi total 81920 MiB",
  ),
  measured(
    {
      product: "NVIDIA-H100-80GB-HBM3",
      name: "H100 SXM 80 GB",
      nominalMemoryGiB: 80,
      computeCapability: cc(9, 0),
      memoryBandwidthGBps: 3350,
      dataCenter: true,
    },
    79.11,
    "CUDA OOM message on an H100: 'total capacity of 79.11 GiB' (vllm-project/vllm#27508); the calibration runs in capacity/data saw 79.19",
  ),
  derived(
    { product: "NVIDIA-H100-PCIe", name: "H100 PCIe 80 GB", nominalMemoryGiB: 80, computeCapability: cc(9, 0), memoryBandwidthGBps: 2000, dataCenter: true },
    81559 * MiB,
    "nvidia-smi total 81559 MiB (as the SXM board)",
  ),
  derived(
    { product: "NVIDIA-H200", name: "H200 141 GB", nominalMemoryGiB: 141, computeCapability: cc(9, 0), memoryBandwidthGBps: 4800, dataCenter: true },
    143771 * MiB,
    "nvidia-smi total 143771 MiB",
  ),
];

/** Every catalogued GPU by id. */
export const GPU_CATALOG: Readonly<Record<string, GpuSpec>> = Object.freeze(Object.fromEntries(SPECS.map((s) => [s.id, s])));

/** The suffix GFD appends to `nvidia.com/gpu.product` when time-slicing or MPS shares the card. */
export const SHARED_SUFFIX = "-SHARED";

function normalize(label: string): string {
  let value = label.trim();
  if (value.toUpperCase().endsWith(SHARED_SUFFIX)) value = value.slice(0, -SHARED_SUFFIX.length);
  return value.toLowerCase().replace(/^nvidia-/, "");
}

/** Every catalogued variant carrying this product label (several when one label covers several memory sizes). */
export function gpuVariants(product: string): GpuSpec[] {
  const key = normalize(product);
  return SPECS.filter((s) => normalize(s.product) === key).sort((a, b) => a.usableMemoryGiB - b.usableMemoryGiB);
}

/**
 * The GPU a node label names. Accepts the label as GFD writes it, with or without `-SHARED`, and with
 * or without the `NVIDIA-` prefix older drivers left out (`GeForce-RTX-3080`). `memoryMiB` (the
 * `nvidia.com/gpu.memory` label) picks among variants that share a label; without it the variant
 * with the least memory is returned. Throws a CapacityInputError listing the known products.
 */
export function lookupGpu(product: string, memoryMiB?: number): GpuSpec {
  const labelled = gpuVariants(product);
  const byId = SPECS.find((s) => normalize(s.id) === normalize(product));
  const variants = labelled.length > 0 ? labelled : byId ? [byId] : [];
  if (variants.length === 0) {
    const known = [...new Set(SPECS.map((s) => s.product))].join(", ");
    throw new CapacityInputError(
      `GPU product "${product}" is not in the GPU catalog (capacity/gpus.ts); known nvidia.com/gpu.product values: ${known}. ` +
        `Set host.nodes.<node>.gpuMemoryGiB to the card's CUDA total (torch.cuda.mem_get_info()[1] / 2**30) to plan an unlisted card`,
    );
  }
  if (memoryMiB === undefined || variants.length === 1) return variants[0]!;
  const nearest = [...variants].sort((a, b) => Math.abs(a.nominalMemoryGiB * 1024 - memoryMiB) - Math.abs(b.nominalMemoryGiB * 1024 - memoryMiB));
  return nearest[0]!;
}

/** "8.6" */
export function formatCapability(c: ComputeCapability): string {
  return `${c.major}.${c.minor}`;
}

/** 86 for 8.6, the integer form vLLM compares (`DeviceCapability.to_int()`). */
export function capabilityInt(c: ComputeCapability): number {
  return c.major * 10 + c.minor;
}

export interface MemoryOverrideCheck {
  /** The memory to plan with: the override when given, else the catalog's usable memory. */
  memoryGiB: number;
  /** Set when the override claims more than CUDA reports for this card. */
  warning?: string;
}

/**
 * Resolves a configured `gpuMemoryGiB` override against the catalog: the override is used (an operator
 * may have measured their own card), but one above the catalog's usable memory is warned about,
 * because vLLM's utilization is a fraction of the CUDA-reported total, not of the marketing size.
 */
export function checkMemoryOverride(spec: GpuSpec, overrideGiB?: number): MemoryOverrideCheck {
  if (overrideGiB === undefined) return { memoryGiB: spec.usableMemoryGiB };
  if (overrideGiB > spec.usableMemoryGiB) {
    return {
      memoryGiB: overrideGiB,
      warning:
        `gpuMemoryGiB ${overrideGiB} exceeds the ${spec.usableMemoryGiB} GiB CUDA reports for a ${spec.name} ` +
        `(${spec.usableMemory}: ${spec.source}); plans made with it may not start. Remove the override or set it to ` +
        `torch.cuda.mem_get_info()[1] / 2**30 measured on the node`,
    };
  }
  return { memoryGiB: overrideGiB };
}
