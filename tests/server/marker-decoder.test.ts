// Markers that are special tokens reach the answer's text, other special tokens are still skipped. The fixture
// Llama 3 tokenizer (3.0: its <|python_tag|> is still a reserved token) stands in with its special header tokens; the
// Qwen3 tokenizer's <tool_call> and <think> are added but not special, so they reach the text either way.
import { describe, expect, it } from "vitest";
import { keepSpecialTokens } from "../../src/server/marker-decoder.js";
import { loadTokenizer } from "../../src/tokenizer/load-tokenizer.js";
import type { Tokenizer } from "../../src/tokenizer/tokenizer.js";
import { TOKENIZER_DIRS, repoRoot } from "../tokenizer/fixture-paths.js";

function stream(tok: Tokenizer, text: string, keep: string[]): string {
  const decoder = keepSpecialTokens(tok.createStreamingDecoder({ skipSpecialTokens: true }), tok, keep);
  return tok.encode(text, { addSpecialTokens: false }).map((id) => decoder.push(id)).join("") + decoder.flush();
}

describe("special tokens kept for the output parser", () => {
  it("Llama 3: a kept special token is written, the others are skipped", () => {
    const tok = loadTokenizer(`${repoRoot}${TOKENIZER_DIRS.llama3}`);
    const text = 'Sure.<|start_header_id|>{"name": "get_weather", "parameters": {"city": "Paris"}}<|eot_id|>';
    const marker = tok.tokenToId("<|start_header_id|>");
    expect(marker !== undefined && tok.isSpecial(marker)).toBe(true);
    expect(stream(tok, text, ["<|start_header_id|>"])).toBe('Sure.<|start_header_id|>{"name": "get_weather", "parameters": {"city": "Paris"}}');
    expect(stream(tok, text, [])).toBe('Sure.{"name": "get_weather", "parameters": {"city": "Paris"}}');
    expect(stream(tok, text, ["<|python_tag|>"])).toBe('Sure.{"name": "get_weather", "parameters": {"city": "Paris"}}'); // not a token of 3.0
  });

  it("Qwen3: <think> and <tool_call> are not special and reach the text as they are", () => {
    const tok = loadTokenizer(`${repoRoot}${TOKENIZER_DIRS.qwen3}`);
    const text = '<think>\nhm\n</think>\n\n<tool_call>\n{"name": "f", "arguments": {}}\n</tool_call><|im_end|>';
    expect(stream(tok, text, ["<think>", "</think>", "<tool_call>", "</tool_call>"])).toBe(text.replace("<|im_end|>", ""));
  });
});
