import { strict as assert } from "node:assert";
import {
  AttentionBackend,
  CapacityInputError,
  estimateMemory,
  lookupModel,
  maxGpuMemoryUtilization,
  minGpuMemoryUtilization,
  searchLayouts,
  tensorParallelRefusal,
  type Layout,
  type LayoutServerWant,
} from "@llm-platform/capacity";

const AWQ = "hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4";
const SEED = [{ name: "gpu-node", gpuProduct: "NVIDIA-GeForce-RTX-3080", gpus: 2 }];
const LLM: LayoutServerWant = { name: "llm", model: AWQ, maxModelLen: 8192, maxNumSeqs: 8, maxNumBatchedTokens: 2048, enforceEager: true };
const EMBED: LayoutServerWant = { name: "embedding", model: "BAAI/bge-m3", maxModelLen: 8192, maxNumSeqs: 16, maxNumBatchedTokens: 8192, enforceEager: true };
const RERANK: LayoutServerWant = {
  name: "reranker",
  model: "BAAI/bge-reranker-v2-m3",
  maxModelLen: 8192,
  maxNumSeqs: 16,
  maxNumBatchedTokens: 8192,
  enforceEager: true,
};

/** The guaranteed tokens of a layout's server, re-estimated from its printed settings alone. */
function reEstimate(layout: Layout, name: string, want: LayoutServerWant, memoryGiB: number, product: string) {
  const s = layout.servers.find((x) => x.name === name)!;
  const entry = lookupModel(s.model);
  return estimateMemory({
    model: entry.architecture,
    dtype: s.dtype,
    quantization: entry.quantization,
    gpu: { totalMemoryGiB: memoryGiB, product },
    vllm: {
      tensorParallelSize: s.tensorParallelSize,
      gpuMemoryUtilization: s.gpuMemoryUtilization,
      maxModelLen: want.maxModelLen,
      maxNumSeqs: want.maxNumSeqs,
      maxNumBatchedTokens: want.maxNumBatchedTokens,
      kvCacheDtype: s.kvCacheDtype,
      enforceEager: want.enforceEager ?? false,
      attentionBackend: s.attentionBackend,
    },
  });
}

/**
 * The seed host's search, run inside each test that reads it: never while mocha loads the file (StrykerJS
 * would count it as static coverage, attribute it to no test and have to restart the runner per mutant),
 * and never cached across tests (a cached result would outlive the mutant it was computed under).
 */
function seedSearch() {
  return searchLayouts({ nodes: SEED, servers: [LLM, EMBED, RERANK] });
}

