import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import {
  MODEL_CATALOG,
  buildsOf,
  estimateMemory,
  lookupModel,
  maxGpuMemoryUtilization,
  planKernels,
  renderVllmArgs,
  lookupGpu,
  tensorParallelRefusal,
  type CatalogEntry,
  type EstimateInput,
} from "@llm-platform/capacity";

/** Qwen2.5 parameters from config.json shapes: q/k/v with biases, o, gated MLP, two norms per layer, untied embeddings, final norm. */
function qwenParameters(layers: number, h: number, heads: number, kv: number, inter: number, vocab = 152064): number {
  const qkv = h * (heads + 2 * kv) * 128 + (heads + 2 * kv) * 128;
  const perLayer = qkv + heads * 128 * h + 3 * h * inter + 2 * h;
  return layers * perLayer + 2 * vocab * h + h;
}

describe("catalog additions (issue #18)", () => {
  it("serves BAAI/bge-reranker-v2-m3 as a score cross-encoder on XLM-RoBERTa-large, without KV cache", () => {
    const reranker = lookupModel("BAAI/bge-reranker-v2-m3");
    const bge = lookupModel("BAAI/bge-m3");
    assert.equal(reranker.task, "score");
    assert.equal(reranker.kind, "encoder");
    assert.equal(bge.task, "embed");
    const { name: _a, numParameters: pr, ...rShape } = reranker.architecture;
    const { name: _b, numParameters: pb, ...bShape } = bge.architecture;
    assert.deepEqual(rShape, bShape, "same XLM-RoBERTa-large shapes");
    // No pooler (1024² + 1024); a classification head: dense (1024² + 1024) and out_proj (1024 + 1).
    assert.equal(pr - pb, -(1024 * 1024 + 1024) + (1024 * 1024 + 1024) + (1024 + 1));
    assert.equal(reranker.embeddingDimension, undefined);
    const e = estimateMemory({
      model: reranker.architecture,
      dtype: reranker.dtype,
      quantization: reranker.quantization,
      gpu: { totalMemoryGiB: 9.78, product: "NVIDIA-GeForce-RTX-3080" },
      vllm: { tensorParallelSize: 1, gpuMemoryUtilization: 0.3, maxModelLen: 8192, maxNumSeqs: 16, kvCacheDtype: "auto", enforceEager: true },
    });
    assert.equal(e.kvCacheTokens, 0);
    assert.equal(e.fitsMaxModelLenGuaranteed, true);
  });

  it("renders the score runner for the reranker and the embed conversion for embeddings", () => {
    const base = {
      model: "BAAI/bge-reranker-v2-m3",
      servedModelNames: ["reranker"],
      maxModelLen: 8192,
      maxNumSeqs: 16,
      gpuMemoryUtilization: 0.25,
      kvCacheDtype: "auto" as const,
      enforceEager: true,
      tensorParallelSize: 1,
      port: 8000,
      extraArgs: [],
    };
    const score = renderVllmArgs({ ...base, task: "score" });
    assert.deepEqual(score.slice(score.indexOf("--runner"), score.indexOf("--runner") + 2), ["--runner", "pooling"]);
    assert.ok(!score.includes("--convert"));
    const embed = renderVllmArgs({ ...base, task: "embed" });
    assert.ok(embed.join(" ").includes("--runner pooling --convert embed"));
    assert.ok(!renderVllmArgs({ ...base, task: "generate" }).includes("--runner"));
  });

  it("keeps Qwen2.5-Coder-7B-Instruct-AWQ a 4-bit AWQ build of the 16-bit Coder with its shapes", () => {
    const awq = lookupModel("Qwen/Qwen2.5-Coder-7B-Instruct-AWQ");
    const dense = lookupModel("Qwen/Qwen2.5-Coder-7B-Instruct");
    assert.deepEqual(awq.quantization, { method: "awq", bits: 4, groupSize: 128 });
    assert.equal(awq.dtype, "float16");
    assert.equal(awq.baseModel, "Qwen/Qwen2.5-Coder-7B-Instruct");
    assert.deepEqual({ ...awq.architecture, name: "" }, { ...dense.architecture, name: "" });
    assert.equal(awq.architecture.numParameters, qwenParameters(28, 3584, 28, 4, 18944));
    assert.equal(awq.architecture.intermediateSize % 128, 0, "whole AWQ groups");
    assert.deepEqual(buildsOf("Qwen/Qwen2.5-Coder-7B-Instruct"), ["Qwen/Qwen2.5-Coder-7B-Instruct", "Qwen/Qwen2.5-Coder-7B-Instruct-AWQ"]);
  });

  it("has the Qwen2.5 14B and 32B shapes from their config.json, parameters derived from them", () => {
    const q14 = lookupModel("Qwen/Qwen2.5-14B-Instruct-AWQ").architecture;
    assert.equal(q14.numParameters, qwenParameters(48, 5120, 40, 8, 13824));
    assert.equal(lookupModel("Qwen/Qwen2.5-14B-Instruct").architecture.numParameters, q14.numParameters);
    assert.equal(lookupModel("Qwen/Qwen2.5-32B-Instruct-AWQ").architecture.numParameters, qwenParameters(64, 5120, 40, 8, 27648));
    assert.deepEqual(buildsOf("Qwen/Qwen2.5-14B-Instruct"), ["Qwen/Qwen2.5-14B-Instruct", "Qwen/Qwen2.5-14B-Instruct-AWQ"]);
    assert.equal(tensorParallelRefusal(lookupModel("Qwen/Qwen2.5-14B-Instruct-AWQ"), 2), undefined);
  });

  it("records a task and a base model for every entry; a base is a 16-bit build of itself", () => {
    for (const [id, entry] of Object.entries(MODEL_CATALOG)) {
      assert.ok(["generate", "embed", "score"].includes(entry.task), id);
      assert.ok(buildsOf(entry.baseModel).includes(id), id);
      if (entry.baseModel === id) assert.ok(entry.quantization.method === "none", `${id} is its own base`);
    }
  });
});

