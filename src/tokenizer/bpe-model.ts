import { FormatError } from "../errors.js";
import { MergeHeap } from "./merge-heap.js";
import { PairTable } from "./pair-table.js";

export interface BpeOptions {
  /** id of the unknown token, or -1 (a character with no token is then dropped, as tokenizers does) */
  unkId: number;
  fuseUnk: boolean;
  /** characters missing from the vocabulary become <0xXX> tokens (SentencePiece byte fallback) */
  byteFallback: boolean;
  /** a word that is itself a token is not merged (Llama 3) */
  ignoreMerges: boolean;
  continuingSubwordPrefix: string;
  endOfWordSuffix: string;
}

const POS_SHIFT = 2 ** 32; // heap key = rank * 2^32 + position

/**
 * BPE over token ids: each word starts as its characters and the adjacent pair with the lowest merge rank
 * (leftmost on ties) is merged until none is left — tokenizers' models/bpe/word.rs `merge_all`, and llama.cpp's
 * llm_tokenizer_bpe_session. Short words use an O(n²) scan over flat arrays, long ones a heap over a linked list;
 * both give the same result.
 */
export class BpeModel {
  private readonly pairRank: PairTable;
  private readonly rankResult: Int32Array;
  private ids = new Int32Array(256);
  private ranks = new Float64Array(256);
  private next = new Int32Array(256);
  private prev = new Int32Array(256);
  private readonly heap = new MergeHeap();
  private readonly byteIds: Int32Array;
  private readonly merges: ReadonlyArray<readonly [string, string]>;
  private readonly where: string;

