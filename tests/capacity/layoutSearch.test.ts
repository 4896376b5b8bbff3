import { strict as assert } from "node:assert";
import {
  AttentionBackend,
  CapacityInputError,
  MODEL_CATALOG,
  estimateMemory,
  maxGpuMemoryUtilization,
  minGpuMemoryUtilization,
  searchLayouts,
  tensorParallelRefusal,
  type EstimateInput,
  type Layout,
  type LayoutServer,
  type LayoutServerWant,
} from "@llm-platform/capacity";

/**
 * The layout search per sharing mode and per rule, each expectation re-derived from the estimator on the
 * card the rule names (the smallest card for the shared modes, the pinned cards otherwise).
 */
const AWQ = "hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4";
const RTX3080 = "NVIDIA-GeForce-RTX-3080";
const RTX4090 = "NVIDIA-GeForce-RTX-4090";
const GPTQ = "RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w4a16";
const SEED = [{ name: "gpu-node", gpuProduct: RTX3080, gpus: 2 }];
const ONE_3080 = [{ name: "n", gpuProduct: RTX3080, gpus: 1 }];
const ONE_4090 = [{ name: "n", gpuProduct: RTX4090, gpus: 1 }];
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
/** The llm with one build and a 16-bit KV cache only: one variant, so the numbers below follow from one estimate. */
const LLM_AUTO: LayoutServerWant = { ...LLM, kvCacheDtypes: ["auto"], allowOtherBuilds: false };