describe("night mode: the largest catalog model two ~9.78 GiB cards serve at TP=2 with an 8k sequence guaranteed", () => {
  // Looked up per call, never while mocha loads the file (StrykerJS would count that as static coverage).
  const rtx3080 = () => lookupGpu("NVIDIA-GeForce-RTX-3080");
  function tp2Guaranteed(id: string, entry: CatalogEntry): number {
    const card = rtx3080();
    const plan = planKernels(id, { kvCacheDtype: "auto" }, card);
    const input: EstimateInput = {
      model: entry.architecture,
      dtype: plan.flags.dtype,
      quantization: entry.quantization,
      gpu: { totalMemoryGiB: card.usableMemoryGiB, product: card.product },
      vllm: {
        tensorParallelSize: 2,
        gpuMemoryUtilization: 0.5,
        maxModelLen: 8192,
        maxNumSeqs: 4,
        maxNumBatchedTokens: 2048,
        kvCacheDtype: "auto",
        enforceEager: true,
        attentionBackend: plan.attentionBackend,
      },
    };
    const util = maxGpuMemoryUtilization(input);
    if (util === undefined || tensorParallelRefusal(entry, 2) !== undefined) return 0;
    return estimateMemory({ ...input, vllm: { ...input.vllm, gpuMemoryUtilization: util } }).kvCacheTokensGuaranteed;
  }

  it("is Llama-3.1-8B (4-bit); Qwen2.5-14B AWQ falls short even at the expected end", () => {
    const fitting = Object.entries(MODEL_CATALOG)
      .filter(([, e]) => e.task === "generate")
      .filter(([id, e]) => tp2Guaranteed(id, e) >= 8192)
      .sort(([, a], [, b]) => b.architecture.numParameters - a.architecture.numParameters);
    assert.equal(fitting[0]![1].architecture.numParameters, 8030261248);
    assert.ok(fitting.some(([id]) => id === "hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4"));
    assert.ok(!fitting.some(([id]) => id.startsWith("Qwen/Qwen2.5-14B")));
    // Even the expected end of the 14B AWQ at TP=2 holds less than one 8k sequence.
    const card = rtx3080();
    const q14 = lookupModel("Qwen/Qwen2.5-14B-Instruct-AWQ");
    const input: EstimateInput = {
      model: q14.architecture,
      dtype: q14.dtype,
      quantization: q14.quantization,
      gpu: { totalMemoryGiB: card.usableMemoryGiB, product: card.product },
      vllm: {
        tensorParallelSize: 2,
        gpuMemoryUtilization: 0.5,
        maxModelLen: 8192,
        maxNumSeqs: 4,
        maxNumBatchedTokens: 2048,
        kvCacheDtype: "auto",
        enforceEager: true,
      },
    };
    const util = maxGpuMemoryUtilization(input)!;
    assert.ok(estimateMemory({ ...input, vllm: { ...input.vllm, gpuMemoryUtilization: util } }).kvCacheTokens < 8192);
  });
});

describe("npm run bench:capacity", () => {
  it("reports the error band next to the errors and that the guaranteed ends hold, also with leave-one-out offsets", () => {
    const root = join(__dirname, "..", "..");
    const run = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", join(root, "scripts", "bench-capacity.ts")], {
      cwd: root,
      encoding: "utf8",
    });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /error band {6}non-KV \+\d\.\d{3} GiB, footprint \+\d\.\d{3} GiB: allocator slack 0\.146/);
    assert.match(run.stdout, /guaranteed KV .* holds/);
    assert.match(run.stdout, /guaranteed ends hold on 5 of 5 runs; with leave-one-out offsets on 5 of 5/);
    assert.doesNotMatch(run.stdout, /BROKEN/);
  });
});

describe("catalog lookups", () => {
  it("refuses an unknown model with a CapacityInputError listing every id, comma-separated", () => {
    assert.throws(
      () => lookupModel("acme/none"),
      (e: unknown) =>
        e instanceof Error &&
        e.name === "CapacityInputError" &&
        e.message === `model "acme/none" is not in the catalog; known: ${Object.keys(MODEL_CATALOG).join(", ")}` &&
        e.message.includes("meta-llama/Llama-3.1-8B-Instruct, hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4, "),
    );
  });
});