describe("layout search on the seed host (2× RTX 3080 10 GB)", () => {
  it("ranks at least three layouts by the main server's guaranteed KV tokens, quickly", () => {
    const started = Date.now();
    const result = seedSearch();
    const elapsed = Date.now() - started;
    assert.ok(result.layouts.length >= 3, String(result.layouts.length));
    for (let i = 1; i < result.layouts.length; i++) assert.ok(result.layouts[i - 1]!.guaranteedKvTokens >= result.layouts[i]!.guaranteedKvTokens);
    assert.ok(elapsed < 2000, `${elapsed} ms`);
    assert.ok(result.evaluated >= result.layouts.length);
  });

  it("finds llm alone on one card with a 16-bit KV cache and ≥ 20,000 guaranteed tokens, the pooling servers on the other", () => {
    const result = seedSearch();
    const layout = result.layouts.find((l) => l.servers[0]!.kvCacheDtype === "auto" && l.servers[0]!.model === AWQ)!;
    assert.ok(layout, "such a layout is listed");
    assert.equal(layout.sharing.mode, "dra");
    const llm = layout.servers[0]!;
    assert.deepEqual(llm.cards, ["gpu-node/gpu0"]);
    assert.deepEqual(layout.servers.find((s) => s.name === "embedding")!.cards, ["gpu-node/gpu1"]);
    assert.deepEqual(layout.servers.find((s) => s.name === "reranker")!.cards, ["gpu-node/gpu1"]);
    assert.ok(layout.guaranteedKvTokens >= 20000, String(layout.guaranteedKvTokens));
    // Independently: the utilization is the largest that fits the card alone, and the tokens follow from it.
    const again = reEstimate(layout, "llm", LLM, 9.78, "NVIDIA-GeForce-RTX-3080");
    assert.equal(layout.guaranteedKvTokens, again.kvCacheTokensGuaranteed);
    assert.equal(llm.kvCacheTokens, again.kvCacheTokens);
    const entry = lookupModel(AWQ);
    const input = {
      model: entry.architecture,
      dtype: entry.dtype,
      quantization: entry.quantization,
      gpu: { totalMemoryGiB: 9.78, product: "NVIDIA-GeForce-RTX-3080" },
      vllm: {
        tensorParallelSize: 1,
        gpuMemoryUtilization: 0.5,
        maxModelLen: 8192,
        maxNumSeqs: 8,
        maxNumBatchedTokens: 2048,
        kvCacheDtype: "auto" as const,
        enforceEager: true,
      },
    };
    assert.equal(llm.gpuMemoryUtilization, maxGpuMemoryUtilization(input));
    assert.equal(llm.parallelRequests, Math.min(8, Math.floor(again.kvCacheTokensGuaranteed / 8192)));
    assert.equal(llm.attentionBackend, AttentionBackend.FlashAttn);
  });

  it("ranks the fp8 KV layout (FlashInfer on 8.6) first", () => {
    const result = seedSearch();
    const best = result.layouts[0]!;
    assert.equal(best.servers[0]!.kvCacheDtype, "fp8");
    assert.equal(best.servers[0]!.attentionBackend, AttentionBackend.FlashInfer);
    assert.ok(best.guaranteedKvTokens > result.layouts.find((l) => l.servers[0]!.kvCacheDtype === "auto")!.guaranteedKvTokens);
  });

  it("keeps every card within its memory at the pessimistic footprints, and every server at or above its minimum", () => {
    const result = seedSearch();
    for (const layout of result.layouts) {
      for (const card of layout.cards) {
        const sum = layout.servers.filter((s) => card.servers.includes(s.name)).reduce((x, s) => x + s.deviceFootprintGiBPessimistic, 0);
        assert.ok(sum <= card.memoryGiB + 0.02, `${layout.summary}: ${card.card} ${sum}`);
        assert.ok(card.headroomGiB >= 0);
      }
      for (const s of layout.servers) if (s.task === "generate") assert.ok(s.kvCacheTokensGuaranteed >= s.maxModelLen);
    }
  });

  it("gives a machine-readable config for the plan to print", () => {
    const result = seedSearch();
    const layout = result.layouts[0]!;
    assert.deepEqual(layout.config.gpuSharing, { mode: "dra" });
    assert.deepEqual(Object.keys(layout.config.servers), ["llm", "embedding", "reranker"]);
    const llm = layout.config.servers.llm!;
    assert.equal(llm.gpus, 1);
    assert.deepEqual(llm.placement, ["gpu-node/gpu0"]);
    assert.equal(llm.gpuMemoryUtilization, layout.servers[0]!.gpuMemoryUtilization);
    assert.equal(llm.kvCacheDtype, "fp8");
    assert.equal(llm.maxNumSeqs, 8);
    assert.match(
      layout.summary,
      /^dra: gpu-node\/gpu0 \[llm\], gpu-node\/gpu1 \[embedding, reranker\]; llm: .* KV fp8, util 0\.\d+ → \d+ KV tokens guaranteed$/,
    );
    assert.equal(layout.parallelRequests.embedding, 16);
    // Pooling servers keep their minimum utilization: no KV cache to grow.
    const bge = lookupModel("BAAI/bge-m3");
    const embedMin = minGpuMemoryUtilization(
      {
        model: bge.architecture,
        dtype: bge.dtype,
        quantization: bge.quantization,
        gpu: { totalMemoryGiB: 9.78, product: "NVIDIA-GeForce-RTX-3080" },
        vllm: {
          tensorParallelSize: 1,
          gpuMemoryUtilization: 1,
          maxModelLen: 8192,
          maxNumSeqs: 16,
          maxNumBatchedTokens: 8192,
          kvCacheDtype: "auto",
          enforceEager: true,
        },
      },
      { maxModelLen: 8192, concurrency: 1 },
    );
    assert.equal(layout.config.servers.embedding!.gpuMemoryUtilization, embedMin);
    assert.ok(layout.cards[1]!.headroomGiB > 3, "the pooling card keeps its spare room");
  });

  it("says why the other modes produce nothing", () => {
    const result = seedSearch();
    const reasons = Object.fromEntries(result.rejected.map((r) => [r.mode, r.reason]));
    assert.equal(reasons.none, "3 servers need 3 whole cards; there are 2");
    assert.match(reasons["time-slicing"]!, /no placement holds/);
    assert.match(reasons.mps!, /no placement holds/);
  });

  it("offers other builds of the same base model unless told not to", () => {
    const result = seedSearch();
    assert.ok(result.layouts.some((l) => l.servers[0]!.model === "RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w4a16"));
    const only = searchLayouts({ nodes: SEED, servers: [{ ...LLM, allowOtherBuilds: false }, EMBED, RERANK] });
    assert.ok(only.layouts.every((l) => l.servers[0]!.model === AWQ));
    const auto = searchLayouts({ nodes: SEED, servers: [{ ...LLM, kvCacheDtypes: ["auto"] }, EMBED, RERANK] });
    assert.ok(auto.layouts.every((l) => l.servers[0]!.kvCacheDtype === "auto"));
  });
});

