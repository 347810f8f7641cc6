import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createRefBackend } from "../../src/kernels/ref/index.js";
import { KvStore, PrefixCache } from "../../src/kv/index.js";
import { loadModel, type ForwardBatch } from "../../src/model/index.js";
import { readF32 } from "./helpers.js";

const backend = createRefBackend();

describe("KvStore accounting", () => {
  it("sizes blocks, bytes per token and capacity", async () => {
    const kv = new KvStore(backend, { nLayers: 2, nKvHeads: 2, headDim: 8, ctxLen: 10, capacityTokens: 16, blockSize: 4 });
    expect(kv.bytesPerToken).toBe(2 * 2 * 2 * 8 * 4); // K and V × layers × KV heads × head_dim × f32
    expect(kv.totalBlocks).toBe(4);
    expect(kv.capacityTokens).toBe(16);
    expect(kv.totalBytes).toBe(16 * 256);
    expect(kv.maxBlocksPerSeq).toBe(3);
    expect([kv.k[0]!.type, kv.k[0]!.nSlots, kv.k[0]!.kvDim]).toEqual(["f32", 16, 16]);
    expect((await backend.readKvLayer(kv.k[0]!)).byteLength).toBe(16 * 16 * 4);
    expect(new KvStore(backend, { nLayers: 1, nKvHeads: 1, headDim: 8, ctxLen: 10, blockSize: 4 }).capacityTokens).toBe(12); // default: one sequence
    expect(() => new KvStore(backend, { nLayers: 1, nKvHeads: 1, headDim: 8, ctxLen: 0 })).toThrow(/ctxLen = 0 must be a positive integer/);
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

  /** One step: the rows of each [sequence, start, end) part; each sequence's blocks come from the prefix cache. */
  async function step(kv: KvStore, cache: PrefixCache, tables: Map<number, number[]>, parts: [seqId: number, start: number, end: number][]): Promise<number> {
    const rows = parts.flatMap(([seq, start, end], r) => Array.from({ length: end - start }, (_, i) => [seq, start + i, r] as const));
    const width = kv.maxBlocksPerSeq;
    const blockTables = new Int32Array(parts.length * width);
    parts.forEach(([seq, , end], r) => {
      const table = tables.get(seq) ?? [];
      tables.set(seq, table);
      expect(cache.allocate(table, Math.ceil(end / kv.blockSize) - table.length)).toBe(true);
      // The block this part writes first may be shared (a fork): copy it before it is written.
      expect(cache.prepareWrite(table, Math.floor(parts[r]![1] / kv.blockSize), (src, dst) => kv.copyBlock(src, dst))).toBe(true);
      blockTables.set(table, r * width);
    });
    const batch: ForwardBatch = {
      nTokens: rows.length,
      tokens: Int32Array.from(rows, ([, p]) => ids[p]!),
      positions: Int32Array.from(rows, ([, p]) => p),
      seqIds: Int32Array.from(rows, ([s]) => s),
      seqRows: Int32Array.from(rows, ([, , r]) => r),
      nSeqRows: parts.length,
      blockTables,
      maxBlocksPerSeq: width,
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
    const kv = model.createKvStore({ ctxLen: 24, capacityTokens: 72, blockSize: 4 });
    const cache = new PrefixCache(kv.totalBlocks, kv.blockSize);
    const tables = new Map<number, number[]>();
    const errors = [
      await step(kv, cache, tables, [[10, 0, 10], [20, 0, 3]]),
      await step(kv, cache, tables, [[10, 10, 11], [20, 3, 15]]),
    ];
    tables.set(30, cache.fork(tables.get(10)!)); // seq 10 holds 11 positions: its third block is half full and now shared
    const shared = tables.get(10)![2]!;
    errors.push(await step(kv, cache, tables, [[30, 11, 13], [10, 11, 12], [20, 15, 16]]));
    expect(tables.get(30)![2]).not.toBe(shared); // seq 30 wrote into a copy
    expect(tables.get(10)![2]).toBe(shared); // and seq 10, then alone, into the original
    expect(tables.get(30)!.slice(0, 2)).toEqual(tables.get(10)!.slice(0, 2)); // the full blocks stay shared
    errors.push(await step(kv, cache, tables, [[10, 12, 24], [30, 13, 24], [20, 16, 24]]));
    for (const e of errors) expect(e).toBeLessThanOrEqual(1e-3);
    for (const t of tables.values()) cache.release(t);
    expect(cache.stats().usedBlocks).toBe(0);
  });
});
