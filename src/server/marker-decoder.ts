import type { Tokenizer } from "../tokenizer/tokenizer.js";
import type { TokenDecoder } from "./served-model.js";

/**
 * Special tokens that mark tool calls or reasoning (Llama's <|python_tag|>, Mistral's [TOOL_CALLS], <think> where it
 * is special) are written into the text, so the output parser sees them, as llama.cpp keeps its format's "preserved
 * tokens"; other special tokens (end of turn…) are skipped as before.
 */
export function keepSpecialTokens(decoder: TokenDecoder, tok: Tokenizer, texts: readonly string[]): TokenDecoder {
  const keep = new Map<number, string>();
  for (const text of texts) {
    const id = tok.tokenToId(text);
    if (id !== undefined && tok.isSpecial(id)) keep.set(id, text);
  }
  if (keep.size === 0) return decoder;
  return {
    push: (id) => {
      const marker = keep.get(id);
      return marker === undefined ? decoder.push(id) : decoder.flush() + marker;
    },
    flush: () => decoder.flush(),
  };
}
