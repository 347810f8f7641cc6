import type { BatchModel, ForwardBatch } from "../../src/engine/batch-model.js";

/**
 * A stand-in for the forward pass, for scheduler unit tests only: the "next token" after token t is
 * (t + 1) mod vocabSize, and every batch it was given is recorded. It checks that each row's position is
 * covered by the sequence's block table, as a paged KV cache would.
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
      const table = b.blockTables.get(b.seqIds[r]);
      if (!table || table.length <= Math.floor(b.positions[r] / this.blockSize)) throw new Error(`row ${r}: position ${b.positions[r]} has no KV block`);
      seqs.set(b.seqIds[r], (seqs.get(b.seqIds[r]) ?? 0) + 1);
    }
    this.batches.push({ nTokens: b.nTokens, seqs });
    this.out.fill(0);
    for (let k = 0; k < b.nLogitRows; k++) this.out[k * this.vocabSize + ((b.tokens[b.logitRows[k]] + 1) % this.vocabSize)] = 10;
    return this.out.subarray(0, b.nLogitRows * this.vocabSize);
  }
}
