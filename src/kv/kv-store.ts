import type { KernelBackend, KvBatchView, KvLayer } from "../kernels/backend.js";
import { checkKvDim, kvBytesPerToken, type KvType } from "../kernels/kv-layer.js";
import { InputError } from "../errors.js";
import { ContextOverflowError } from "./kv-cache-errors.js";

export interface KvStoreOptions {
  readonly nLayers: number;
  readonly nKvHeads: number;
  readonly headDim: number;
  /** Longest sequence a batch may address (positions 0 … ctxLen-1). */
  readonly ctxLen: number;
  /** Token slots in the whole store, shared by all sequences. Default ctxLen (one whole sequence). */
  readonly capacityTokens?: number;
  /** Tokens per block. Default 16. */
  readonly blockSize?: number;
  /** Element type of the stored K and V values (f32, f16 or q8_0). Default f32. */
  readonly kvType?: KvType;
}

/**
 * Where a batch's tokens live in the paged store: each token's sequence row and position, and each row's block
 * table (physical block ids, position p in block table[p / blockSize]). The model's ForwardBatch carries these.
 */
export interface KvBatchTables {
  readonly nTokens: number;
  readonly positions: Int32Array; // [nTokens]
  /** The engine's sequence id of each token (named in errors). */
  readonly seqIds: Int32Array; // [nTokens]
  /** Which row of blockTables holds each token's sequence. */
  readonly seqRows: Int32Array; // [nTokens]
  readonly nSeqRows: number;
  readonly blockTables: Int32Array; // [nSeqRows, maxBlocksPerSeq]
  readonly maxBlocksPerSeq: number;
}

/**
 * The paged KV store (vLLM's PagedAttention layout), storage only: per layer one K and one V store of
 * [totalBlocks × blockSize, nKvHeads × headDim] values of the store's KvType (f32, f16, or q8_0: 34 bytes per 32
 * values), allocated by the backend (KernelBackend.allocKvLayer). Which sequence owns which
 * block is decided elsewhere (the prefix cache, or one sequence owning the blocks in order); here blocks are only
 * addressed through the tables a batch carries, and copied on request.
 */
export class KvStore {
  readonly k: KvLayer[];
  readonly v: KvLayer[];
  readonly kvType: KvType;
  readonly nLayers: number;
  readonly kvDim: number;
  readonly ctxLen: number;
  readonly blockSize: number;
  readonly totalBlocks: number;
  /** 2 (K and V) × layers × KV heads × head_dim × bytes per element (4, 2 or 34/32): the bytes the layers hold per slot. */
  readonly bytesPerToken: number;
  private readonly backend: KernelBackend;
  // The batch view's slots, reused every step (grown only when a bigger batch arrives).
  private slots = new Int32Array(0);
  private rowBlocks = new Int32Array(0);

  constructor(backend: KernelBackend, options: KvStoreOptions) {
    const { nLayers, nKvHeads, headDim, ctxLen } = options;
    this.blockSize = options.blockSize ?? 16;
    const capacityTokens = options.capacityTokens ?? ctxLen;
    for (const [key, value] of Object.entries({ nLayers, nKvHeads, headDim, ctxLen, blockSize: this.blockSize, capacityTokens })) {
      if (!Number.isInteger(value) || value < 1) throw new InputError(`kv cache: ${key} = ${value} must be a positive integer`);
    }
    this.nLayers = nLayers;
    this.kvDim = nKvHeads * headDim;
    this.ctxLen = ctxLen;
    this.totalBlocks = Math.ceil(capacityTokens / this.blockSize);
    this.kvType = options.kvType ?? "f32";
    checkKvDim(this.kvType, this.kvDim);
    this.bytesPerToken = kvBytesPerToken(this.kvType, nLayers, this.kvDim);
    this.backend = backend;
    const nSlots = this.totalBlocks * this.blockSize;
    this.k = Array.from({ length: nLayers }, () => backend.allocKvLayer(this.kvType, nSlots, this.kvDim));
    this.v = Array.from({ length: nLayers }, () => backend.allocKvLayer(this.kvType, nSlots, this.kvDim));
  }

  get capacityTokens(): number {
    return this.totalBlocks * this.blockSize;
  }

  get totalBytes(): number {
    return this.capacityTokens * this.bytesPerToken;
  }

  /** Blocks one sequence of ctxLen positions needs (the width of a block table). */
  get maxBlocksPerSeq(): number {
    return Math.ceil(this.ctxLen / this.blockSize);
  }

  /**
   * The view the attention kernels read for a batch: each token's slot from its sequence's block table. Throws
   * ContextOverflowError for a position past ctxLen and an InputError for a block id outside the store, for every
   * block a token writes or attends to, before anything is written.
   */
  view(b: KvBatchTables): KvBatchView {
    const n = b.nTokens;
    const bs = this.blockSize;
    if (this.slots.length < n) this.slots = new Int32Array(n);
    if (this.rowBlocks.length < b.nSeqRows) this.rowBlocks = new Int32Array(b.nSeqRows);
    this.rowBlocks.fill(0, 0, b.nSeqRows);
    for (let t = 0; t < n; t++) {
      const pos = b.positions[t]!;
      const row = b.seqRows[t]!;
      if (!Number.isInteger(pos) || pos < 0 || pos >= this.ctxLen) throw new ContextOverflowError(b.seqIds[t]!, pos, this.ctxLen);
      if (!(row >= 0 && row < b.nSeqRows)) throw new InputError(`kv cache: token ${t} names block-table row ${row} of ${b.nSeqRows}`);
      const blockIndex = Math.floor(pos / bs);
      if (blockIndex >= b.maxBlocksPerSeq) throw new InputError(`kv cache: sequence ${b.seqIds[t]!} has no block for position ${pos} (block tables hold ${b.maxBlocksPerSeq} blocks)`);
      this.rowBlocks[row] = Math.max(this.rowBlocks[row]!, blockIndex + 1);
      this.slots[t] = b.blockTables[row * b.maxBlocksPerSeq + blockIndex]! * bs + (pos % bs);
    }
    // Attention reads every block of a row up to its last token's: each must lie in the store.
    for (let row = 0; row < b.nSeqRows; row++) {
      for (let i = 0; i < this.rowBlocks[row]!; i++) {
        const block = b.blockTables[row * b.maxBlocksPerSeq + i]!;
        if (!(block >= 0 && block < this.totalBlocks)) throw new InputError(`kv cache: block table row ${row} names block ${block} at index ${i}, outside the store's ${this.totalBlocks} blocks`);
      }
    }
    return { nTokens: n, blockSize: bs, positions: b.positions, slots: this.slots, tokenSeq: b.seqRows, blockTables: b.blockTables, maxBlocksPerSeq: b.maxBlocksPerSeq };
  }

  /** Copies block src's K and V rows, in every layer, over block dst (the copy of copy-on-write). */
  copyBlock(src: number, dst: number): void {
    for (const id of [src, dst]) if (!(Number.isInteger(id) && id >= 0 && id < this.totalBlocks)) throw new InputError(`kv cache: block ${id} outside the store's ${this.totalBlocks} blocks`);
    const bs = this.blockSize;
    for (let l = 0; l < this.nLayers; l++) {
      this.backend.copyKvSlots(this.k[l]!, src * bs, dst * bs, bs);
      this.backend.copyKvSlots(this.v[l]!, src * bs, dst * bs, bs);
    }
  }
}
