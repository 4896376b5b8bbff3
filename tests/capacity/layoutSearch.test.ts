import { strict as assert } from "node:assert";
import { MODEL_CATALOG, estimateMemory, searchLayouts, type EstimateInput, type LayoutServer, type LayoutServerWant } from "@llm-platform/capacity";

/**
 * The layout search per sharing mode and per rule, each expectation re-derived from the estimator on the
 * card the rule names (the smallest card for the shared modes, the pinned cards otherwise).
 */
const AWQ = "hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4";
const RTX3080 = "NVIDIA-GeForce-RTX-3080";
const RTX4090 = "NVIDIA-GeForce-RTX-4090";
const LLM: LayoutServerWant = { name: "llm", model: AWQ, maxModelLen: 8192, maxNumSeqs: 8, maxNumBatchedTokens: 2048, enforceEager: true };
const EMBED: LayoutServerWant = { name: "embedding", model: "BAAI/bge-m3", maxModelLen: 8192, maxNumSeqs: 16, maxNumBatchedTokens: 8192, enforceEager: true };

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

describe("shared modes judge every pod on the smallest card", () => {
  for (const mode of ["mps", "time-slicing"] as const) {
    it(`${mode}: a 24 GiB and a 10 GiB card give the 10 GiB card's numbers, whatever the node order`, () => {
      const big = { name: "big", gpuProduct: RTX4090, gpus: 1 };
      const small = { name: "small", gpuProduct: RTX3080, gpus: 1 };
      for (const nodes of [[big, small], [small, big]]) {
        const r = searchLayouts({ nodes, servers: [LLM, EMBED], sharingModes: [mode] });
        assert.ok(r.layouts.length > 0, `${mode} finds a layout`);
        for (const layout of r.layouts) {
          assert.deepEqual(layout.cards.map((c) => c.card), ["small/gpu0"]);
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
