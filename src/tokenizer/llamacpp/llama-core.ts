import { byteLevelDecodeToken, byteLevelEncode } from "../byte-level.js";
import type { BpeModel } from "../bpe-model.js";
import { byteTokenValue } from "../decoder.js";
import { llamaPreSplit, type compileLlamaPreSplit } from "./llama-pre-split.js";
import type { LlamaSpm } from "./llama-spm.js";
import type { LlamaWpm } from "./llama-wpm.js";
import { ATTR_BYTE, ATTR_CONTROL, ATTR_LSTRIP, ATTR_NORMAL, ATTR_RSTRIP, ATTR_UNKNOWN, ATTR_USER_DEFINED } from "./llama-token-attr.js";
import type { TokenizerCore } from "../tokenizer.js";

export type LlamaVocabModel =
  | { kind: "spm"; spm: LlamaSpm; addSpacePrefix: boolean }
  | { kind: "bpe"; bpe: BpeModel; preSplit: ReturnType<typeof compileLlamaPreSplit> }
  | { kind: "wpm"; wpm: LlamaWpm };

const utf8 = new TextEncoder();
const lossy = new TextDecoder("utf-8", { ignoreBOM: true });
const MAX_CACHED_WORD = 64;

function isCSpace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13);
}

/**
 * A GGUF vocabulary tokenized as llama.cpp does (llama-vocab.cpp llama_vocab::impl::tokenize): special tokens are
 * partitioned out first (longest text first; control and unknown ones only when parsing special tokens), then each
 * text fragment goes through the SPM (score merges) or BPE (regex pre-split, byte-level, rank merges) tokenizer.
 */
export class LlamaCore implements TokenizerCore {
  readonly vocabSize: number;
  private readonly cache = new Map<string, number[]>();
  private readonly pieceBytes: Uint8Array[];

  constructor(
    private readonly tokens: readonly string[],
    private readonly attrs: Uint16Array,
    private readonly tokenIds: ReadonlyMap<string, number>,
    /** control / user-defined / unknown tokens, longest text first (cache_special_tokens) */
    private readonly specialOrder: readonly number[],
    private readonly model: LlamaVocabModel,
    private readonly bosId: number | null,
    private readonly addBos: boolean,
    private readonly eosId: number | null,
    private readonly addEos: boolean,
    /** the vocabulary's clean_spaces flag (llama-vocab.cpp), applied when decoding asks for it */
    private readonly cleanSpaces: boolean,
  ) {
    this.vocabSize = tokens.length;
    this.pieceBytes = tokens.map((_, id) => this.computePiece(id));
  }

  encodeInto(text: string, parseSpecial: boolean, out: number[]): void {
    if (text.length === 0) return;
    const fragments = this.partition(text, parseSpecial);
    if (this.model.kind === "spm") {
      const { spm, addSpacePrefix } = this.model;
      let prevSpecial = true;
      for (const f of fragments) {
        if (typeof f === "number") {
          out.push(f);
          prevSpecial = true;
          continue;
        }
        const raw = addSpacePrefix && prevSpecial ? " " + f : f;
        spm.encode(raw.replaceAll(" ", "\u2581"), out);
        prevSpecial = false;
      }
      return;
    }
    if (this.model.kind === "wpm") {
      for (const f of fragments) {
        if (typeof f === "number") out.push(f);
        else this.model.wpm.encode(f, out);
      }
      return;
    }
    const { bpe, preSplit } = this.model;
    for (const f of fragments) {
      if (typeof f === "number") {
        out.push(f);
        continue;
      }
      for (const word of llamaPreSplit(f, preSplit)) {
        if (word.length > MAX_CACHED_WORD) {
          bpe.encodeWord(byteLevelEncode(word), out);
          continue;
        }
        let ids = this.cache.get(word);
        if (ids === undefined) {
          ids = [];
          bpe.encodeWord(byteLevelEncode(word), ids);
          if (this.cache.size > 200_000) this.cache.clear();
          this.cache.set(word, ids);
        }
        for (let i = 0; i < ids.length; i++) out.push(ids[i] as number);
      }
    }
  }

  /** tokenizer_st_partition: text fragments (strings) and special token ids, in order. */
  private partition(text: string, parseSpecial: boolean): Array<string | number> {
    let fragments: Array<string | number> = [text];
    for (const id of this.specialOrder) {
      const attr = this.attrs[id] as number;
      if (!parseSpecial && attr & (ATTR_CONTROL | ATTR_UNKNOWN)) continue;
      const tokenText = this.tokens[id] as string;
      if (tokenText.length === 0) continue;
      let changed = false;
      const next: Array<string | number> = [];
      for (const f of fragments) {
        if (typeof f === "number" || f.indexOf(tokenText) < 0) {
          next.push(f);
          continue;
        }
        changed = true;
        let pos = 0;
        for (;;) {
          const match = f.indexOf(tokenText, pos);
          if (match < 0) {
            if (pos < f.length) next.push(f.slice(pos));
            break;
          }
          let leftEnd = match;
          if (attr & ATTR_LSTRIP) while (leftEnd > pos && isCSpace(f.charCodeAt(leftEnd - 1))) leftEnd--;
          if (leftEnd > pos) next.push(f.slice(pos, leftEnd));
          next.push(id);
          pos = match + tokenText.length;
          if (attr & ATTR_RSTRIP) while (pos < f.length && isCSpace(f.charCodeAt(pos))) pos++;
        }
      }
      if (changed) fragments = next;
    }
    return fragments;
  }

