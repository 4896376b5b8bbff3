import { strict as assert } from "node:assert";
import {
  VLLM_FLAG_DEFAULTS,
  estimateInputFromArgs,
  flagNumber,
  flagPresent,
  lookupModel,
  parseVllmArgs,
  renderVllmArgs,
  type VllmServeOptions,
} from "@llm-platform/capacity";

const AWQ = "hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4";
const LLAMA = "meta-llama/Llama-3.1-8B-Instruct";

const MINIMAL: VllmServeOptions = {
  model: AWQ,
  servedModelNames: ["llm"],
  task: "generate",
  maxModelLen: 8192,
  maxNumSeqs: 8,
  gpuMemoryUtilization: 0.62,
  kvCacheDtype: "auto",
  enforceEager: false,
  tensorParallelSize: 1,
  port: 8000,
  extraArgs: [],
};

describe("vllm serve command line: rendering", () => {
  it("renders only what differs from vLLM's defaults, in a fixed order", () => {
    assert.deepEqual(renderVllmArgs(MINIMAL), [
      AWQ,
      "--served-model-name",
      "llm",
      "--max-model-len",
      "8192",
      "--max-num-seqs",
      "8",
      "--gpu-memory-utilization",
      "0.62",
      "--port",
      "8000",
    ]);
  });

  it("renders every optional setting when it is set", () => {
    const args = renderVllmArgs({
      ...MINIMAL,
      revision: "abc123",
      servedModelNames: ["llm", "chat"],
      dtype: "float16",
      quantization: "awq_marlin",
      maxNumBatchedTokens: 2048,
      kvCacheDtype: "fp8",
      enforceEager: true,
      tensorParallelSize: 2,
      lora: {
        maxLoras: 2,
        maxLoraRank: 32,
        maxCpuLoras: 4,
        modules: [
          { name: "sql", path: "org/sql-lora" },
          { name: "law", path: "/adapters/law" },
        ],
      },
      extraArgs: ["--disable-log-requests"],
    });
    assert.deepEqual(args, [
      AWQ,
      "--revision",
      "abc123",
      "--served-model-name",
      "llm",
      "chat",
      "--dtype",
      "float16",
      "--quantization",
      "awq_marlin",
      "--max-model-len",
      "8192",
      "--max-num-seqs",
      "8",
      "--max-num-batched-tokens",
      "2048",
      "--gpu-memory-utilization",
      "0.62",
      "--kv-cache-dtype",
      "fp8",
      "--enforce-eager",
      "--tensor-parallel-size",
      "2",
      "--enable-lora",
      "--max-loras",
      "2",
      "--max-lora-rank",
      "32",
      "--max-cpu-loras",
      "4",
      "--lora-modules",
      "sql=org/sql-lora",
      "law=/adapters/law",
      "--port",
      "8000",
      "--disable-log-requests",
    ]);
  });

  it("enables LoRA without --lora-modules when no adapter is preloaded", () => {
    const args = renderVllmArgs({ ...MINIMAL, lora: { maxLoras: 1, maxLoraRank: 16, maxCpuLoras: 2, modules: [] } });
    assert.ok(args.includes("--enable-lora"));
    assert.ok(!args.includes("--lora-modules"));
  });

  it("puts the pooling runner on embedders and cross-encoders only", () => {
    const embed = renderVllmArgs({ ...MINIMAL, task: "embed" });
    assert.deepEqual(embed.slice(3, 7), ["--runner", "pooling", "--convert", "embed"]);
    const score = renderVllmArgs({ ...MINIMAL, task: "score" });
    assert.deepEqual(score.slice(3, 5), ["--runner", "pooling"]);
    assert.ok(!score.includes("--convert"));
    assert.ok(!renderVllmArgs(MINIMAL).includes("--runner"));
  });
});

describe("vllm serve command line: parsing", () => {
  it("splits the model from --flag value groups, also --flag=value", () => {
    const parsed = parseVllmArgs(["vllm", "serve", "org/model", "--served-model-name", "a", "b", "--max-model-len=4096", "--enforce-eager", "--x=k=v"]);
    assert.equal(parsed.model, "org/model");
    assert.deepEqual(parsed.flags.get("served-model-name"), ["a", "b"]);
    assert.deepEqual(parsed.flags.get("max-model-len"), ["4096"]);
    assert.deepEqual(parsed.flags.get("enforce-eager"), []);
    assert.deepEqual(parsed.flags.get("x"), ["k=v"], "only the first '=' separates");
    assert.deepEqual([...parsed.flags.keys()], ["served-model-name", "max-model-len", "enforce-eager", "x"]);
  });

  it("takes the first positional argument as the model, else --model", () => {
    assert.equal(parseVllmArgs(["first", "second"]).model, "first");
    assert.equal(parseVllmArgs(["--model", "org/m", "--port", "1"]).model, "org/m");
    assert.equal(parseVllmArgs(["--port", "1"]).model, undefined);
    assert.equal(parseVllmArgs([]).model, undefined);
    assert.equal(parseVllmArgs(["serve", "--model=org/x"]).model, "org/x");
  });

  it("reads numbers and switches the way vLLM's argparse does", () => {
    const parsed = parseVllmArgs([
      "m",
      "--max-model-len",
      "4096",
      "--gpu-memory-utilization",
      "abc",
      "--enable-lora",
      "--enforce-eager",
      "false",
      "--trust-remote-code",
      "true",
    ]);
    assert.equal(flagNumber(parsed, "max-model-len"), 4096);
    assert.equal(flagNumber(parsed, "gpu-memory-utilization"), undefined, "not a number");
    assert.equal(flagNumber(parsed, "max-num-seqs"), undefined, "absent");
    assert.equal(flagPresent(parsed, "enable-lora"), true);
    assert.equal(flagPresent(parsed, "enforce-eager"), false, "--enforce-eager false");
    assert.equal(flagPresent(parsed, "trust-remote-code"), true);
    assert.equal(flagPresent(parsed, "max-loras"), false);
  });
});

