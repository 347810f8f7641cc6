import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { byteLevelEncode } from "../../src/tokenizer/byte-level.js";
import { buildDecoder } from "../../src/tokenizer/decoder.js";
import { buildNormalizer } from "../../src/tokenizer/hf/normalizer.js";
import { buildPreTokenizer } from "../../src/tokenizer/hf/pre-tokenizer.js";
import { tokenizerFromJson } from "../../src/tokenizer/hf/tokenizer-json.js";
import { repoRoot } from "./fixture-paths.js";

// Each component against HF tokenizers 0.23.2 (Python), written by fixtures/make-components.py.
interface Components {
  normalizers: Array<{ json: unknown; cases: Array<{ text: string; normalized: string }> }>;
  preTokenizers: Array<{ json: unknown; cases: Array<{ text: string; pieces: string[] }> }>;
  decoders: Array<{ json: unknown; cases: Array<{ tokens: string[]; decoded: string }> }>;
  tokenizers: Array<{ json: unknown; cases: Array<{ text: string; ids: number[]; ids_with_special: number[]; decoded: string; decoded_skip: string }> }>;
}
const where = "tests/tokenizer/fixtures/components.json";
const fixtures = JSON.parse(readFileSync(repoRoot + where, "utf8")) as Components;
const label = (json: unknown): string => JSON.stringify(json).slice(0, 150);

describe("normalizers", () => {
  it.each(fixtures.normalizers.map((n) => [label(n.json), n] as const))("%s", (_, n) => {
    const normalize = buildNormalizer(n.json, where);
    for (const c of n.cases) expect([c.text, normalize === null ? c.text : normalize(c.text)]).toEqual([c.text, c.normalized]);
  });
});

describe("pre-tokenizers", () => {
  it.each(fixtures.preTokenizers.map((p) => [label(p.json), p] as const))("%s", (_, p) => {
    const plan = buildPreTokenizer(p.json, where);
    for (const c of p.cases) {
      const pieces = plan.split === null ? [c.text] : plan.split({ pieces: [c.text], firstAtStart: true }).pieces;
      // the byte-level mapping is applied per word, after the word cache
      const mapped = pieces.filter((x) => x.length > 0).map((x) => (plan.byteLevel ? byteLevelEncode(x) : x));
      expect([c.text, mapped]).toEqual([c.text, c.pieces]);
    }
  });
});

describe("decoders", () => {
  it.each(fixtures.decoders.map((d) => [label(d.json), d] as const))("%s", (_, d) => {
    const decode = buildDecoder(d.json, where)!;
    for (const c of d.cases) expect([c.tokens, decode(c.tokens).join("")]).toEqual([c.tokens, c.decoded]);
  });
});

describe("added tokens (single_word, lstrip, rstrip, normalized) and TemplateProcessing", () => {
  it.each(fixtures.tokenizers.map((t, i) => [i, t] as const))("variant %i", (_, t) => {
    const tokenizer = tokenizerFromJson(t.json, null, where);
    for (const c of t.cases) {
      expect([c.text, tokenizer.encode(c.text, { addSpecialTokens: false })]).toEqual([c.text, c.ids]);
      expect([c.text, tokenizer.encode(c.text)]).toEqual([c.text, c.ids_with_special]);
      expect([c.text, tokenizer.decode(c.ids)]).toEqual([c.text, c.decoded]);
      expect([c.text, tokenizer.decode(c.ids, { skipSpecialTokens: true })]).toEqual([c.text, c.decoded_skip]);
    }
  });
});
