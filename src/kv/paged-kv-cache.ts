import type { KernelBackend, KvBatchView, KvLayer } from "../kernels/backend.js";
import { checkKvDim, kvBytesPerToken, type KvType } from "../kernels/kv-layer.js";
import { InputError } from "../errors.js";
import { BlockPool } from "./block-pool.js";
import { ContextOverflowError, KvCacheFullError } from "./kv-cache-errors.js";

export interface KvCacheOptions {
  readonly nLayers: number;
  readonly nKvHeads: number;
  readonly headDim: number;
  /** Longest sequence (positions 0 … ctxLen-1). */
  readonly ctxLen: number;
  /** Most distinct sequences in one forward batch (rows of the block table). Default 8. */
  readonly maxSeqs?: number;
  /** Token slots in the whole pool, shared by all sequences. Default ctxLen × maxSeqs. */
  readonly capacityTokens?: number;
  /** Tokens per block. Default 16. */
  readonly blockSize?: number;
  /** Element type of the stored K and V values (f32, f16 or q8_0). Default f32. */
  readonly kvType?: KvType;
}

interface SeqState {
  blocks: number[];
  length: number;
}

/**
 * The paged KV cache (vLLM's PagedAttention layout): per layer one K and one V store of
 * [totalBlocks × blockSize, nKvHeads × headDim] values of the cache's KvType (f32, f16, or q8_0: 34 bytes per 32
 * values), allocated by the backend (KernelBackend.allocKvLayer), shared by all sequences through
 * per-sequence block tables. Blocks are reference-counted so sequences can be forked (and later prefixes shared);
 * a shared block is copied before it is written.
 */
export class PagedKvCache {
  readonly k: KvLayer[];
  readonly v: KvLayer[];
  readonly kvType: KvType;
  readonly nLayers: number;
  readonly kvDim: number;
  readonly ctxLen: number;
  readonly blockSize: number;
  readonly maxSeqs: number;
  readonly totalBlocks: number;
  readonly maxBlocksPerSeq: number;
  /** 2 (K and V) × layers × KV heads × head_dim × bytes per element (4, 2 or 34/32): the bytes the layers hold per slot. */
  readonly bytesPerToken: number;
  private readonly backend: KernelBackend;
  private readonly pool: BlockPool;
  private readonly seqs = new Map<number, SeqState>();
  // The batch view's arrays, reused every step (grown only when a bigger batch arrives).
  private positions = new Int32Array(0);
  private slots = new Int32Array(0);
  private tokenSeq = new Int32Array(0);
  private readonly blockTables: Int32Array;
  private readonly rowSeqIds: Int32Array;
  private readonly rowBlocksNeeded: Int32Array;

  constructor(backend: KernelBackend, options: KvCacheOptions) {
    const { nLayers, nKvHeads, headDim, ctxLen } = options;
    this.maxSeqs = options.maxSeqs ?? 8;
    this.blockSize = options.blockSize ?? 16;
    const capacityTokens = options.capacityTokens ?? ctxLen * this.maxSeqs;
    for (const [key, value] of Object.entries({ nLayers, nKvHeads, headDim, ctxLen, maxSeqs: this.maxSeqs, blockSize: this.blockSize, capacityTokens })) {
      if (!Number.isInteger(value) || value < 1) throw new InputError(`kv cache: ${key} = ${value} must be a positive integer`);
    }
    this.nLayers = nLayers;
    this.kvDim = nKvHeads * headDim;
    this.ctxLen = ctxLen;
    this.totalBlocks = Math.ceil(capacityTokens / this.blockSize);
    this.maxBlocksPerSeq = Math.ceil(ctxLen / this.blockSize);
    this.kvType = options.kvType ?? "f32";
    checkKvDim(this.kvType, this.kvDim);
    this.bytesPerToken = kvBytesPerToken(this.kvType, nLayers, this.kvDim);
    this.backend = backend;
    this.pool = new BlockPool(this.totalBlocks);
    const nSlots = this.totalBlocks * this.blockSize;
    this.k = Array.from({ length: nLayers }, () => backend.allocKvLayer(this.kvType, nSlots, this.kvDim));
    this.v = Array.from({ length: nLayers }, () => backend.allocKvLayer(this.kvType, nSlots, this.kvDim));
    this.blockTables = new Int32Array(this.maxSeqs * this.maxBlocksPerSeq);
    this.rowSeqIds = new Int32Array(this.maxSeqs);
    this.rowBlocksNeeded = new Int32Array(this.maxSeqs);
  }

  get capacityTokens(): number {
    return this.totalBlocks * this.blockSize;
  }
  get usedBlocks(): number {
    return this.pool.usedBlocks;
  }
  get freeBlocks(): number {
    return this.pool.freeBlocks;
  }
  get totalBytes(): number {
    return this.capacityTokens * this.bytesPerToken;
  }
  get usedBytes(): number {
    return this.usedBlocks * this.blockSize * this.bytesPerToken;
  }

  hasSeq(seqId: number): boolean {
    return this.seqs.has(seqId);
  }

  /** Cached positions of a sequence (0 when unknown). */
  seqLength(seqId: number): number {
    return this.seqs.get(seqId)?.length ?? 0;
  }

  /** The sequence's physical blocks in order (a copy). */
  blockTable(seqId: number): number[] {
    return [...(this.seqs.get(seqId)?.blocks ?? [])];
  }

  /** Free blocks a sequence would need to grow to newLength positions (for admission control). */
  blocksNeeded(seqId: number, newLength: number): number {
    const have = this.seqs.get(seqId)?.blocks.length ?? 0;
    return Math.max(0, Math.ceil(newLength / this.blockSize) - have);
  }

