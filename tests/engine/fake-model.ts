import type { BatchModel } from "../../src/engine/batch-model.js";
import type { ForwardBatch } from "../../src/model/forward-batch.js";

/**
 * A stand-in for the forward pass, for scheduler unit tests only: the "next token" after token t is
 * (t + 1) mod vocabSize, and every batch it was given is recorded. It checks that each row's position is
 * covered by its sequence's block table with blocks of the store, as a paged KV store would.
 */
export class CountingModel implements BatchModel {
  readonly batches: { nTokens: number; seqs: Map<number, number> }[] = [];
  private readonly out: Float32Array;

  constructor(
    readonly vocabSize: number,
    readonly ctxLen: number,
    readonly blockSize: number,
    readonly numBlocks: number,
  ) {
    this.out = new Float32Array(64 * vocabSize);
  }

  async forward(b: ForwardBatch): Promise<Float32Array> {
    const seqs = new Map<number, number>();
    for (let r = 0; r < b.nTokens; r++) {
      const blockIndex = Math.floor(b.positions[r] / this.blockSize);
      const block = blockIndex < b.maxBlocksPerSeq ? b.blockTables[b.seqRows[r] * b.maxBlocksPerSeq + blockIndex] : -1;
      if (!(b.seqRows[r] < b.nSeqRows && block >= 0 && block < this.numBlocks)) throw new Error(`row ${r}: position ${b.positions[r]} has no KV block`);
      seqs.set(b.seqIds[r], (seqs.get(b.seqIds[r]) ?? 0) + 1);
    }
    this.batches.push({ nTokens: b.nTokens, seqs });
    this.out.fill(0);
    for (let k = 0; k < b.nLogitRows; k++) this.out[k * this.vocabSize + ((b.tokens[b.logitRows[k]] + 1) % this.vocabSize)] = 10;
    return this.out.subarray(0, b.nLogitRows * this.vocabSize);
  }
}
