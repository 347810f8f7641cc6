import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadTokenizer } from "../../src/tokenizer/index.js";
import { TOKENIZER_DIRS, repoRoot } from "./fixture-paths.js";

// 300 random strings (scripts, emoji, odd whitespace, control and unassigned code points, special-token texts),
// against HF tokenizers 0.23.2 and llama.cpp (fixtures/make-fuzz-hf.py, fixtures/make-fuzz-llamacpp.mjs).
const hf = JSON.parse(readFileSync(`${repoRoot}tests/tokenizer/fixtures/fuzz-hf.json`, "utf8")) as {
  texts: string[];
  tok: Record<string, { ids: number[][]; decoded: string[] }>;
};
const llama = JSON.parse(readFileSync(`${repoRoot}tests/tokenizer/fixtures/fuzz-llamacpp.json`, "utf8")) as {
  vocabularies: Record<string, { plain: number[][]; parseSpecial: number[][]; detokenized: string[] }>;
};
const hfDirs: Record<string, string> = { ...TOKENIZER_DIRS, stories: TOKENIZER_DIRS["stories-7m"]! };

describe.each(Object.keys(hf.tok))("fuzz: tokenizer.json %s against HF", (name) => {
  it("encodes, decodes and streams every string as HF does", () => {
    const tokenizer = loadTokenizer(repoRoot + hfDirs[name]);
    const ref = hf.tok[name]!;
    hf.texts.forEach((text, i) => {
      expect([text, tokenizer.encode(text, { addSpecialTokens: false })]).toEqual([text, ref.ids[i]]);
      expect([text, tokenizer.decode(ref.ids[i]!)]).toEqual([text, ref.decoded[i]]);
      const stream = tokenizer.createStreamingDecoder();
      let streamed = "";
      for (const id of ref.ids[i]!) streamed += stream.push(id);
      expect([text, streamed + stream.flush()]).toEqual([text, ref.decoded[i]]);
    });
  });
});

describe.each(Object.keys(llama.vocabularies))("fuzz: GGUF %s against llama.cpp", (path) => {
  it("encodes every string as llama.cpp does, with and without special-token parsing, and decodes the ids as it does", () => {
    const tokenizer = loadTokenizer(repoRoot + path);
    const ref = llama.vocabularies[path]!;
    hf.texts.forEach((text, i) => {
      expect([text, tokenizer.encode(text, { addSpecialTokens: false, parseSpecial: false })]).toEqual([text, ref.plain[i]]);
      expect([text, tokenizer.encode(text, { addSpecialTokens: false, parseSpecial: true })]).toEqual([text, ref.parseSpecial[i]]);
      expect([text, tokenizer.decode(ref.plain[i]!, { cleanUpSpaces: true })]).toEqual([text, ref.detokenized[i]]);
      const stream = tokenizer.createStreamingDecoder();
      let streamed = "";
      for (const id of ref.plain[i]!) streamed += stream.push(id);
      expect(streamed + stream.flush()).toBe(tokenizer.decode(ref.plain[i]!));
    });
  });
});
