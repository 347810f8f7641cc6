import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { convertHfToGguf } from "../../src/convert/convert-hf-to-gguf.js";
import { loadModel } from "../../src/model/index.js";
import { maxAbsDiff, promptLogits, readF32 } from "./helpers.js";

// The GGUF path for every architecture: each fixture converted to an F32 GGUF the way llama.cpp's converter lays
// it out (Q/K permuted for llama-family RoPE, Gemma norms stored as 1 + w, GPT-2 Conv1D transposed, experts
// stacked, Llama-3 scaling as rope_freqs), then loaded and compared with transformers' logits.
const root = "tests/fixtures/arch";
const tmp = mkdtempSync(join(tmpdir(), "tsinfer-gguf-path-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("GGUF files converted from the fixtures give transformers' logits", () => {
  for (const name of readdirSync(root).filter((d) => statSync(`${root}/${d}`).isDirectory())) {
    it(name, async () => {
      const dir = `${root}/${name}`;
      const ref = JSON.parse(readFileSync(`${dir}/reference.json`, "utf8")) as { input_ids: number[] };
      const path = join(tmp, `${name}.gguf`);
      convertHfToGguf(dir, path, { outType: "f32" });
      const model = loadModel(path);
      const expected = readF32(`${dir}/logits.f32`);
      expect(maxAbsDiff(await promptLogits(model, ref.input_ids), expected)).toBeLessThanOrEqual(1e-3);
      expect(maxAbsDiff(await promptLogits(model, ref.input_ids, 5), expected)).toBeLessThanOrEqual(1e-3);
    });
  }
});