/** The estimate input of a layout's server on a card of `memoryGiB` with the given product label. */
function inputOf(s: LayoutServer, want: LayoutServerWant, memoryGiB: number, product: string, util = s.gpuMemoryUtilization): EstimateInput {
  const entry = MODEL_CATALOG[s.model]!;
  return {
    model: entry.architecture,
    dtype: s.dtype,
    quantization: entry.quantization,
    gpu: { totalMemoryGiB: memoryGiB, product },
    vllm: {
      tensorParallelSize: s.tensorParallelSize,
      gpuMemoryUtilization: util,
      maxModelLen: want.maxModelLen,
      maxNumSeqs: want.maxNumSeqs,
      maxNumBatchedTokens: want.maxNumBatchedTokens,
      kvCacheDtype: s.kvCacheDtype,
      enforceEager: want.enforceEager ?? false,
      maxLoras: want.lora?.maxLoras ?? 0,
      maxLoraRank: want.lora?.maxLoraRank,
      attentionBackend: s.attentionBackend,
    },
  };
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const server = (l: Layout, name: string) => l.servers.find((s) => s.name === name)!;
const modes = (r: { layouts: Layout[] }) => r.layouts.map((l) => l.sharing.mode);

/** The estimate input of `want` served by `model` (its checkpoint dtype) on a card, for oracles independent of a layout. */
function wantInput(
  want: LayoutServerWant,
  memoryGiB: number,
  product: string,
  kvCacheDtype: "auto" | "fp8",
  attentionBackend?: AttentionBackend,
  util = 1,
): EstimateInput {
  const entry = MODEL_CATALOG[want.model]!;
  return {
    model: entry.architecture,
    dtype: entry.dtype,
    quantization: entry.quantization,
    gpu: { totalMemoryGiB: memoryGiB, product },
    vllm: {
      tensorParallelSize: 1,
      gpuMemoryUtilization: util,
      maxModelLen: want.maxModelLen,
      maxNumSeqs: want.maxNumSeqs,
      maxNumBatchedTokens: want.maxNumBatchedTokens,
      kvCacheDtype,
      enforceEager: want.enforceEager ?? false,
      maxLoras: want.lora?.maxLoras ?? 0,
      maxLoraRank: want.lora?.maxLoraRank,
      attentionBackend,
    },
  };
}

/** A pooling server's minimum utilization and its pessimistic footprint there. */
function poolingAtMinimum(want: LayoutServerWant, memoryGiB: number, product: string): { util: number; footprint: number } {
  const input = wantInput(want, memoryGiB, product, "auto");
  const util = minGpuMemoryUtilization(input, { maxModelLen: want.maxModelLen, concurrency: 1 })!;
  return { util, footprint: estimateMemory({ ...input, vllm: { ...input.vllm, gpuMemoryUtilization: util } }).deviceFootprintGiBPessimistic };
}

describe("shared modes judge every pod on the smallest card", () => {
  for (const mode of ["mps", "time-slicing"] as const) {
    it(`${mode}: a 24 GiB and a 10 GiB card give the 10 GiB card's numbers, whatever the node order`, () => {
      const big = { name: "big", gpuProduct: RTX4090, gpus: 1 };
      const small = { name: "small", gpuProduct: RTX3080, gpus: 1 };
      for (const nodes of [
        [big, small],
        [small, big],
      ]) {
        const r = searchLayouts({ nodes, servers: [LLM, EMBED], sharingModes: [mode] });
        assert.ok(r.layouts.length > 0, `${mode} finds a layout`);
        for (const layout of r.layouts) {
          assert.deepEqual(
            layout.cards.map((c) => c.card),
            ["small/gpu0"],
          );
          assert.ok(layout.cards[0]!.headroomGiB >= 0, `${layout.summary}: headroom ${layout.cards[0]!.headroomGiB}`);
          for (const s of layout.servers) {
            assert.deepEqual([...s.cards].sort(), ["big/gpu0", "small/gpu0"], "a shared pod may land on any card");
            const want = s.name === "llm" ? LLM : EMBED;
            const onSmall = estimateMemory(inputOf(s, want, 9.78, RTX3080));
            assert.equal(s.kvCacheTokensGuaranteed, onSmall.kvCacheTokensGuaranteed, `${s.name}: the guarantee holds on the small card`);
            assert.equal(s.deviceFootprintGiBPessimistic, round2(onSmall.deviceFootprintGiBPessimistic));
          }
        }
      }
    });
  }
});

describe("layout search: what it considers", () => {
  it("evaluates 3 builds × 2 KV dtypes once per sharing mode for one server on one card", () => {
    // AWQ, GPTQ and the 16-bit build all run on 8.6, each with a 16-bit and an fp8 (FlashInfer) KV cache: 6 variants;
    // one card: one placement in none and dra, one replica count in mps and time-slicing. 4 × 6 = 24.
    const r = searchLayouts({ nodes: ONE_3080, servers: [LLM] });
    assert.equal(r.evaluated, 24);
    assert.deepEqual(r.rejected, [], "every mode found a layout");
    assert.equal(searchLayouts({ nodes: ONE_3080, servers: [{ ...LLM, allowOtherBuilds: false }] }).evaluated, 8);
    assert.equal(searchLayouts({ nodes: ONE_3080, servers: [LLM_AUTO] }).evaluated, 4);
  });

  it("counts a tensor-parallel size listed twice once", () => {
    assert.equal(searchLayouts({ nodes: ONE_3080, servers: [{ ...LLM, tensorParallelSizes: [1, 1] }] }).evaluated, 24);
  });

  it("ignores tensor-parallel sizes below 1 (and does not loop on them)", () => {
    const r = searchLayouts({ nodes: ONE_3080, servers: [{ ...LLM_AUTO, tensorParallelSizes: [0, -2, 1] }], sharingModes: ["none"] });
    assert.equal(r.layouts.length, 1);
    assert.equal(r.layouts[0]!.servers[0]!.tensorParallelSize, 1);
  });

  it("still places the requested build alone when other builds are not allowed", () => {
    const r = searchLayouts({ nodes: ONE_3080, servers: [{ ...LLM, allowOtherBuilds: false }], sharingModes: ["dra"] });
    assert.deepEqual(
      r.layouts.map((l) => [l.servers[0]!.model, l.servers[0]!.kvCacheDtype]),
      [
        [AWQ, "fp8"],
        [AWQ, "auto"],
      ],
    );
  });

  it("skips nodes without GPUs (their product label is not read)", () => {
    const r = searchLayouts({ nodes: [{ name: "cpu", gpuProduct: "none", gpus: 0 }, ...ONE_3080], servers: [LLM_AUTO], sharingModes: ["dra"] });
    assert.deepEqual(
      r.layouts[0]!.cards.map((c) => c.card),
      ["n/gpu0"],
    );
  });

  it("lists only the cards a layout uses", () => {
    const r = searchLayouts({ nodes: SEED, servers: [{ ...LLM_AUTO, tensorParallelSizes: [1] }], sharingModes: ["none"] });
    assert.ok(r.layouts.length > 0);
    for (const layout of r.layouts)
      assert.deepEqual(
        layout.cards.map((c) => c.card),
        ["gpu-node/gpu0"],
      );
  });

  it("offers tensor parallelism up to the largest node's card count, on that node only", () => {
    const nodes = [
      { name: "a", gpuProduct: RTX4090, gpus: 1 },
      { name: "b", gpuProduct: RTX4090, gpus: 2 },
    ];
    const r = searchLayouts({ nodes, servers: [LLM_AUTO], sharingModes: ["none"] });
    const tp2 = r.layouts.filter((l) => l.servers[0]!.tensorParallelSize === 2);
    assert.equal(tp2.length, 1);
    assert.deepEqual(tp2[0]!.servers[0]!.cards, ["b/gpu0", "b/gpu1"]);
    assert.deepEqual(r.layouts.map((l) => l.servers[0]!.cards.join("+")).sort(), ["a/gpu0", "b/gpu0", "b/gpu0+b/gpu1"]);
  });

  it("never shares a card between two servers in mode none", () => {
    const r = searchLayouts({ nodes: SEED, servers: [{ ...LLM, tensorParallelSizes: [2] }, EMBED], sharingModes: ["none"] });
    assert.deepEqual(r.layouts, []);
    assert.deepEqual(r.rejected, [{ mode: "none", reason: "no placement holds every server's sequences at the pessimistic end" }]);
  });

  it("serves only builds of the wanted task", () => {
    const r = searchLayouts({ nodes: ONE_3080, servers: [{ ...LLM, task: "embed" }] });
    assert.deepEqual(r.layouts, []);
    assert.deepEqual(
      r.rejected.map((x) => x.mode),
      ["none", "dra", "mps", "time-slicing"],
    );
  });

  it("keeps pooling models at a 16-bit KV setting even when fp8 is allowed", () => {
    const r = searchLayouts({ nodes: SEED, servers: [EMBED, LLM], limit: 50 });
    assert.ok(r.layouts.length > 0);
    for (const layout of r.layouts) {
      assert.equal(server(layout, "embedding").kvCacheDtype, "auto");
      assert.equal(layout.config.servers.embedding!.kvCacheDtype, "auto");
      assert.equal(layout.guaranteedKvTokens, 0, "the main server keeps no KV cache");
    }
  });

  it("refuses tensor-parallel shapes vLLM cannot shard instead of planning them", () => {
    // Qwen2.5-7B: 28 attention heads do not divide by 8.
    const nodes = [{ name: "big", gpuProduct: RTX3080, gpus: 8 }];
    const r = searchLayouts({
      nodes,
      servers: [{ name: "coder", model: "Qwen/Qwen2.5-Coder-7B-Instruct-AWQ", maxModelLen: 8192, maxNumSeqs: 4, enforceEager: true, tensorParallelSizes: [8] }],
      sharingModes: ["none"],
    });
    assert.deepEqual(r.layouts, []);
  });

  it("applies the kernel options: without FlashInfer an 8.6 card keeps a 16-bit KV cache", () => {
    const r = searchLayouts({
      nodes: ONE_3080,
      servers: [LLM],
      kernelOptions: { attentionBackends: [AttentionBackend.FlashAttn, AttentionBackend.Triton, AttentionBackend.Flex] },
    });
    assert.ok(r.layouts.length > 0);
    assert.ok(r.layouts.every((l) => l.servers[0]!.kvCacheDtype === "auto"));
  });

  it("validates every server's model before searching, also where no placement would reach it", () => {
    const servers = [LLM, EMBED, { ...RERANK, model: "acme/unknown" }];
    assert.throws(
      () => searchLayouts({ nodes: SEED, servers, sharingModes: ["none"] }),
      (e: unknown) => e instanceof CapacityInputError && /model "acme\/unknown" is not in the catalog/.test(e.message),
    );
  });

  it("returns at most `limit` layouts (10 by default) and rejects exactly the modes that found none", () => {
    const all = searchLayouts({ nodes: ONE_3080, servers: [LLM], limit: 100 });
    assert.ok(all.layouts.length > 10, String(all.layouts.length));
    assert.equal(searchLayouts({ nodes: ONE_3080, servers: [LLM] }).layouts.length, 10);
    const two = searchLayouts({ nodes: ONE_3080, servers: [LLM], limit: 2 });
    assert.deepEqual(two.layouts, all.layouts.slice(0, 2));
    const seed = searchLayouts({ nodes: SEED, servers: [LLM, EMBED, RERANK], limit: 100 });
    const found = new Set(modes(seed));
    assert.deepEqual(
      seed.rejected.map((x) => x.mode),
      ["none", "dra", "mps", "time-slicing"].filter((m) => !found.has(m as never)),
    );
  });
});

describe("layout search: the numbers of each layout", () => {
  it("counts LoRA slots and CUDA graphs (not eager by default) in the guarantee and the footprint", () => {
    const lora: LayoutServerWant = { ...LLM_AUTO, enforceEager: undefined, lora: { maxLoras: 4, maxLoraRank: 64 } };
    const r = searchLayouts({ nodes: ONE_4090, servers: [lora], sharingModes: ["dra"] });
    const s = r.layouts[0]!.servers[0]!;
    const again = estimateMemory(inputOf(s, lora, 23.61, RTX4090));
    assert.ok(again.loraGiB > 0.7 && again.cudaGraphGiB > 1, "the oracle has LoRA buffers and graphs");
    assert.equal(s.kvCacheTokensGuaranteed, again.kvCacheTokensGuaranteed);
    assert.equal(s.deviceFootprintGiBPessimistic, round2(again.deviceFootprintGiBPessimistic));
    assert.equal(s.gpuMemoryUtilization, maxGpuMemoryUtilization(inputOf(s, lora, 23.61, RTX4090)));
  });

  it("summarizes each mode in one line: where the pods go, the main server's build, TP, KV dtype, utilization and guarantee", () => {
    const one = (sharingModes: ("none" | "dra" | "mps" | "time-slicing")[], servers = [LLM_AUTO], nodes = ONE_3080) =>
      searchLayouts({ nodes, servers, sharingModes }).layouts[0]!;
    const tail = (l: Layout) => `util ${l.servers[0]!.gpuMemoryUtilization} → ${l.servers[0]!.kvCacheTokensGuaranteed} KV tokens guaranteed`;
    const none = one(["none"]);
    assert.equal(none.summary, `none: n/gpu0 [llm]; llm: ${AWQ}, KV 16-bit, ${tail(none)}`);
    assert.deepEqual(none.config.servers.llm!.placement, ["n/gpu0"], "mode none pins its pods too");
    assert.deepEqual(none.config.gpuSharing, { mode: "none" });
    const mps = one(["mps"]);
    assert.equal(mps.summary, `mps ×1: any 1 pods per card (1 cards); llm: ${AWQ}, KV 16-bit, ${tail(mps)}`);
    assert.deepEqual(mps.config.gpuSharing, { mode: "mps", replicas: 1 });
    const ts = one(["time-slicing"], [LLM_AUTO, EMBED], SEED);
    assert.equal(ts.summary, `time-slicing ×1: any 1 pods per card (2 cards); llm: ${AWQ}, KV 16-bit, ${tail(ts)}`);
    const tp2 = one(["none"], [{ ...LLM_AUTO, tensorParallelSizes: [2] }], SEED);
    assert.equal(tp2.summary, `none: gpu-node/gpu0 [llm], gpu-node/gpu1 [llm]; llm: ${AWQ} TP=2, KV 16-bit, ${tail(tp2)}`);
    const fp8 = one(["dra"], [{ ...LLM, allowOtherBuilds: false, kvCacheDtypes: ["fp8"] }]);
    assert.equal(fp8.summary, `dra: n/gpu0 [llm]; llm: ${AWQ}, KV fp8, ${tail(fp8)}`);
  });

  it("pinned: a pooling main server stays at its minimum and the generative one grows beside it on a shared card", () => {
    const r = searchLayouts({ nodes: ONE_4090, servers: [EMBED, LLM_AUTO], sharingModes: ["dra"] });
    assert.equal(r.layouts.length, 1);
    const layout = r.layouts[0]!;
    assert.deepEqual(layout.cards[0]!.servers, ["embedding", "llm"]);
    const embed = poolingAtMinimum(EMBED, 23.61, RTX4090);
    assert.equal(server(layout, "embedding").gpuMemoryUtilization, embed.util);
    const llm = server(layout, "llm");
    assert.equal(llm.gpuMemoryUtilization, maxGpuMemoryUtilization(inputOf(llm, LLM_AUTO, 23.61, RTX4090), [embed.footprint]));
    assert.equal(
      layout.cards[0]!.footprintGiBPessimistic,
      round2(embed.footprint + estimateMemory(inputOf(llm, LLM_AUTO, 23.61, RTX4090)).deviceFootprintGiBPessimistic),
    );
    assert.equal(layout.parallelRequests.embedding, 16, "a pooling server serves maxNumSeqs requests");
    assert.equal(layout.parallelRequests.llm, Math.min(8, Math.floor(llm.kvCacheTokensGuaranteed / 8192)));
  });

  it("pinned: a secondary generative server takes its leanest variant (the requested build on a tie)", () => {
    const r = searchLayouts({ nodes: SEED, servers: [EMBED, LLM], sharingModes: ["dra"] });
    const llm = server(r.layouts[0]!, "llm");
    // fp8 KV needs the smallest utilization; AWQ and the GPTQ build then tie on the 0.01 grid, and the requested build wins.
    assert.equal(llm.model, AWQ);
    assert.equal(llm.kvCacheDtype, "fp8");
    const fp8Min = minGpuMemoryUtilization(wantInput(LLM, 9.78, RTX3080, "fp8", AttentionBackend.FlashInfer), { maxModelLen: 8192, concurrency: 1 })!;
    const gptqEntry = MODEL_CATALOG[GPTQ]!;
    const gptqMin = minGpuMemoryUtilization(
      { ...wantInput(LLM, 9.78, RTX3080, "fp8", AttentionBackend.FlashInfer), model: gptqEntry.architecture, quantization: gptqEntry.quantization },
      { maxModelLen: 8192, concurrency: 1 },
    );
    assert.equal(gptqMin, fp8Min, "the tie this test is about");
    assert.ok(fp8Min < minGpuMemoryUtilization(wantInput(LLM, 9.78, RTX3080, "auto", AttentionBackend.FlashAttn), { maxModelLen: 8192, concurrency: 1 })!);
  });

  it("gives up cleanly when a secondary server fits no card", () => {
    const huge: LayoutServerWant = {
      name: "huge",
      model: "meta-llama/Llama-3.1-8B-Instruct",
      maxModelLen: 8192,
      maxNumSeqs: 4,
      enforceEager: true,
      allowOtherBuilds: false,
    };
    const r = searchLayouts({ nodes: SEED, servers: [EMBED, huge] });
    assert.deepEqual(r.layouts, []);
    assert.equal(r.rejected.length, 4);
  });

  it("places a generative server whose minimum is exactly what the card leaves it (dra and time-slicing)", () => {
    // On a 23.61 GiB RTX 4090 beside bge-m3 at its minimum, the AWQ llm gets at most 0.85. A sequence of exactly the
    // tokens 0.85 guarantees makes 0.85 its minimum too: the card is exactly big enough; one KV block more is not.
    const embed = poolingAtMinimum(EMBED, 23.61, RTX4090);
    const base = wantInput(LLM_AUTO, 23.61, RTX4090, "auto", AttentionBackend.FlashAttn);
    assert.equal(maxGpuMemoryUtilization(base, [embed.footprint]), 0.85);
    const tokens = estimateMemory({ ...base, vllm: { ...base.vllm, gpuMemoryUtilization: 0.85 } }).kvCacheTokensGuaranteed;
    const long: LayoutServerWant = { ...LLM_AUTO, maxModelLen: tokens };
    const input = wantInput(long, 23.61, RTX4090, "auto", AttentionBackend.FlashAttn);
    assert.equal(minGpuMemoryUtilization(input, { maxModelLen: tokens, concurrency: 1 }), 0.85);
    assert.equal(maxGpuMemoryUtilization(input, [embed.footprint]), 0.85);
    const dra = searchLayouts({ nodes: ONE_4090, servers: [EMBED, long], sharingModes: ["dra"] });
    assert.equal(server(dra.layouts[0]!, "llm").gpuMemoryUtilization, 0.85);
    const ts = searchLayouts({ nodes: ONE_4090, servers: [long, EMBED], sharingModes: ["time-slicing"] });
    assert.deepEqual(ts.layouts[0]!.sharing, { mode: "time-slicing", replicas: 2 });
    assert.equal(ts.layouts[0]!.servers[0]!.gpuMemoryUtilization, 0.85);
    const longer = { ...long, maxModelLen: tokens + 16 };
    assert.deepEqual(searchLayouts({ nodes: ONE_4090, servers: [EMBED, longer], sharingModes: ["dra"] }).layouts, []);
    assert.deepEqual(searchLayouts({ nodes: ONE_4090, servers: [longer, EMBED], sharingModes: ["time-slicing"] }).layouts, []);
  });

  it("mps: places a client whose minimum is exactly its share of the card", () => {
    // Two clients on one 23.61 GiB card: each may use half (0.47). A sequence of the tokens 0.47 guarantees needs exactly that.
    const base = wantInput(LLM_AUTO, 23.61, RTX4090, "auto", AttentionBackend.FlashAttn);
    assert.equal(maxGpuMemoryUtilization(base, [23.61 / 2]), 0.47);
    const tokens = estimateMemory({ ...base, vllm: { ...base.vllm, gpuMemoryUtilization: 0.47 } }).kvCacheTokensGuaranteed;
    const mid: LayoutServerWant = { ...LLM_AUTO, maxModelLen: tokens };
    assert.equal(minGpuMemoryUtilization(wantInput(mid, 23.61, RTX4090, "auto", AttentionBackend.FlashAttn), { maxModelLen: tokens, concurrency: 1 }), 0.47);
    assert.deepEqual(
      searchLayouts({ nodes: ONE_4090, servers: [{ ...mid, maxModelLen: tokens + 16 }, EMBED], sharingModes: ["mps"] }).layouts,
      [],
      "one KV block more does not fit the share",
    );
    const r = searchLayouts({ nodes: ONE_4090, servers: [mid, EMBED], sharingModes: ["mps"] });
    assert.deepEqual(r.layouts[0]!.sharing, { mode: "mps", replicas: 2 });
    assert.equal(r.layouts[0]!.servers[0]!.gpuMemoryUtilization, 0.47);
    for (const s of r.layouts[0]!.servers) assert.ok(s.deviceFootprintGiBPessimistic <= 23.61 / 2 + 0.005, `${s.name} stays within its share`);
  });

  it("mps and time-slicing give up cleanly when a card share holds not even a CUDA context", () => {
    // A 3 GiB card (measured override) and five pods on it: 0.6 GiB each is less than one CUDA context (0.7 GiB at
    // the pessimistic end), although each embedder alone fits the card (its minimum utilization exists).
    const tiny = [{ name: "n", gpuProduct: RTX3080, gpus: 1, gpuMemoryGiB: 3 }];
    assert.ok(minGpuMemoryUtilization(wantInput(EMBED, 3, RTX3080, "auto"), { maxModelLen: 8192, concurrency: 1 })! < 1);
    const servers = ["e1", "e2", "e3", "e4", "e5"].map((name) => ({ ...EMBED, name }));
    const r = searchLayouts({ nodes: tiny, servers, sharingModes: ["mps", "time-slicing"] });
    assert.deepEqual(r.layouts, []);
    assert.deepEqual(
      r.rejected.map((x) => x.mode),
      ["mps", "time-slicing"],
    );
  });
});

describe("layout search: a card filled exactly to the byte", () => {
  it("places a generative server whose pessimistic footprint is exactly the card (dra and time-slicing)", () => {
    // A 14 GiB card (measured override): util 0.95 gives 0.55 + 0.95 × 14 + 0.15 = 14 GiB exactly (float).
    const nodes = [{ name: "n", gpuProduct: RTX4090, gpus: 1, gpuMemoryGiB: 14 }];
    const input = wantInput(LLM_AUTO, 14, RTX4090, "auto", AttentionBackend.FlashAttn);
    assert.equal(maxGpuMemoryUtilization(input), 0.95);
    assert.equal(estimateMemory({ ...input, vllm: { ...input.vllm, gpuMemoryUtilization: 0.95 } }).deviceFootprintGiBPessimistic, 14);
    for (const mode of ["dra", "time-slicing"] as const) {
      const layout = searchLayouts({ nodes, servers: [LLM_AUTO], sharingModes: [mode] }).layouts[0]!;
      assert.ok(layout, `${mode}: exactly full is a layout`);
      assert.equal(layout.servers[0]!.gpuMemoryUtilization, 0.95);
      assert.equal(layout.cards[0]!.headroomGiB, 0);
    }
  });

  it("places a pooling server whose footprint at its minimum is exactly the card", () => {
    // bge-m3 needs 0.75 of a ~2.8 GiB card; at the float nearest 0.7 / (1 − 0.75) where 0.7 + 0.75 × card is the card
    // itself, the card is exactly full.
    const at = (memoryGiB: number, util: number) =>
      estimateMemory({
        ...wantInput(EMBED, memoryGiB, RTX4090, "auto"),
        vllm: { ...wantInput(EMBED, memoryGiB, RTX4090, "auto").vllm, gpuMemoryUtilization: util },
      });
    let card: number | undefined;
    for (let j = -20; j <= 20 && card === undefined; j++) {
      const m = 2.8 + j * 2.8 * Number.EPSILON;
      if (
        at(m, 0.75).deviceFootprintGiBPessimistic === m &&
        minGpuMemoryUtilization(wantInput(EMBED, m, RTX4090, "auto"), { maxModelLen: 8192, concurrency: 1 }) === 0.75
      )
        card = m;
    }
    assert.ok(card !== undefined, "an exactly full card size exists");
    const layout = searchLayouts({ nodes: [{ name: "n", gpuProduct: RTX4090, gpus: 1, gpuMemoryGiB: card }], servers: [EMBED], sharingModes: ["dra"] })
      .layouts[0];
    assert.ok(layout, "exactly full is a layout");
    assert.equal(layout.servers[0]!.gpuMemoryUtilization, 0.75);
  });
});

describe("layout search: time-slicing and MPS worst cases", () => {
  // A reranker batching 32k tokens needs more than the embedder: the two pooling servers differ in footprint.
  const BIG_RERANK: LayoutServerWant = { ...RERANK, maxNumBatchedTokens: 32768, maxNumSeqs: 64 };

  it("time-slicing: the main server grows beside the replicas − 1 largest other footprints, then the worst set must fit", () => {
    const r = searchLayouts({ nodes: [{ name: "n", gpuProduct: RTX4090, gpus: 2 }], servers: [LLM_AUTO, EMBED, BIG_RERANK], sharingModes: ["time-slicing"] });
    const embed = poolingAtMinimum(EMBED, 23.61, RTX4090);
    const rerank = poolingAtMinimum(BIG_RERANK, 23.61, RTX4090);
    assert.ok(rerank.footprint > embed.footprint, "the reranker is the larger neighbour");
    const byReplicas = new Map(r.layouts.map((l) => [l.sharing.replicas, l]));
    assert.deepEqual([...byReplicas.keys()].sort(), [2, 3], "3 pods on 2 cards: at least 2 per card, at most all 3");
    const two = byReplicas.get(2)!;
    const llm = server(two, "llm");
    const llmInput = inputOf(llm, LLM_AUTO, 23.61, RTX4090);
    assert.equal(llm.gpuMemoryUtilization, maxGpuMemoryUtilization(llmInput, [rerank.footprint]));
    assert.deepEqual(two.cards[0]!.servers, ["llm", "reranker"], "the two largest footprints, largest first");
    const three = byReplicas.get(3)!;
    assert.equal(server(three, "llm").gpuMemoryUtilization, maxGpuMemoryUtilization(llmInput, [rerank.footprint, embed.footprint]));
    assert.deepEqual(three.cards[0]!.servers, ["llm", "reranker", "embedding"]);
  });

  it("time-slicing: one pod per card is a layout too when there are as many cards as pods", () => {
    const r = searchLayouts({ nodes: [{ name: "n", gpuProduct: RTX4090, gpus: 2 }], servers: [LLM_AUTO, EMBED], sharingModes: ["time-slicing"] });
    assert.deepEqual(r.layouts.map((l) => l.sharing.replicas).sort(), [1, 2]);
    // On 10 GiB cards only one pod per card fits.
    assert.deepEqual(
      searchLayouts({ nodes: SEED, servers: [LLM_AUTO, EMBED], sharingModes: ["time-slicing"] }).layouts.map((l) => l.sharing.replicas),
      [1],
    );
  });

  it("time-slicing: refuses when two other servers cannot share a card, even if each fits beside the main one", () => {
    // bge-m3 (≈2.9 GiB) is the main server; two llms at their minimum (≈8.2 GiB each) do not fit one 9.78 GiB card together.
    const r = searchLayouts({ nodes: SEED, servers: [EMBED, { ...LLM, name: "a" }, { ...LLM, name: "b" }], sharingModes: ["time-slicing"] });
    assert.deepEqual(r.layouts, []);
    assert.deepEqual(r.rejected, [{ mode: "time-slicing", reason: "no placement holds every server's sequences at the pessimistic end" }]);
  });

  it("time-slicing: refuses when the two largest pods overfill a card although the main one fits beside each", () => {
    // bge-m3 is the main server (≈2.8 GiB); two llms holding eight 8k sequences each need ≈15 GiB: the main one fits
    // beside either (the utilization check), but two llms on one 23.61 GiB card do not (the worst-case check).
    const heavy = (name: string): LayoutServerWant => ({ ...LLM_AUTO, name, minSequences: 8 });
    const r = searchLayouts({ nodes: [{ name: "n", gpuProduct: RTX4090, gpus: 2 }], servers: [EMBED, heavy("a"), heavy("b")], sharingModes: ["time-slicing"] });
    const a = wantInput(heavy("a"), 23.61, RTX4090, "auto", AttentionBackend.FlashAttn);
    const aMin = minGpuMemoryUtilization(a, { maxModelLen: 8192, concurrency: 8 })!;
    const aFootprint = estimateMemory({ ...a, vllm: { ...a.vllm, gpuMemoryUtilization: aMin } }).deviceFootprintGiBPessimistic;
    const embed = poolingAtMinimum(EMBED, 23.61, RTX4090);
    assert.ok(embed.footprint + aFootprint <= 23.61 && 2 * aFootprint > 23.61, `${embed.footprint} + ${aFootprint}`);
    assert.deepEqual(r.layouts, []);
  });

  it("mps: lists the largest client first on the card (CUDA graphs leave the llm below its share)", () => {
    const graphs: LayoutServerWant = { ...LLM_AUTO, enforceEager: false };
    const r = searchLayouts({ nodes: ONE_4090, servers: [graphs, EMBED], sharingModes: ["mps"] });
    const layout = r.layouts[0]!;
    assert.ok(server(layout, "embedding").deviceFootprintGiBPessimistic > server(layout, "llm").deviceFootprintGiBPessimistic);
    assert.deepEqual(layout.cards[0]!.servers, ["embedding", "llm"]);
  });

  it("mps: the card holds the replicas largest clients, largest first", () => {
    const r = searchLayouts({ nodes: [{ name: "n", gpuProduct: RTX4090, gpus: 2 }], servers: [EMBED, BIG_RERANK, LLM_AUTO], sharingModes: ["mps"] });
    const two = r.layouts.find((l) => l.sharing.replicas === 2)!;
    const fp = (name: string) => server(two, name).deviceFootprintGiBPessimistic;
    const expected = ["embedding", "reranker", "llm"].sort((a, b) => fp(b) - fp(a)).slice(0, 2);
    assert.deepEqual(two.cards[0]!.servers, expected);
    assert.ok(Math.abs(two.cards[0]!.footprintGiBPessimistic - expected.reduce((s, n) => s + fp(n), 0)) <= 0.01 + 1e-9);
  });
});

describe("layout search: ranking", () => {
  /** Checks the documented order: guaranteed tokens ↓, the others' parallel requests ↓, mode (none, dra, mps, time-slicing), summary ↑. */
  function assertRanked(layouts: Layout[]): void {
    const rest = (l: Layout) => l.servers.slice(1).reduce((s, x) => s + x.parallelRequests, 0);
    const order = ["none", "dra", "mps", "time-slicing"];
    for (let i = 1; i < layouts.length; i++) {
      const [a, b] = [layouts[i - 1]!, layouts[i]!];
      if (a.guaranteedKvTokens !== b.guaranteedKvTokens) assert.ok(a.guaranteedKvTokens > b.guaranteedKvTokens, `${a.summary} before ${b.summary}`);
      else if (rest(a) !== rest(b)) assert.ok(rest(a) > rest(b), `${a.summary} before ${b.summary}`);
      else if (a.sharing.mode !== b.sharing.mode) assert.ok(order.indexOf(a.sharing.mode) < order.indexOf(b.sharing.mode));
      else assert.ok(a.summary < b.summary, `${a.summary} < ${b.summary}`);
    }
  }

  it("breaks a tie on the main server by the others' parallel requests, then by the summary", () => {
    const llm64: LayoutServerWant = { ...LLM_AUTO, maxNumSeqs: 64, tensorParallelSizes: [1] };
    const r = searchLayouts({ nodes: [{ name: "n", gpuProduct: RTX4090, gpus: 2 }], servers: [EMBED, llm64], sharingModes: ["dra"] });
    assertRanked(r.layouts);
    const rests = r.layouts.map((l) => l.parallelRequests.llm);
    assert.equal(rests[0], 16, "the llm alone on a card first");
    assert.ok(
      rests.some((x, i) => i > 0 && x === rests[i - 1]),
      "a tie the summary decides",
    );
    assert.deepEqual(
      r.layouts[0]!.cards.map((c) => c.servers),
      [["embedding"], ["llm"]],
    );
  });

  it("ranks the more isolating mode first when everything else ties, whatever the request order", () => {
    const r = searchLayouts({ nodes: SEED, servers: [EMBED, RERANK], sharingModes: ["dra", "none"] });
    assertRanked(r.layouts);
    assert.equal(r.layouts[0]!.sharing.mode, "none");
    assert.ok(r.layouts.slice(1).every((l) => l.sharing.mode === "dra"));
    assert.equal(new Set(r.layouts.map((l) => JSON.stringify(l.config))).size, r.layouts.length, "no duplicate configs");
  });

  it("ranks by the main server's guaranteed tokens first", () => {
    const r = searchLayouts({ nodes: SEED, servers: [LLM, EMBED, RERANK], limit: 100 });
    assertRanked(r.layouts);
    assert.ok(r.layouts[0]!.guaranteedKvTokens > r.layouts[r.layouts.length - 1]!.guaranteedKvTokens);
  });
});

describe("tensor-parallel refusals", () => {
  const awq = () => MODEL_CATALOG[AWQ]!;
  it("never refuses TP=1: the checkpoint's own shapes are valid", () => {
    const odd = { ...awq(), architecture: { ...awq().architecture, intermediateSize: 14300, numAttentionHeads: 30, numKeyValueHeads: 7 } };
    assert.equal(tensorParallelRefusal(odd, 1), undefined);
    assert.equal(tensorParallelRefusal(odd, 2), "7 KV heads and tensor parallelism 2 do not divide");
  });

  it("checks whole quantization groups per shard for GPTQ as for AWQ, not for 16-bit weights", () => {
    const gptq = MODEL_CATALOG[GPTQ]!;
    const padded = { ...gptq, architecture: { ...gptq.architecture, intermediateSize: 14400 } };
    assert.equal(tensorParallelRefusal(padded, 2), "7200 MLP rows per shard are not whole 128-wide quantization groups");
    const dense = MODEL_CATALOG["meta-llama/Llama-3.1-8B-Instruct"]!;
    assert.equal(tensorParallelRefusal({ ...dense, architecture: { ...dense.architecture, intermediateSize: 14400 } }, 2), undefined);
  });

  it("lets KV heads equal to the TP size shard one each", () => {
    assert.equal(tensorParallelRefusal(awq(), 8), undefined);
  });
});
