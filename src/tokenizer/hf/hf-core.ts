import { AddedVocabulary, type SegmentSink } from "./added-vocabulary.js";
import { byteLevelDecodeToken, byteLevelEncode } from "../byte-level.js";
import type { BpeModel } from "../bpe-model.js";
import { byteTokenValue, cleanupTokenizationSpaces, type DecoderStep } from "../decoder.js";
import type { PreTokenizerPlan } from "./pre-tokenizer.js";
import type { TokenizerCore } from "../tokenizer.js";

const MAX_CACHED_WORD = 64;
const MAX_CACHE_ENTRIES = 200_000;
const utf8 = new TextEncoder();

/**
 * The tokenizer.json pipeline (tokenizers TokenizerImpl::encode_single_sequence): added tokens are split off,
 * the rest is normalized, pre-tokenized into words, and each word goes through the BPE model. Words are cached
 * (word -> ids) before the byte-level mapping, which is what makes repeated words cheap.
 */
export class HfCore implements TokenizerCore {
  readonly vocabSize: number;
  private readonly added: AddedVocabulary;
  private readonly cache = new Map<string, number[]>();
  private readonly specialIds = new Set<number>();

  constructor(
    private readonly model: BpeModel,
    private readonly idToToken: readonly string[],
    private readonly tokenIds: ReadonlyMap<string, number>,
    added: AddedVocabulary,
    private readonly preTokenizer: PreTokenizerPlan,
    private readonly decoder: DecoderStep | null,
  ) {
    this.added = added;
    this.vocabSize = idToToken.length;
    for (const t of added.byId.values()) if (t.special) this.specialIds.add(t.id);
  }

  encodeInto(text: string, parseSpecial: boolean, out: number[]): void {
    const sink: SegmentSink = {
      text: (segment, atStart) => this.encodeSegment(segment, atStart, out),
      token: (id) => out.push(id),
    };
    this.added.split(text, parseSpecial, sink);
  }

  private encodeSegment(segment: string, atStart: boolean, out: number[]): void {
    const fast = this.preTokenizer.matchesOnly;
    if (fast !== null) {
      // one regex split: encode each match (and gap) as it is found, as splitByRegex would cut them
      const re = fast.re;
      re.lastIndex = 0;
      let prev = 0;
      for (;;) {
        const m = re.exec(segment);
        if (m === null) break;
        const start = m.index;
        const length = m[0].length;
        if (length === 0) {
          re.lastIndex = start + ((segment.codePointAt(start) ?? 0) > 0xffff ? 2 : 1);
          if (start >= segment.length) break;
          continue;
        }
        if (fast.keepGaps && start > prev) this.encodeWord(segment.slice(prev, start), out);
        this.encodeWord(m[0], out);
        prev = start + length;
      }
      if (fast.keepGaps && prev < segment.length) this.encodeWord(segment.slice(prev), out);
      return;
    }
    const split = this.preTokenizer.split;
    if (split === null) {
      this.encodeWord(segment, out);
      return;
    }
    const { pieces } = split({ pieces: [segment], firstAtStart: atStart });
    for (let i = 0; i < pieces.length; i++) this.encodeWord(pieces[i] as string, out);
  }

  private encodeWord(piece: string, out: number[]): void {
    if (piece.length > MAX_CACHED_WORD) {
      this.model.encodeWord(this.preTokenizer.byteLevel ? byteLevelEncode(piece) : piece, out);
      return;
    }
    let ids = this.cache.get(piece);
    if (ids === undefined) {
      ids = [];
      this.model.encodeWord(this.preTokenizer.byteLevel ? byteLevelEncode(piece) : piece, ids);
      if (this.cache.size >= MAX_CACHE_ENTRIES) this.cache.clear();
      this.cache.set(piece, ids);
    }
    for (let i = 0; i < ids.length; i++) out.push(ids[i] as number);
  }

  decode(ids: readonly number[], skipSpecialTokens: boolean, cleanUpSpaces: boolean): string {
    const tokens: string[] = [];
    for (const id of ids) {
      if (skipSpecialTokens && this.specialIds.has(id)) continue;
      const t = this.idToToken[id];
      if (t !== undefined) tokens.push(t);
    }
    const text = this.decoder === null ? tokens.join(" ") : this.decoder(tokens).join("");
    return cleanUpSpaces ? cleanupTokenizationSpaces(text) : text;
  }

  tokenToPiece(id: number): string | undefined {
    return this.idToToken[id];
  }

  tokenToId(piece: string): number | undefined {
    return this.tokenIds.get(piece);
  }

  tokenBytes(id: number): Uint8Array {
    const t = this.idToToken[id];
    if (t === undefined) return new Uint8Array(0);
    if (this.specialIds.has(id)) return utf8.encode(t);
    if (this.preTokenizer.byteLevel) {
      const bytes: number[] = [];
      byteLevelDecodeToken(t, bytes);
      return Uint8Array.from(bytes);
    }
    const b = byteTokenValue(t);
    return b >= 0 ? Uint8Array.of(b) : utf8.encode(t.replaceAll("\u2581", " "));
  }

  isSpecial(id: number): boolean {
    return this.specialIds.has(id);
  }

  isByteToken(id: number): boolean {
    const t = this.idToToken[id];
    return t !== undefined && !this.preTokenizer.byteLevel && byteTokenValue(t) >= 0;
  }
}