describe("the estimate input a command line starts", () => {
  it("reads every setting from the flags", () => {
    const input = estimateInputFromArgs(
      [
        LLAMA,
        "--dtype",
        "float16",
        "--quantization",
        "fp8",
        "--tensor-parallel-size",
        "2",
        "--gpu-memory-utilization",
        "0.8",
        "--max-model-len",
        "4096",
        "--max-num-batched-tokens",
        "1024",
        "--max-num-seqs",
        "32",
        "--kv-cache-dtype",
        "fp8",
        "--enforce-eager",
        "--enable-lora",
        "--max-loras",
        "3",
        "--max-lora-rank",
        "64",
      ],
      23.61,
      "NVIDIA-GeForce-RTX-4090",
    );
    assert.deepEqual(input, {
      id: LLAMA,
      model: lookupModel(LLAMA).architecture,
      dtype: "float16",
      quantization: { method: "fp8" },
      gpu: { totalMemoryGiB: 23.61, product: "NVIDIA-GeForce-RTX-4090" },
      vllm: {
        tensorParallelSize: 2,
        gpuMemoryUtilization: 0.8,
        maxModelLen: 4096,
        maxNumBatchedTokens: 1024,
        maxNumSeqs: 32,
        kvCacheDtype: "fp8",
        enforceEager: true,
        maxLoras: 3,
        maxLoraRank: 64,
      },
    });
  });

  it("falls back to vLLM's defaults and the checkpoint's settings", () => {
    const input = estimateInputFromArgs(parseVllmArgs([AWQ]), 9.78);
    const entry = lookupModel(AWQ);
    assert.equal(input.dtype, "float16");
    assert.deepEqual(input.quantization, entry.quantization);
    assert.deepEqual(input.gpu, { totalMemoryGiB: 9.78 });
    assert.deepEqual(input.vllm, {
      tensorParallelSize: 1,
      gpuMemoryUtilization: 0.9,
      maxModelLen: 131072,
      maxNumBatchedTokens: undefined,
      maxNumSeqs: undefined,
      kvCacheDtype: "auto",
      enforceEager: false,
      maxLoras: 0,
      maxLoraRank: undefined,
    });
    assert.deepEqual(VLLM_FLAG_DEFAULTS, { gpuMemoryUtilization: 0.9, maxLoras: 1, maxLoraRank: 16 });
  });

  it("uses vLLM's LoRA defaults (1 slot, rank 16) when --enable-lora comes alone", () => {
    const input = estimateInputFromArgs([AWQ, "--enable-lora"], 9.78);
    assert.equal(input.vllm.maxLoras, 1);
    assert.equal(input.vllm.maxLoraRank, 16);
    const off = estimateInputFromArgs([AWQ, "--max-loras", "4", "--max-lora-rank", "8"], 9.78);
    assert.equal(off.vllm.maxLoras, 0, "LoRA slots without --enable-lora are not allocated");
    assert.equal(off.vllm.maxLoraRank, undefined);
  });

  it("takes each dtype vLLM accepts and leaves 'auto' to the checkpoint", () => {
    for (const dtype of ["bfloat16", "float16", "float32"] as const) assert.equal(estimateInputFromArgs([LLAMA, "--dtype", dtype], 80).dtype, dtype);
    assert.equal(estimateInputFromArgs([LLAMA, "--dtype", "auto"], 80).dtype, "bfloat16");
    // A float16 checkpoint asked for bfloat16 gets bfloat16; asked for float32, float32.
    assert.equal(estimateInputFromArgs([AWQ, "--dtype", "bfloat16"], 80).dtype, "bfloat16");
    assert.equal(estimateInputFromArgs([AWQ, "--dtype", "float32"], 80).dtype, "float32");
  });

  it("keeps the checkpoint's quantization for kernel choices (--quantization awq_marlin) and fp8 KV only when asked", () => {
    const input = estimateInputFromArgs([AWQ, "--quantization", "awq_marlin", "--kv-cache-dtype", "auto"], 9.78);
    assert.deepEqual(input.quantization, { method: "awq", bits: 4, groupSize: 128 });
    assert.equal(input.vllm.kvCacheDtype, "auto");
  });

  it("refuses a command line without a model, and a model outside the catalog", () => {
    assert.throws(
      () => estimateInputFromArgs(["--max-model-len", "4096"], 9.78),
      (e: unknown) => e instanceof Error && e.message === "the vLLM command line names no model",
    );
    assert.throws(() => estimateInputFromArgs(["acme/unknown"], 9.78), /model "acme\/unknown" is not in the catalog/);
  });
});
