import { describe, expect, it } from "vitest";
import { loadTokenizer } from "../../src/tokenizer/index.js";
import { TOKENIZER_DIRS, publicCases, repoRoot } from "./fixture-paths.js";

const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });
const concatBytes = (parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

// The ids and texts below are the ones each model's tokenizer_config.json / GGUF metadata name.
describe("Tokenizer API", () => {
  it("names BOS, EOS and the end-of-turn tokens", () => {
    const qwen3 = loadTokenizer(repoRoot + TOKENIZER_DIRS["qwen3"]);
    expect(qwen3.eosToken).toBe("<|im_end|>");
    expect(qwen3.eosIds).toEqual(expect.arrayContaining([qwen3.tokenToId("<|im_end|>"), qwen3.tokenToId("<|endoftext|>")]));
    expect(qwen3.eosIds[0]).toBe(qwen3.tokenToId("<|im_end|>"));
    expect(qwen3.chatTemplate).toContain("<|im_start|>");
    const gemma3 = loadTokenizer(repoRoot + TOKENIZER_DIRS["gemma3"]);
    expect(gemma3.bosId).toBe(2);
    expect(gemma3.bosToken).toBe("<bos>");
    expect(gemma3.addBos).toBe(true);
    expect(gemma3.eosIds).toEqual(expect.arrayContaining([gemma3.tokenToId("<end_of_turn>"), gemma3.tokenToId("<eos>")]));
    expect(gemma3.isSpecial(gemma3.tokenToId("<start_of_turn>")!)).toBe(true);
    expect(gemma3.isSpecial(gemma3.tokenToId("\u2581the")!)).toBe(false);
    const stories = loadTokenizer(`${repoRoot}models/stories-7m/stories-7m-f16.gguf`);
    expect([stories.bosToken, stories.eosToken, stories.vocabSize]).toEqual(["<s>", "</s>", 4096]);
  });

  it.each(["llama3", "qwen3", "gpt4o", "deepseek_v3"])("%s: the bytes of the tokens add up to the decoded text", (name) => {
    const tokenizer = loadTokenizer(repoRoot + TOKENIZER_DIRS[name]);
    for (const c of publicCases(name)) expect(utf8.decode(concatBytes(c.ids.map((id) => tokenizer.tokenBytes(id))))).toBe(c.decoded);
  });

  it.each(["llama2", "gemma3"])("%s: the bytes of the tokens are the decoded text, up to the leading space the decoder strips", (name) => {
    const tokenizer = loadTokenizer(repoRoot + TOKENIZER_DIRS[name]);
    for (const c of publicCases(name)) {
      const text = utf8.decode(concatBytes(c.ids.map((id) => tokenizer.tokenBytes(id))));
      expect([c.decoded, ` ${c.decoded}`]).toContain(text);
    }
  });

  it("refuses ids outside the vocabulary, naming them", () => {
    const tokenizer = loadTokenizer(repoRoot + TOKENIZER_DIRS["stories-7m"]);
    expect(() => tokenizer.decode([5, 4096])).toThrow(/4096/);
    expect(() => tokenizer.tokenToPiece(-1)).toThrow(/-1/);
  });
});