  freeSeq(seqId: number): void {
    const seq = this.seqs.get(seqId);
    if (!seq) return;
    for (const b of seq.blocks) this.pool.release(b);
    this.seqs.delete(seqId);
  }

  /** Drops positions ≥ length (e.g. rejected speculative tokens), releasing blocks no longer needed. */
  truncateSeq(seqId: number, length: number): void {
    const seq = this.seqs.get(seqId);
    if (!seq || length >= seq.length) return;
    const keep = Math.ceil(length / this.blockSize);
    for (const b of seq.blocks.splice(keep)) this.pool.release(b);
    seq.length = length;
  }

  /** dst becomes a copy of src sharing all its blocks (copy-on-write). Replaces dst if it exists. */
  forkSeq(srcId: number, dstId: number): void {
    const src = this.seqs.get(srcId);
    if (!src) throw new InputError(`kv cache: cannot fork unknown sequence ${srcId}`);
    this.freeSeq(dstId);
    for (const b of src.blocks) this.pool.retain(b);
    this.seqs.set(dstId, { blocks: [...src.blocks], length: src.length });
  }

  clear(): void {
    for (const id of [...this.seqs.keys()]) this.freeSeq(id);
  }

  /**
   * Reserves cache slots for a batch of (sequence, position) tokens and returns the view the attention kernels
   * read: allocates blocks as needed, copies shared blocks before they are written, and lays out one block-table
   * row per distinct sequence. Throws ContextOverflowError / KvCacheFullError (InputErrors) and changes nothing
   * when the batch does not fit.
   */
  prepare(seqIds: Int32Array, positions: Int32Array, nTokens: number): KvBatchView {
    if (this.slots.length < nTokens) {
      this.positions = new Int32Array(nTokens);
      this.slots = new Int32Array(nTokens);
      this.tokenSeq = new Int32Array(nTokens);
    }
    // Pass 1 checks everything (positions, sequence count, free blocks) so that a refused batch changes nothing.
    let nRows = 0;
    for (let t = 0; t < nTokens; t++) {
      const seqId = seqIds[t]!;
      const pos = positions[t]!;
      if (!Number.isInteger(pos) || pos < 0 || pos >= this.ctxLen) throw new ContextOverflowError(seqId, pos, this.ctxLen);
      let row = 0;
      while (row < nRows && this.rowSeqIds[row] !== seqId) row++;
      if (row === nRows) {
        if (nRows === this.maxSeqs) throw new InputError(`kv cache: a batch holds more than maxSeqs = ${this.maxSeqs} sequences`);
        this.rowSeqIds[nRows] = seqId;
        this.rowBlocksNeeded[nRows++] = 0;
      }
      this.tokenSeq[t] = row;
      this.rowBlocksNeeded[row] = Math.max(this.rowBlocksNeeded[row]!, Math.floor(pos / this.blockSize) + 1);
    }
    let needed = 0;
    let sharedWritten: Set<number> | undefined;
    for (let row = 0; row < nRows; row++) needed += Math.max(0, this.rowBlocksNeeded[row]! - (this.seqs.get(this.rowSeqIds[row]!)?.blocks.length ?? 0));
    for (let t = 0; t < nTokens; t++) {
      const block = this.seqs.get(seqIds[t]!)?.blocks[Math.floor(positions[t]! / this.blockSize)];
      if (block !== undefined && this.pool.refs(block) > 1) (sharedWritten ??= new Set()).add(block);
    }
    needed += sharedWritten?.size ?? 0;
    if (needed > this.pool.freeBlocks) throw new KvCacheFullError(seqIds[0]!, this.totalBlocks);

    // Pass 2 allocates, copies shared blocks before they are written, and lays out slots.
    for (let t = 0; t < nTokens; t++) {
      const seqId = seqIds[t]!;
      const pos = positions[t]!;
      let seq = this.seqs.get(seqId);
      if (!seq) this.seqs.set(seqId, (seq = { blocks: [], length: 0 }));
      const blockIndex = Math.floor(pos / this.blockSize);
      while (seq.blocks.length <= blockIndex) seq.blocks.push(this.allocateBlock(seqId));
      if (this.pool.refs(seq.blocks[blockIndex]!) > 1) seq.blocks[blockIndex] = this.copyBlock(seqId, seq.blocks[blockIndex]!);
      this.positions[t] = pos;
      this.slots[t] = seq.blocks[blockIndex]! * this.blockSize + (pos % this.blockSize);
      if (pos + 1 > seq.length) seq.length = pos + 1;
    }
    for (let row = 0; row < nRows; row++) {
      const blocks = this.seqs.get(this.rowSeqIds[row]!)!.blocks;
      const base = row * this.maxBlocksPerSeq;
      for (let i = 0; i < blocks.length; i++) this.blockTables[base + i] = blocks[i]!;
    }
    return {
      nTokens, blockSize: this.blockSize, positions: this.positions, slots: this.slots, tokenSeq: this.tokenSeq,
      blockTables: this.blockTables, maxBlocksPerSeq: this.maxBlocksPerSeq,
    };
  }

  private allocateBlock(seqId: number): number {
    const b = this.pool.allocate();
    if (b < 0) throw new KvCacheFullError(seqId, this.totalBlocks);
    return b;
  }

  private copyBlock(seqId: number, shared: number): number {
    const fresh = this.allocateBlock(seqId);
    const bs = this.blockSize;
    for (let l = 0; l < this.nLayers; l++) {
      this.backend.copyKvSlots(this.k[l]!, shared * bs, fresh * bs, bs);
      this.backend.copyKvSlots(this.v[l]!, shared * bs, fresh * bs, bs);
    }
    this.pool.release(shared);
    return fresh;
  }
}
