import { describe, expect, it } from "vitest";
import { loadTokenizer } from "../../src/tokenizer/index.js";
import { TOKENIZER_DIRS, publicCases, repoRoot } from "./fixture-paths.js";

// What each push may return: never half a character. An emoji that SentencePiece spells as four <0xXX> byte tokens
// (llama2) or that byte-level BPE spreads over several tokens (llama3) appears whole, on the push of its last byte.
describe("StreamingDecoder", () => {
  const emojiCase = (name: string) => publicCases(name).find((c) => c.text === "emoji 🦙🔥👍🏽 family 👨\u200d👩\u200d👧\u200d👦 flags 🇫🇷🇯🇵")!;

  it.each(["llama2", "llama3", "gemma3"])("%s: no push returns a broken character, and the pushes add up to HF's decoded text", (name) => {
    const tokenizer = loadTokenizer(repoRoot + TOKENIZER_DIRS[name]);
    const c = emojiCase(name);
    const stream = tokenizer.createStreamingDecoder();
    const pieces = c.ids.map((id) => stream.push(id));
    pieces.push(stream.flush());
    for (const p of pieces) {
      expect(p).not.toContain("\ufffd");
      expect(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(p)).toBe(false);
    }
    expect(pieces.join("")).toBe(c.decoded);
    // some tokens are only parts of a character: their push returns nothing
    expect(pieces.filter((p) => p === "").length).toBeGreaterThan(0);
  });

  it("emits an invalid byte run as U+FFFD once it is known to be invalid, as one-shot decoding does", () => {
    const tokenizer = loadTokenizer(repoRoot + TOKENIZER_DIRS["llama2"]);
    const b = (hex: string): number => tokenizer.tokenToId(`<0x${hex}>`)!;
    const ids = [b("F0"), b("9F"), tokenizer.tokenToId("▁a")!, b("E2"), b("82")];
    const stream = tokenizer.createStreamingDecoder();
    const pieces = ids.map((id) => stream.push(id));
    expect(pieces.slice(0, 2)).toEqual(["", ""]);
    pieces.push(stream.flush());
    expect(pieces.join("")).toBe(tokenizer.decode(ids));
    expect(tokenizer.decode(ids)).toBe("\ufffd\ufffd a\ufffd\ufffd");
  });
});
