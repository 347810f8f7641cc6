import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadTokenizer } from "../../src/tokenizer/index.js";
import { publicCases, repoRoot } from "./fixture-paths.js";

interface LlamaCppIds {
  texts: string[];
  vocabularies: Record<string, { plain: number[][]; parseSpecial: number[][] }>;
}
// llama.cpp's own ids (node-llama-cpp 3.21.1), written by fixtures/make-llamacpp-ids.mjs
const reference = JSON.parse(readFileSync(`${repoRoot}tests/tokenizer/fixtures/llamacpp-ids.json`, "utf8")) as LlamaCppIds;

describe.each(Object.keys(reference.vocabularies))("GGUF %s against llama.cpp", (path) => {
  const tokenizer = loadTokenizer(repoRoot + path);
  const ref = reference.vocabularies[path]!;

  it("tokenizes every string as llama.cpp does (parse_special = false)", () => {
    const bad = reference.texts.filter((t, i) => JSON.stringify(tokenizer.encode(t, { addSpecialTokens: false, parseSpecial: false })) !== JSON.stringify(ref.plain[i]));
    expect(bad).toEqual([]);
  });

  it("tokenizes every string as llama.cpp does (parse_special = true)", () => {
    const bad = reference.texts.filter((t, i) => JSON.stringify(tokenizer.encode(t, { addSpecialTokens: false, parseSpecial: true })) !== JSON.stringify(ref.parseSpecial[i]));
    expect(bad).toEqual([]);
  });

  it("streams every string's ids into exactly the one-shot decode", () => {
    for (const ids of ref.plain) {
      const stream = tokenizer.createStreamingDecoder();
      let text = "";
      for (const id of ids) text += stream.push(id);
      text += stream.flush();
      expect(text).toBe(tokenizer.decode(ids));
    }
  });
});

// stories-7m's GGUF holds a SentencePiece vocabulary (scores, no merges) that llama.cpp tokenizes with its
// score-based SPM algorithm; the HF fixture comes from rank-based BPE over models/stories-7m/hf/tokenizer.json.
describe("stories-7m: GGUF (llama.cpp SPM) against tokenizer.json (HF BPE)", () => {
  const gguf = loadTokenizer(`${repoRoot}models/stories-7m/stories-7m-f16.gguf`);
  const cases = publicCases("stories-7m");
  // HF's Metaspace(prepend_scheme "first") adds no ▁ to text that already starts with a space, nor after a special
  // token, while SentencePiece and llama.cpp always add one: only those strings may differ.
  const mayDiffer = (t: string): boolean => t.startsWith(" ") || /<s>|<\/s>|<unk>/.test(t);

  it("is a SentencePiece vocabulary that adds BOS, like the HF post-processor", () => {
    expect(gguf.vocabSize).toBe(4096);
    expect(gguf.bosId).toBe(1);
    expect(gguf.addBos).toBe(true);
    expect(gguf.eosIds).toContain(2);
  });

  it("gives the HF ids and ids_with_special on every public case except the leading-▁ ones", () => {
    expect(cases.filter((c) => !mayDiffer(c.text)).length).toBeGreaterThan(330);
    const bad = cases.filter(
      (c) =>
        JSON.stringify(gguf.encode(c.text, { addSpecialTokens: false })) !== JSON.stringify(c.ids) ||
        JSON.stringify(gguf.encode(c.text)) !== JSON.stringify(c.ids_with_special),
    );
    expect(bad.filter((c) => !mayDiffer(c.text)).map((c) => c.text)).toEqual([]);
  });

  it("differs on the leading-space strings by the ▁ that SentencePiece prepends", () => {
    const space = gguf.tokenToId("\u2581");
    for (const c of cases.filter((c) => c.text.startsWith(" "))) {
      const ids = gguf.encode(c.text, { addSpecialTokens: false });
      // llama.cpp: " x" is "▁▁x", HF: "▁x"
      expect(ids[0]).toBe(space);
      expect(ids.slice(1)).toEqual(c.ids);
    }
  });
});
