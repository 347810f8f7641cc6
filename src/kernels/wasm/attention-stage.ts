import type { AttentionParams, KvBatchView } from "../backend.js";
import { attentionHeadsPerUnit, isPrefillBatch } from "./attention-units.js";
import { ScratchRegion, type WasmArena } from "./wasm-arena.js";
import type { KernelFn, WasmThreadPool } from "./wasm-thread-pool.js";

// The attention kernels' params (assembly/attention.ts): 8 int32 words, the positions, tokenSeq and blockTables
// pointers (usize: one word each in a 32-bit memory, two in a memory64 one), then attentionRows' headsPerUnit and the
// batch's token count (attentionPrefill).
const POINTERS_AT = 8;

/** The cache layer's element type, from its array class: f32, f16 (halves) or q8_0 (blocks). */
export type KvElement = "f32" | "f16" | "q8_0";

/**
 * Runs attention over the paged KV cache in wasm: writes the params block and the batch's positions, sequences and
 * block tables into wasm memory, then picks the kernel: q8_0 cache (assembly/kv-attention.ts), f32 prompt chunks
 * four consecutive tokens at a time (attention-prefill.ts), else token by token in tiles of keys, scores then
 * weights then values, GQA heads paired over each K/V load (attention-rows.ts, f32 or f16).
 */
export class AttentionStage {
  private readonly rowsOp: number;
  private readonly rowsF16Op: number;
  private readonly prefillOp: number;
  private readonly q8Op: number;
  private readonly index: ScratchRegion;
  private readonly slots: ScratchRegion;
  private readonly paramsPtr: number;
  private readonly params: Int32Array;
  private readonly paramsF: Float32Array;
  /** Words per pointer, and the word of headsPerUnit (nTokens follows it). */
  private readonly ptrWords: number;
  private readonly headsPerUnitAt: number;

  constructor(private readonly arena: WasmArena, private readonly pool: WasmThreadPool, private readonly prefillSlotBytes: KernelFn,
    private readonly rowsSlotBytes: KernelFn) {
    this.rowsOp = pool.opOf("attentionRows");
    this.rowsF16Op = pool.opOf("attentionRowsF16");
    this.prefillOp = pool.opOf("attentionPrefill");
    this.q8Op = pool.opOf("attentionQ8_0");
    this.index = new ScratchRegion(arena);
    this.slots = new ScratchRegion(arena);
    this.ptrWords = arena.pointerBytes / 4;
    this.headsPerUnitAt = POINTERS_AT + 3 * this.ptrWords;
    const words = this.headsPerUnitAt + 2;
    this.paramsPtr = arena.alloc(words * 4);
    this.params = arena.i32(this.paramsPtr, words);
    this.paramsF = arena.f32(this.paramsPtr, words);
  }

  /** out, q, k and v cache at wasm addresses; the caller has checked the head alignment the element type needs. */
  run(oPtr: number, qPtr: number, kPtr: number, vPtr: number, element: KvElement, p: AttentionParams, kv: KvBatchView): void {
    const nT = kv.nTokens;
    const base = this.index.ensure((2 * nT + kv.blockTables.length) * 4);
    const idx = this.index.words;
    for (let t = 0; t < nT; t++) {
      idx[t] = kv.positions[t]!;
      idx[nT + t] = kv.tokenSeq[t]!;
    }
    idx.set(kv.blockTables, 2 * nT);
    const a = this.params;
    a[0] = p.nHeads; a[1] = p.nKvHeads; a[2] = p.headDim;
    this.paramsF[3] = p.scale; this.paramsF[4] = p.softcap;
    a[5] = p.window; a[6] = kv.blockSize; a[7] = kv.maxBlocksPerSeq;
    const arena = this.arena, pw = this.ptrWords;
    arena.storePointer(a, POINTERS_AT, base);
    arena.storePointer(a, POINTERS_AT + pw, base + nT * 4);
    arena.storePointer(a, POINTERS_AT + 2 * pw, base + 8 * nT);
    a[this.headsPerUnitAt + 1] = nT;
    const pool = this.pool;
    if (element === "q8_0") {
      pool.setArgs(oPtr, qPtr, kPtr, vPtr, this.paramsPtr, this.slots.threadSlots(pool.nThreads, this.rowsSlotBytes(1) as number));
      pool.run(this.q8Op, 6, nT * p.nHeads);
      return;
    }
    if (element === "f32" && p.softcap === 0 && p.headDim % 8 === 0 && isPrefillBatch(kv)) {
      const scratch = this.slots.threadSlots(pool.nThreads, this.prefillSlotBytes(kv.blockSize) as number);
      pool.setArgs(oPtr, qPtr, kPtr, vPtr, this.paramsPtr, scratch);
      pool.run(this.prefillOp, 6, Math.ceil(nT / 4) * p.nHeads);
      return;
    }
    const headsPerUnit = attentionHeadsPerUnit(nT, p.nHeads, p.nKvHeads, pool.nThreads);
    a[this.headsPerUnitAt] = headsPerUnit;
    pool.setArgs(oPtr, qPtr, kPtr, vPtr, this.paramsPtr, this.slots.threadSlots(pool.nThreads, this.rowsSlotBytes(headsPerUnit) as number));
    pool.run(element === "f16" ? this.rowsF16Op : this.rowsOp, 6, (nT * p.nHeads) / headsPerUnit);
  }
}
