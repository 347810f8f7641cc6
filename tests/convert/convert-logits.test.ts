import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadModel } from "../../src/model/load-model.js";
import { sequenceBatch } from "../../src/model/sequence-batch.js";

// Every fixture in tests/fixtures/arch (transformers float32 references) converted by `tsinfer convert --type f32`
// must give, through the GGUF path (GGUF names, permuted Q/K, llama.cpp metadata keys), the logits of logits.f32
// for input_ids within 1e-3.
const archDir = join("tests", "fixtures", "arch");
const fixtures = readdirSync(archDir).filter((d) => statSync(join(archDir, d)).isDirectory());
const tmp = join("tests", "tmp", "convert-logits");
mkdirSync(tmp, { recursive: true });
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("tsinfer convert --type f32 → GGUF logits equal transformers'", () => {
  it("covers every fixture", () => expect(fixtures.length).toBe(13));
  for (const name of fixtures) {
    it(name, async () => {
      const dir = join(archDir, name);
      const ref = JSON.parse(readFileSync(join(dir, "reference.json"), "utf8")) as { input_ids: number[]; logits_shape: [number, number] };
      const expected = new Float32Array(readFileSync(join(dir, "logits.f32")).buffer.slice(0));
      const out = join(tmp, `${name}.gguf`);
      execFileSync("node", ["bin/tsinfer.js", "convert", dir, out, "--type", "f32"], { stdio: ["ignore", "ignore", "pipe"] });
      const model = loadModel(out);
      const [nTokens, vocabSize] = ref.logits_shape;
      expect(model.config.vocabSize).toBe(vocabSize);
      const kv = model.createKvCache({ maxSeqs: 1 });
      const logits = await model.forward(sequenceBatch(ref.input_ids, 0, nTokens, 0, "all"), kv);
      let maxDiff = 0;
      for (let i = 0; i < nTokens * vocabSize; i++) maxDiff = Math.max(maxDiff, Math.abs(logits[i]! - expected[i]!));
      console.log(`${name} max abs logit diff ${maxDiff.toExponential(2)}`);
      expect(maxDiff).toBeLessThan(1e-3);
    }, 60_000);
  }
});
