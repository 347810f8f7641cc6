import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createRefBackend } from "../../src/kernels/ref/index.js";
import { ContextOverflowError, KvCacheFullError, PagedKvCache } from "../../src/kv/index.js";
import { loadModel, type ForwardBatch } from "../../src/model/index.js";
import { readF32 } from "./helpers.js";

const backend = createRefBackend();

describe("PagedKvCache accounting", () => {
  const make = () => new PagedKvCache(backend, { nLayers: 2, nKvHeads: 2, headDim: 8, ctxLen: 10, maxSeqs: 2, capacityTokens: 16, blockSize: 4 });

  it("sizes blocks, bytes per token and capacity", async () => {
    const kv = make();
    expect(kv.bytesPerToken).toBe(2 * 2 * 2 * 8 * 4); // K and V × layers × KV heads × head_dim × f32
    expect(kv.totalBlocks).toBe(4);
    expect(kv.capacityTokens).toBe(16);
    expect(kv.totalBytes).toBe(16 * 256);
    expect(kv.maxBlocksPerSeq).toBe(3);
    expect([kv.k[0]!.type, kv.k[0]!.nSlots, kv.k[0]!.kvDim]).toEqual(["f32", 16, 16]);
    expect((await backend.readKvLayer(kv.k[0]!)).byteLength).toBe(16 * 16 * 4);
  });

  it("allocates blocks as positions grow, maps slots through the block table, frees", () => {
    const kv = make();
    const view = kv.prepare(new Int32Array([5, 5, 9]), new Int32Array([0, 4, 0]), 3);
    expect(kv.usedBlocks).toBe(3);
    expect(kv.blockTable(5)).toEqual([0, 1]);
    expect(kv.blockTable(9)).toEqual([2]);
    expect([...view.slots.subarray(0, 3)]).toEqual([0, 4, 8]);
    expect([...view.tokenSeq.subarray(0, 3)]).toEqual([0, 0, 1]);
    expect(kv.seqLength(5)).toBe(5);
    expect(kv.usedBytes).toBe(3 * 4 * 256);
    kv.freeSeq(5);
    expect(kv.usedBlocks).toBe(1);
    expect(kv.hasSeq(5)).toBe(false);
  });

  it("refuses positions past ctxLen and a full pool with typed errors", () => {
    const kv = make();
    expect(() => kv.prepare(new Int32Array([1]), new Int32Array([10]), 1)).toThrow(ContextOverflowError);
    kv.prepare(new Int32Array([1, 1, 2]), new Int32Array([0, 9, 0]), 3); // seq 1 holds 3 blocks, seq 2 one
    expect(kv.freeBlocks).toBe(0);
    expect(() => kv.prepare(new Int32Array([2]), new Int32Array([4]), 1)).toThrow(KvCacheFullError);
    // A refused batch changes nothing: seq 3's first token would fit, its second does not.
    kv.freeSeq(2);
    expect(() => kv.prepare(new Int32Array([3, 3]), new Int32Array([0, 4]), 2)).toThrow(KvCacheFullError);
    expect(kv.hasSeq(3)).toBe(false);
    expect(kv.freeBlocks).toBe(1);
    expect(() => kv.prepare(new Int32Array([1, 2, 3]), new Int32Array([1, 1, 1]), 3)).toThrow(/maxSeqs = 2/);
  });

  it("fork shares blocks; a write into a shared block copies it first; truncate releases", async () => {
    const kv = make();
    kv.prepare(new Int32Array([1, 1]), new Int32Array([0, 1]), 2);
    const layer0 = new Float32Array(16 * 16).fill(3, 0, 64); // block 0's data in layer 0 (blockSize 4 × kvDim 16)
    backend.writeKvLayer(kv.k[0]!, new Uint8Array(layer0.buffer));
    kv.forkSeq(1, 2);
    expect(kv.usedBlocks).toBe(1);
    expect(kv.blockTable(2)).toEqual([0]);
    const view = kv.prepare(new Int32Array([2]), new Int32Array([2]), 1);
    expect(kv.blockTable(2)).toEqual([1]);
    expect(kv.blockTable(1)).toEqual([0]);
    expect(view.slots[0]).toBe(4 + 2);
    const after = new Float32Array((await backend.readKvLayer(kv.k[0]!)).buffer);
    expect([...after.subarray(64, 128)].every((x) => x === 3)).toBe(true); // the shared block was copied
    kv.prepare(new Int32Array([1]), new Int32Array([6]), 1);
    kv.truncateSeq(1, 3);
    expect(kv.blockTable(1)).toEqual([0]);
    expect(kv.seqLength(1)).toBe(3);
    expect(kv.blocksNeeded(1, 9)).toBe(2);
  });
});

describe("one batch mixes sequences, prefill chunks and decode tokens", () => {
  // Every row of every step is checked against transformers' logits for the same position (tests/fixtures/arch/llama).
  const dir = "tests/fixtures/arch/llama";
  const ref = JSON.parse(readFileSync(`${dir}/reference.json`, "utf8")) as { input_ids: number[] };
  const expected = readF32(`${dir}/logits.f32`);
  const ids = ref.input_ids;
  const model = loadModel(dir);
  const vocab = model.config.vocabSize;

  async function step(kv: PagedKvCache, parts: [seqId: number, start: number, end: number][]): Promise<number> {
    const rows = parts.flatMap(([seq, start, end]) => Array.from({ length: end - start }, (_, i) => [seq, start + i] as const));
    const batch: ForwardBatch = {
      nTokens: rows.length,
      tokens: Int32Array.from(rows, ([, p]) => ids[p]!),
      positions: Int32Array.from(rows, ([, p]) => p),
      seqIds: Int32Array.from(rows, ([s]) => s),
      logitRows: Int32Array.from(rows, (_, i) => i),
      nLogitRows: rows.length,
    };
    const logits = await model.forward(batch, kv);
    let worst = 0;
    rows.forEach(([, p], i) => {
      for (let v = 0; v < vocab; v++) worst = Math.max(worst, Math.abs(logits[i * vocab + v]! - expected[p * vocab + v]!));
    });
    return worst;
  }

  it("matches per position across interleaved sequences and a copy-on-write fork", async () => {
    const kv = model.createKvCache({ ctxLen: 24, maxSeqs: 3, blockSize: 4 });
    const errors = [
      await step(kv, [[10, 0, 10], [20, 0, 3]]),
      await step(kv, [[10, 10, 11], [20, 3, 15]]),
    ];
    kv.forkSeq(10, 30); // seq 10 holds 11 positions: its third block is half full and now shared
    errors.push(await step(kv, [[30, 11, 13], [10, 11, 12], [20, 15, 16]]));
    errors.push(await step(kv, [[10, 12, 24], [30, 13, 24], [20, 16, 24]]));
    for (const e of errors) expect(e).toBeLessThanOrEqual(1e-3);
    expect(kv.seqLength(30)).toBe(24);
  });
});
