import type { Normalizer } from "./normalizer.js";
import { TokenTrie } from "./token-trie.js";

/** An entry of tokenizer.json `added_tokens`. */
export interface AddedToken {
  id: number;
  content: string;
  special: boolean;
  lstrip: boolean;
  rstrip: boolean;
  singleWord: boolean;
  normalized: boolean;
}

/** Receives the pieces of a text split around added tokens. */
export interface SegmentSink {
  text(segment: string, atStart: boolean): void;
  token(id: number): void;
}

const WORD_CHAR = /[\p{L}\p{N}_]/u;
const SPACE = /\s/u;

/**
 * Added tokens are found before normalization and pre-tokenization, leftmost-longest, with lstrip/rstrip/single_word
 * (tokenizers/src/tokenizer/added_vocabulary.rs): first the non-normalized tokens in the raw text, then the normalized
 * ones in each normalized remainder.
 */
export class AddedVocabulary {
  private readonly raw = new TokenTrie();
  private readonly normalizedTrie = new TokenTrie();
  readonly byId = new Map<number, AddedToken>();

  constructor(
    tokens: readonly AddedToken[],
    private readonly normalizer: Normalizer | null,
  ) {
    for (const t of tokens) {
      this.byId.set(t.id, t);
      if (t.normalized && normalizer !== null) this.normalizedTrie.insert(normalizer(t.content), t.id);
      else this.raw.insert(t.content, t.id);
    }
  }

  /** Splits `text` and hands the normalized text segments and the token ids to `sink`, in order. */
  split(text: string, parseSpecial: boolean, sink: SegmentSink): void {
    const normalizer = this.normalizer;
    const normalizedSink: SegmentSink = {
      text: (segment, atStart) => {
        const normalized = normalizer === null ? segment : normalizer(segment);
        this.find(normalized, this.normalizedTrie, parseSpecial, atStart, sink);
      },
      token: (id) => sink.token(id),
    };
    this.find(text, this.raw, parseSpecial, true, normalizedSink);
  }

  private find(text: string, trie: TokenTrie, parseSpecial: boolean, atStart: boolean, sink: SegmentSink): void {
    if (trie.size === 0) {
      if (text.length > 0) sink.text(text, atStart);
      return;
    }
    let emitted = 0; // end of the last piece handed out
    let i = 0;
    while (i < text.length) {
      if (!trie.startsWith(text.charCodeAt(i))) {
        i++;
        continue;
      }
      let stop = trie.longestAt(text, i);
      if (stop < 0) {
        i++;
        continue;
      }
      const token = this.byId.get(trie.lastValue) as AddedToken;
      let start = i;
      i = stop;
      if (!parseSpecial && token.special) continue;
      if (token.singleWord) {
        const startOk = start === 0 || !WORD_CHAR.test(charBefore(text, start));
        const stopOk = stop === text.length || !WORD_CHAR.test(charAt(text, stop));
        if (!startOk || !stopOk) continue;
      }
      if (token.lstrip) {
        let s = start;
        while (s > emitted && SPACE.test(text[s - 1] as string)) s--;
        start = s;
      }
      if (token.rstrip) {
        while (stop < text.length && SPACE.test(text[stop] as string)) stop++;
        i = stop;
      }
      if (emitted < start) sink.text(text.slice(emitted, start), atStart && emitted === 0);
      sink.token(token.id);
      emitted = stop;
    }
    if (emitted < text.length) sink.text(text.slice(emitted), atStart && emitted === 0);
  }
}

function charBefore(text: string, at: number): string {
  const c = text.charCodeAt(at - 1);
  return c >= 0xdc00 && c <= 0xdfff && at >= 2 ? text.slice(at - 2, at) : (text[at - 1] as string);
}

function charAt(text: string, at: number): string {
  return String.fromCodePoint(text.codePointAt(at) as number);
}