  /** The piece llama.cpp's token_to_piece gives with special = true. */
  private computePiece(id: number): Uint8Array {
    const text = this.tokens[id] as string;
    const attr = this.attrs[id] as number;
    if (attr & (ATTR_UNKNOWN | ATTR_CONTROL | ATTR_USER_DEFINED)) return utf8.encode(text);
    if (this.model.kind !== "bpe") {
      if (attr & ATTR_NORMAL) return utf8.encode(text.replaceAll("\u2581", " "));
      if (attr & ATTR_BYTE) {
        const b = byteTokenValue(text);
        return b >= 0 ? Uint8Array.of(b) : utf8.encode(text);
      }
      return new Uint8Array(0);
    }
    if (attr & ATTR_NORMAL) {
      const bytes: number[] = [];
      byteLevelDecodeToken(text, bytes);
      return Uint8Array.from(bytes);
    }
    return new Uint8Array(0);
  }

  /** llama_vocab::impl::detokenize without the clean_spaces pass. */
  decode(ids: readonly number[], skipSpecialTokens: boolean, cleanUpSpaces: boolean): string {
    let start = 0;
    let end = ids.length;
    let removeSpace = this.model.kind === "spm" && this.model.addSpacePrefix;
    if (skipSpecialTokens && this.addBos && end > 0 && ids[0] === this.bosId) {
      removeSpace = false;
      start++;
    }
    if (skipSpecialTokens && this.addEos && end > start && ids[end - 1] === this.eosId) end--;
    const parts: Uint8Array[] = [];
    let total = 0;
    for (let i = start; i < end; i++) {
      const id = ids[i] as number;
      let piece = this.pieceBytes[id];
      if (piece === undefined) continue;
      if (skipSpecialTokens && (this.attrs[id] as number) & (ATTR_UNKNOWN | ATTR_CONTROL)) piece = new Uint8Array(0);
      if (removeSpace && piece.length > 0 && piece[0] === 32) piece = piece.subarray(1);
      removeSpace = false;
      parts.push(piece);
      total += piece.length;
    }
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      bytes.set(p, at);
      at += p.length;
    }
    return lossy.decode(cleanUpSpaces && this.cleanSpaces ? cleanSpacesPass(bytes) : bytes);
  }

  tokenToPiece(id: number): string | undefined {
    return this.tokens[id];
  }

  tokenToId(piece: string): number | undefined {
    return this.tokenIds.get(piece);
  }

  tokenBytes(id: number): Uint8Array {
    return this.pieceBytes[id] ?? new Uint8Array(0);
  }

  isSpecial(id: number): boolean {
    return ((this.attrs[id] ?? 0) & (ATTR_CONTROL | ATTR_UNKNOWN)) !== 0;
  }

  isByteToken(id: number): boolean {
    return this.model.kind === "spm" && ((this.attrs[id] ?? 0) & ATTR_BYTE) !== 0;
  }
}

const SPACE = 32;
const QUOTE = 39;

/** llama_detokenize's clean_spaces passes, byte for byte: " ?" " !" " ." " ,", " ' ", and " 's" " 'm" " 're" " 've". */
function cleanSpacesPass(t: Uint8Array): Uint8Array {
  let n = t.length;
  let w = n > 0 ? 1 : 0;
  for (let i = 1; i < n; i++) {
    const x = t[i] as number;
    if (t[i - 1] === SPACE && (x === 63 || x === 33 || x === 46 || x === 44)) w--;
    t[w++] = x;
  }
  n = w;
  w = n > 0 ? 1 : 0;
  for (let i = 1; i < n; i++) {
    const x = t[i] as number;
    if (x === QUOTE && i + 1 < n && t[i - 1] === SPACE && t[i + 1] === SPACE) {
      w--;
      t[++i] = 0;
    }
    t[w++] = x;
  }
  n = w;
  w = n > 0 ? 1 : 0;
  for (let i = 1; i < n; i++) {
    const x = t[i] as number;
    if (t[i - 1] === SPACE && x === QUOTE && i + 1 < n) {
      const x1 = t[i + 1] as number;
      if (x1 === 115 || x1 === 109) w--; // 's 'm
      else if (x1 !== 116 && x1 !== 100 && i + 2 < n) {
        const x2 = t[i + 2] as number;
        if ((x1 === 114 && x2 === 101) || (x1 === 118 && x2 === 101)) w--; // 're 've
      }
    }
    t[w++] = x;
  }
  return t.subarray(0, w);
}