  constructor(
    readonly vocab: Map<string, number>,
    merges: ReadonlyArray<readonly [string, string]>,
    readonly options: BpeOptions,
    where: string,
    /** tokenizer.json refuses a merge whose tokens are missing; llama.cpp (GGUF) just never applies it */
    strictMerges = true,
  ) {
    // the merged token's id is looked up the first time a merge is applied (most never are): loading stays fast
    this.rankResult = new Int32Array(merges.length).fill(-1);
    this.pairRank = new PairTable(merges.length);
    this.merges = merges;
    this.where = where;
    for (let rank = 0; rank < merges.length; rank++) {
      const [a, b] = merges[rank] as readonly [string, string];
      const left = vocab.get(a);
      const right = vocab.get(b);
      if (left === undefined || right === undefined) {
        if (!strictMerges) continue;
        throw new FormatError(where, `merge ${rank} ${JSON.stringify(a)} + ${JSON.stringify(b)} names a token that is not in the vocabulary`);
      }
      this.pairRank.setIfAbsent(left, right, rank);
    }
    this.byteIds = new Int32Array(256).fill(-1);
    if (options.byteFallback) {
      for (let b = 0; b < 256; b++) {
        const id = vocab.get(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
        if (id !== undefined) this.byteIds[b] = id;
      }
    }
  }

  /** The rank of merging tokens `left` and `right`, or -1. */
  rankOf(left: number, right: number): number {
    return this.pairRank.get(left, right);
  }

  /** Appends the ids of one pre-tokenized word. */
  encodeWord(word: string, out: number[]): void {
    if (word.length === 0) return;
    const o = this.options;
    if (o.ignoreMerges) {
      const whole = this.vocab.get(word);
      if (whole !== undefined) {
        out.push(whole);
        return;
      }
    }
    const n = this.initialSymbols(word);
    if (n === 0) return;
    if (n <= 48) this.mergeSmall(n, out);
    else this.mergeLarge(n, out);
  }

  private ensure(n: number): void {
    if (this.ids.length >= n) return;
    const size = Math.max(n, this.ids.length * 2);
    this.ids = new Int32Array(size);
    this.ranks = new Float64Array(size);
    this.next = new Int32Array(size);
    this.prev = new Int32Array(size);
  }

  /** Characters to ids (with unknown/byte fallback); returns the number of symbols in this.ids. */
  private initialSymbols(word: string): number {
    const o = this.options;
    this.ensure(word.length * 4 + 4);
    const ids = this.ids;
    const vocab = this.vocab;
    const plain = o.continuingSubwordPrefix.length === 0 && o.endOfWordSuffix.length === 0;
    let n = 0;
    let unkPending = false;
    for (let i = 0; i < word.length; ) {
      const c = word.charCodeAt(i);
      const len = c >= 0xd800 && c <= 0xdbff && i + 1 < word.length ? 2 : 1;
      let ch = len === 1 ? (word[i] as string) : word.slice(i, i + 2);
      if (!plain) {
        if (i > 0) ch = o.continuingSubwordPrefix + ch;
        if (i + len === word.length) ch = ch + o.endOfWordSuffix;
      }
      i += len;
      const id = vocab.get(ch);
      if (id !== undefined) {
        if (unkPending) {
          ids[n++] = o.unkId;
          unkPending = false;
        }
        ids[n++] = id;
        continue;
      }
      if (o.byteFallback && this.byteFallback(ch, n)) {
        n += this.lastByteCount;
        continue;
      }
      if (o.unkId >= 0) {
        if (unkPending && !o.fuseUnk) ids[n++] = o.unkId;
        unkPending = true;
      }
    }
    if (unkPending) ids[n++] = o.unkId;
    return n;
  }

  private lastByteCount = 0;
  private static readonly encoder = new TextEncoder();

  private byteFallback(ch: string, at: number): boolean {
    const bytes = BpeModel.encoder.encode(ch);
    for (const b of bytes) if ((this.byteIds[b] as number) < 0) return false;
    for (let k = 0; k < bytes.length; k++) this.ids[at + k] = this.byteIds[bytes[k] as number] as number;
    this.lastByteCount = bytes.length;
    return true;
  }

  private mergeSmall(n: number, out: number[]): void {
    const ids = this.ids;
    const ranks = this.ranks;
    for (let i = 0; i + 1 < n; i++) ranks[i] = this.pairRankOrInf(ids[i] as number, ids[i + 1] as number);
    while (n > 1) {
      let best = Infinity;
      let at = -1;
      for (let i = 0; i + 1 < n; i++) {
        const r = ranks[i] as number;
        if (r < best) {
          best = r;
          at = i;
        }
      }
      if (at < 0) break;
      ids[at] = this.mergedId(best);
      for (let i = at + 1; i + 1 < n; i++) {
        ids[i] = ids[i + 1] as number;
        ranks[i] = ranks[i + 1] as number;
      }
      n--;
      if (at > 0) ranks[at - 1] = this.pairRankOrInf(ids[at - 1] as number, ids[at] as number);
      if (at + 1 < n) ranks[at] = this.pairRankOrInf(ids[at] as number, ids[at + 1] as number);
    }
    for (let i = 0; i < n; i++) out.push(ids[i] as number);
  }

  /** The token a merge produces. */
  private mergedId(rank: number): number {
    const cached = this.rankResult[rank] as number;
    if (cached >= 0) return cached;
    const [a, b] = this.merges[rank] as readonly [string, string];
    const id = this.vocab.get(a + b.slice(this.options.continuingSubwordPrefix.length));
    if (id === undefined) throw new FormatError(this.where, `merge ${rank} ${JSON.stringify(a)} + ${JSON.stringify(b)} makes a token that is not in the vocabulary`);
    this.rankResult[rank] = id;
    return id;
  }

  private pairRankOrInf(left: number, right: number): number {
    const r = this.pairRank.get(left, right);
    return r < 0 ? Infinity : r;
  }

  private mergeLarge(n: number, out: number[]): void {
    const { ids, next, prev, heap } = this;
    heap.clear();
    for (let i = 0; i < n; i++) {
      next[i] = i + 1 < n ? i + 1 : -1;
      prev[i] = i - 1;
    }
    for (let i = 0; i + 1 < n; i++) {
      const r = this.pairRank.get(ids[i] as number, ids[i + 1] as number);
      if (r >= 0) heap.push(r * POS_SHIFT + i);
    }
    while (heap.size > 0) {
      const key = heap.pop();
      const rank = Math.floor(key / POS_SHIFT);
      const pos = key - rank * POS_SHIFT;
      if (ids[pos] === -1) continue; // merged away
      const right = next[pos] as number;
      if (right < 0) continue;
      if (this.pairRank.get(ids[pos] as number, ids[right] as number) !== rank) continue; // stale
      ids[pos] = this.mergedId(rank);
      ids[right] = -1;
      const after = next[right] as number;
      next[pos] = after;
      if (after >= 0) prev[after] = pos;
      const before = prev[pos] as number;
      if (before >= 0) {
        const r = this.pairRank.get(ids[before] as number, ids[pos] as number);
        if (r >= 0) heap.push(r * POS_SHIFT + before);
      }
      if (after >= 0) {
        const r = this.pairRank.get(ids[pos] as number, ids[after] as number);
        if (r >= 0) heap.push(r * POS_SHIFT + pos);
      }
    }
    for (let i = 0; i >= 0; i = next[i] as number) out.push(ids[i] as number);
  }
}
