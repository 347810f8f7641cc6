import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadModel } from "../../src/model/index.js";
import { greedy, maxAbsDiff, promptLogits, readF32, trustedPrefix } from "./helpers.js";

// References: transformers float32 on the float16 weights (models/stories-7m/README.md). Reached: max |Δ| 1.8e-4.
const dir = "models/stories-7m";
const ref = JSON.parse(readFileSync(`${dir}/reference.json`, "utf8")) as {
  prompts: { ids: number[]; greedy: number[]; greedy_margins: number[] }[];
};
const prompt0Logits = readF32(`${dir}/prompt0_logits.f32`);

describe.each([
  ["HF directory (NeoX Q/K layout)", `${dir}/hf`],
  ["GGUF F16 (Q/K permuted by llama.cpp's converter)", `${dir}/stories-7m-f16.gguf`],
])("stories-7m from %s", (_label, path) => {
  const model = loadModel(path);

  it("prompt 0 logits [5, 4096] within 1e-3, prefill and chunked", async () => {
    expect(model.config).toMatchObject({ nLayers: 8, nHeads: 8, nKvHeads: 4, headDim: 32, vocabSize: 4096 });
    const ids = ref.prompts[0]!.ids;
    expect(maxAbsDiff(await promptLogits(model, ids), prompt0Logits)).toBeLessThanOrEqual(1e-3);
    expect(maxAbsDiff(await promptLogits(model, ids, 2), prompt0Logits)).toBeLessThanOrEqual(1e-3);
  });

  it.each([0, 1, 2, 3])("prompt %i: 64 greedy tokens", async (i) => {
    const p = ref.prompts[i]!;
    const n = trustedPrefix(p.greedy_margins);
    const tokens = await greedy(model, p.ids, n);
    expect(tokens).toEqual(p.greedy.slice(0, n));
  }, 60_000);
});
