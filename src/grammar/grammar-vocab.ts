import { byteLevelEncodeBytes } from "../tokenizer/byte-level.js";
import type { Tokenizer } from "../tokenizer/tokenizer.js";

/** What xgrammar's TokenizerInfo is built from. */
export interface GrammarVocab {
  /** Each token id's bytes as GPT-2 byte-level characters; "" for special tokens (which grammars never allow). */
  encodedVocab: string[];
  vocabType: "byte_level";
  /** The logits' length (may exceed the tokenizer's vocabulary: padding rows are never allowed). */
  vocabSize: number;
  stopTokenIds: number[];
}

/**
 * The vocabulary as xgrammar reads it. Every tokenizer (byte-level BPE, SentencePiece with byte fallback, WordPiece)
 * reports the exact bytes each token adds to the text (`tokenBytes`), so one encoding fits all: those bytes in GPT-2's
 * byte-level alphabet, with vocab type byte_level. A grammar then sees the same bytes the server streams.
 */
export function grammarVocab(tokenizer: Tokenizer, vocabSize: number): GrammarVocab {
  const n = Math.min(tokenizer.vocabSize, vocabSize);
  const encodedVocab = new Array<string>(n);
  for (let id = 0; id < n; id++) encodedVocab[id] = tokenizer.isSpecial(id) ? "" : byteLevelEncodeBytes(tokenizer.tokenBytes(id));
  return { encodedVocab, vocabType: "byte_level", vocabSize, stopTokenIds: tokenizer.eosIds.filter((id) => id < vocabSize) };
}