describe("layout search under each sharing mode", () => {
  it("time-slicing: a 24 GiB card holds llm and the embedder together, llm growing beside it", () => {
    const r = searchLayouts({ nodes: [{ name: "n", gpuProduct: "NVIDIA-GeForce-RTX-4090", gpus: 1 }], servers: [LLM, EMBED], sharingModes: ["time-slicing"] });
    const layout = r.layouts[0]!;
    assert.deepEqual(layout.sharing, { mode: "time-slicing", replicas: 2 });
    const [llm, embed] = layout.servers;
    assert.ok(llm!.deviceFootprintGiBPessimistic + embed!.deviceFootprintGiBPessimistic <= 23.61 + 0.01);
    // The embedder stays at its minimum; the llm takes the rest (more than one 0.01 step would leave idle).
    const bge = lookupModel("BAAI/bge-m3");
    const embedMin = minGpuMemoryUtilization(
      {
        model: bge.architecture,
        dtype: bge.dtype,
        quantization: bge.quantization,
        gpu: { totalMemoryGiB: 23.61, product: "NVIDIA-GeForce-RTX-4090" },
        vllm: {
          tensorParallelSize: 1,
          gpuMemoryUtilization: 1,
          maxModelLen: 8192,
          maxNumSeqs: 16,
          maxNumBatchedTokens: 8192,
          kvCacheDtype: "auto",
          enforceEager: true,
        },
      },
      { maxModelLen: 8192, concurrency: 1 },
    );
    assert.equal(embed!.gpuMemoryUtilization, embedMin);
    assert.ok(layout.cards[0]!.headroomGiB < 0.24, String(layout.cards[0]!.headroomGiB));
    assert.equal(layout.config.servers.llm!.placement, undefined, "time-slicing cannot pin");
  });

  it("mps: each client capped at card / replicas", () => {
    const r = searchLayouts({ nodes: [{ name: "n", gpuProduct: "NVIDIA-GeForce-RTX-4090", gpus: 1 }], servers: [LLM, EMBED], sharingModes: ["mps"] });
    const layout = r.layouts[0]!;
    assert.deepEqual(layout.sharing, { mode: "mps", replicas: 2 });
    for (const s of layout.servers) assert.ok(s.deviceFootprintGiBPessimistic <= 23.61 / 2 + 0.005, `${s.name} ${s.deviceFootprintGiBPessimistic}`);
  });

  it("none: whole cards, tensor parallelism across a node's cards", () => {
    const r = searchLayouts({ nodes: SEED, servers: [LLM], sharingModes: ["none"] });
    const tps = new Set(r.layouts.map((l) => l.servers[0]!.tensorParallelSize));
    assert.deepEqual([...tps].sort(), [1, 2]);
    const tp2 = r.layouts.find((l) => l.servers[0]!.tensorParallelSize === 2)!;
    assert.deepEqual(tp2.servers[0]!.cards, ["gpu-node/gpu0", "gpu-node/gpu1"]);
    assert.equal(tp2.config.servers.llm!.gpus, 2);
    // TP=2 halves the weights per card: more guaranteed KV than on one card.
    assert.ok(r.layouts[0]!.servers[0]!.tensorParallelSize === 2);
    const one = searchLayouts({ nodes: SEED, servers: [{ ...LLM, tensorParallelSizes: [1] }], sharingModes: ["none"] });
    assert.ok(one.layouts.every((l) => l.servers[0]!.tensorParallelSize === 1));
  });

  it("falls back to a build the card runs (a V100 cannot run AWQ; the GPTQ build can)", () => {
    const nodes = [{ name: "v", gpuProduct: "Tesla-V100-SXM2-32GB", gpus: 1 }];
    const r = searchLayouts({ nodes, servers: [{ ...LLM, enforceEager: true }], sharingModes: ["none"] });
    assert.ok(r.layouts.length > 0);
    assert.ok(r.layouts.every((l) => l.servers[0]!.model !== AWQ));
    assert.ok(r.layouts.some((l) => l.servers[0]!.model === "RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w4a16" && l.servers[0]!.quantization === "gptq"));
    assert.ok(
      r.layouts.every((l) => l.servers[0]!.kvCacheDtype === "auto"),
      "no fp8 KV on 7.0",
    );
    const strict = searchLayouts({ nodes, servers: [{ ...LLM, allowOtherBuilds: false }], sharingModes: ["none"] });
    assert.equal(strict.layouts.length, 0);
    assert.deepEqual(strict.rejected, [{ mode: "none", reason: "no placement holds every server's sequences at the pessimistic end" }]);
  });

  it("night mode on the seed host: Qwen2.5-14B AWQ does not fit TP=2; Llama-3.1-8B AWQ does", () => {
    const night = (model: string) =>
      searchLayouts({
        nodes: SEED,
        servers: [{ name: "night", model, maxModelLen: 8192, maxNumSeqs: 4, enforceEager: true, tensorParallelSizes: [2] }],
        sharingModes: ["none"],
      });
    assert.equal(night("Qwen/Qwen2.5-14B-Instruct-AWQ").layouts.length, 0);
    assert.equal(night("Qwen/Qwen2.5-32B-Instruct-AWQ").layouts.length, 0);
    const llama = night(AWQ);
    assert.ok(llama.layouts[0]!.guaranteedKvTokens >= 8192);
  });

  it("refuses bad requests with the field named", () => {
    assert.throws(
      () => searchLayouts({ nodes: SEED, servers: [] }),
      (e: unknown) => e instanceof CapacityInputError && /needs at least one server/.test(e.message),
    );
    assert.throws(() => searchLayouts({ nodes: [{ name: "n", gpuProduct: "NVIDIA-GeForce-RTX-3080", gpus: 0 }], servers: [LLM] }), /needs at least one GPU/);
    assert.throws(() => searchLayouts({ nodes: SEED, servers: [LLM, LLM] }), /"llm" is listed twice/);
    assert.throws(() => searchLayouts({ nodes: SEED, servers: [{ ...LLM, model: "acme/none" }] }), /not in the catalog/);
    assert.throws(() => searchLayouts({ nodes: [{ name: "n", gpuProduct: "Acme-GPU", gpus: 1 }], servers: [LLM] }), /not in the GPU catalog/);
  });

  it("uses a lower measured memory override", () => {
    const r = searchLayouts({ nodes: [{ ...SEED[0]!, gpuMemoryGiB: 9.5 }], servers: [LLM, EMBED, RERANK], sharingModes: ["dra"] });
    assert.ok(r.layouts.every((l) => l.cards.every((c) => c.memoryGiB === 9.5)));
  });
});

