import type { KvBatchView } from "../../src/kernels/backend.js";
import type { KvBatchTables } from "../../src/kv/kv-store.js";

/**
 * A batch of (sequence, position) tokens over shuffled cache blocks, each sequence owning enough blocks for its
 * highest position. nSlots = every slot of the pool.
 */
export function pagedBatch(tokens: [number, number][], blockSize: number, rand: () => number): KvBatchView & { nSlots: number } {
  const maxBlocksPerSeq = Math.ceil((Math.max(...tokens.map(([, p]) => p)) + 1) / blockSize);
  const nBlocks = (Math.max(...tokens.map(([s]) => s)) + 1) * maxBlocksPerSeq;
  const ids = Array.from({ length: nBlocks }, (_, i) => i).sort(() => rand() - 0.5);
  const blockTables = Int32Array.from(ids);
  const slotOf = (seq: number, pos: number): number => blockTables[seq * maxBlocksPerSeq + Math.floor(pos / blockSize)]! * blockSize + (pos % blockSize);
  return {
    nTokens: tokens.length, blockSize,
    positions: Int32Array.from(tokens.map(([, p]) => p)),
    slots: Int32Array.from(tokens.map(([s, p]) => slotOf(s, p))),
    tokenSeq: Int32Array.from(tokens.map(([s]) => s)),
    blockTables, maxBlocksPerSeq, nSlots: nBlocks * blockSize,
  };
}

/**
 * Two sequences over shuffled cache blocks: sequence 0 computes positions 7…10 (a prefill chunk), sequence 1
 * decodes position 17. nSlots = every slot of the pool.
 */
export function scatteredBatch(rand: () => number, blockSize: number): KvBatchView & { nSlots: number } {
  return pagedBatch([[0, 7], [0, 8], [0, 9], [0, 10], [1, 17]], blockSize, rand);
}

/**
 * Four decoding sequences, one token each, at positions past one and two of the decode kernel's 128-key tiles
 * (300: three tiles; 128: a tile and one key; 127: one tile; 3). nSlots = every slot of the pool.
 */
export function longDecodeBatch(rand: () => number, blockSize: number): KvBatchView & { nSlots: number } {
  return pagedBatch([[0, 300], [1, 128], [2, 127], [3, 3]], blockSize, rand);
}

/** A view writing rows 0 … n-1 of a batch into slots 0 … n-1 (one sequence, one block of n). */
export function linearBatch(n: number): KvBatchView {
  return {
    nTokens: n, blockSize: n, positions: Int32Array.from({ length: n }, (_, i) => i), slots: Int32Array.from({ length: n }, (_, i) => i),
    tokenSeq: new Int32Array(n), blockTables: Int32Array.of(0), maxBlocksPerSeq: 1,
  };
}

/**
 * Where (row, position) tokens live for a KvStore: row r of the block tables is `tables[r]`, padded to
 * maxBlocksPerSeq; seqIds are the row numbers.
 */
export function tablesBatch(tables: readonly (readonly number[])[], tokens: [row: number, pos: number][], maxBlocksPerSeq: number): KvBatchTables {
  const blockTables = new Int32Array(tables.length * maxBlocksPerSeq).fill(-1);
  tables.forEach((t, r) => blockTables.set(t, r * maxBlocksPerSeq));
  return {
    nTokens: tokens.length,
    positions: Int32Array.from(tokens, ([, p]) => p),
    seqIds: Int32Array.from(tokens, ([r]) => r),
    seqRows: Int32Array.from(tokens, ([r]) => r),
    nSeqRows: tables.length,
    blockTables,
    maxBlocksPerSeq,
  };
}
