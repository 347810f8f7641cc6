import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import type { KvType } from "../../src/kernels/kv-layer.js";
import { WasmBackend } from "../../src/kernels/wasm/index.js";
import { loadModel } from "../../src/model/load-model.js";
import { sequenceBatch } from "../../src/model/sequence-batch.js";

// stories-7m with an f16 / q8_0 KV cache against transformers' float32 reference (models/stories-7m/reference.json):
// each prompt followed by its 64 reference greedy tokens is run through the model (teacher forcing, so one
// early flip cannot derail the rest), and at every step where the reference's top-1/top-2 logit margin is at
// least MARGIN the model's top token must be the reference's greedy token.
const MARGIN: Record<KvType, number> = { f32: 0, f16: 0.05, q8_0: 0.25 };
const ref = JSON.parse(readFileSync("models/stories-7m/reference.json", "utf8")) as {
  prompts: { ids: number[]; greedy: number[]; greedy_margins: number[] }[];
};
const backend = new WasmBackend({ threads: 1 });
afterAll(() => backend.close());

describe("stories-7m greedy tokens with a quantized KV cache (wasm backend)", () => {
  for (const kvType of ["f16", "q8_0"] as KvType[]) {
    it(`${kvType}: the reference greedy token wherever the reference margin is ≥ ${MARGIN[kvType]}`, async () => {
      const model = loadModel("models/stories-7m/stories-7m-f16.gguf", { backend, maxBatchTokens: 80, kvType });
      const vocab = model.config.vocabSize;
      let checked = 0;
      const mismatches: string[] = [];
      for (const [pi, p] of ref.prompts.entries()) {
        const ids = [...p.ids, ...p.greedy];
        const kv = model.createKvCache({ ctxLen: ids.length, maxSeqs: 1 });
        expect(kv.kvType).toBe(kvType);
        const logits = await model.forward(sequenceBatch(ids, 0, ids.length, 0, "all"), kv);
        for (let s = 0; s < p.greedy.length; s++) {
          if (p.greedy_margins[s]! < MARGIN[kvType]) continue;
          const row = logits.subarray((p.ids.length - 1 + s) * vocab, (p.ids.length + s) * vocab);
          let best = 0;
          for (let i = 1; i < vocab; i++) if (row[i]! > row[best]!) best = i;
          checked++;
          if (best !== p.greedy[s]) mismatches.push(`prompt ${pi} step ${s}: ${best} ≠ ${p.greedy[s]} (margin ${p.greedy_margins[s]})`);
        }
      }
      expect(mismatches).toEqual([]);
      expect(checked).toBeGreaterThan(200); // of 256 steps
    });
  }
});