describe("tensor-parallel shapes", () => {
  it("needs heads divisible by TP, KV heads divisible (or replicated), and whole 4-bit groups per shard", () => {
    const llama = lookupModel(AWQ);
    assert.equal(tensorParallelRefusal(llama, 1), undefined);
    assert.equal(tensorParallelRefusal(llama, 2), undefined);
    assert.equal(tensorParallelRefusal(llama, 3), "32 attention heads do not divide by 3");
    const qwen7 = lookupModel("Qwen/Qwen2.5-Coder-7B-Instruct-AWQ");
    // 4 KV heads: TP 8 replicates them (8 % 4 = 0); 18944 / 4 = 4736 = 37 × 128 is whole, 18944 / 8 = 2368 is not.
    assert.equal(tensorParallelRefusal(qwen7, 4), undefined);
    assert.equal(tensorParallelRefusal(qwen7, 7), "4 KV heads and tensor parallelism 7 do not divide");
    assert.equal(tensorParallelRefusal(qwen7, 8), "28 attention heads do not divide by 8");
    assert.equal(
      tensorParallelRefusal({ ...qwen7, architecture: { ...qwen7.architecture, numAttentionHeads: 24, numKeyValueHeads: 6 } }, 4),
      "6 KV heads and tensor parallelism 4 do not divide",
    );
    assert.equal(
      tensorParallelRefusal({ ...qwen7, architecture: { ...qwen7.architecture, numAttentionHeads: 32, numKeyValueHeads: 4 } }, 8),
      "2368 MLP rows per shard are not whole 128-wide quantization groups",
    );
    const dense = lookupModel("Qwen/Qwen2.5-Coder-7B-Instruct");
    assert.equal(tensorParallelRefusal({ ...dense, architecture: { ...dense.architecture, numAttentionHeads: 32, numKeyValueHeads: 4 } }, 8), undefined);
  });
});
