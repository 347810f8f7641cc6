import type { KvBatchView } from "../kernels/backend.js";
import { InputError } from "../errors.js";
import { PagedKvCache } from "./paged-kv-cache.js";

/**
 * The paged KV cache's storage addressed through block tables that the engine's PrefixCache owns (blocks shared
 * between sequences, kept after a request ends, evicted LRU). The forward pass calls `prepare` as with
 * PagedKvCache; here it only lays out the slots and block-table rows from the tables set for this step, since the
 * engine has already allocated every block the batch writes (and never writes into a shared block: a shared block
 * is always full and before the positions being computed).
 */
export class PrefixCacheKv extends PagedKvCache {
  private tables = new Map<number, readonly number[]>();
  private viewPositions = new Int32Array(0);
  private viewSlots = new Int32Array(0);
  private viewTokenSeq = new Int32Array(0);
  private readonly viewTables: Int32Array;
  private readonly viewRowSeq: Int32Array;

  constructor(...args: ConstructorParameters<typeof PagedKvCache>) {
    super(...args);
    this.viewTables = new Int32Array(this.maxSeqs * this.maxBlocksPerSeq);
    this.viewRowSeq = new Int32Array(this.maxSeqs);
  }

  /** seqId → physical block ids for the next forward call. */
  setBlockTables(tables: Map<number, readonly number[]>): void {
    this.tables = tables;
  }

  override prepare(seqIds: Int32Array, positions: Int32Array, nTokens: number): KvBatchView {
    if (this.viewSlots.length < nTokens) {
      this.viewPositions = new Int32Array(nTokens);
      this.viewSlots = new Int32Array(nTokens);
      this.viewTokenSeq = new Int32Array(nTokens);
    }
    const bs = this.blockSize;
    let nRows = 0;
    for (let t = 0; t < nTokens; t++) {
      const seqId = seqIds[t];
      const pos = positions[t];
      const table = this.tables.get(seqId);
      const blockIndex = Math.floor(pos / bs);
      if (!table || pos < 0 || pos >= this.ctxLen || blockIndex >= table.length)
        throw new InputError(`kv cache: sequence ${seqId} has no block for position ${pos} (${table?.length ?? 0} blocks, ctxLen ${this.ctxLen})`);
      let row = 0;
      while (row < nRows && this.viewRowSeq[row] !== seqId) row++;
      if (row === nRows) {
        if (nRows === this.maxSeqs) throw new InputError(`kv cache: a batch holds more than maxSeqs = ${this.maxSeqs} sequences`);
        this.viewRowSeq[nRows++] = seqId;
        const base = row * this.maxBlocksPerSeq;
        for (let i = 0; i < table.length; i++) this.viewTables[base + i] = table[i];
      }
      this.viewPositions[t] = pos;
      this.viewSlots[t] = table[blockIndex] * bs + (pos % bs);
      this.viewTokenSeq[t] = row;
    }
    return {
      nTokens,
      blockSize: bs,
      positions: this.viewPositions,
      slots: this.viewSlots,
      tokenSeq: this.viewTokenSeq,
      blockTables: this.viewTables,
      maxBlocksPerSeq: this.maxBlocksPerSeq,
    };
  }
}
