import { describe, expect, it } from "vitest";
import { loadTokenizer } from "../../src/tokenizer/index.js";
import { TOKENIZER_DIRS, publicCases, repoRoot } from "./fixture-paths.js";

// Every public case of every fixture tokenizer, against HF tokenizers 0.23.2's output (tests/fixtures/tokenizers).
describe.each(Object.keys(TOKENIZER_DIRS))("tokenizer.json %s", (name) => {
  const tokenizer = loadTokenizer(repoRoot + TOKENIZER_DIRS[name]);
  const cases = publicCases(name);

  it("encodes every case like HF (ids)", () => {
    const bad = cases.filter((c) => JSON.stringify(tokenizer.encode(c.text, { addSpecialTokens: false })) !== JSON.stringify(c.ids));
    expect(bad.map((c) => c.text)).toEqual([]);
  });

  it("adds the post-processor's special tokens like HF (ids_with_special)", () => {
    const bad = cases.filter((c) => JSON.stringify(tokenizer.encode(c.text)) !== JSON.stringify(c.ids_with_special));
    expect(bad.map((c) => c.text)).toEqual([]);
  });

  it("decodes every case like HF (decoded)", () => {
    const withDecoded = cases.filter((c) => c.decoded !== undefined);
    const bad = withDecoded.filter((c) => tokenizer.decode(c.ids) !== c.decoded);
    expect(bad.map((c) => c.text)).toEqual([]);
  });

  it("streams each case one token at a time into exactly the one-shot decode", () => {
    for (const c of cases) {
      const stream = tokenizer.createStreamingDecoder();
      let text = "";
      for (const id of c.ids) text += stream.push(id);
      text += stream.flush();
      expect(text).toBe(tokenizer.decode(c.ids));
    }
  });
});
