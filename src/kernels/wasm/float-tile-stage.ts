import { ScratchRegion, type WasmArena } from "./wasm-arena.js";
import type { KernelFn, WasmThreadPool } from "./wasm-thread-pool.js";

/**
 * Token groups per thread's share of the packing: a decoding batch's one to four groups (up to 16 tokens, 16 KB at
 * 256 columns) are packed on the calling thread, where a dispatch to the pool cost more than the copy.
 */
const PACK_GRAIN = 4;

/**
 * What the float products (assembly/matmul-float.ts) read besides weights and activations from four tokens on: the
 * activations packed in 4-token groups (packTokens4, split across the pool by groups) and one scratch slot per
 * thread (ScratchRegion.threadSlots).
 */
export class FloatTileStage {
  /** Address of the packed groups and of the scratch region for the next product (0 below four tokens). */
  xp = 0;
  scratch = 0;
  private readonly groups: ScratchRegion;
  private readonly slots: ScratchRegion;
  private readonly packOp: number;

  constructor(arena: WasmArena, private readonly pool: WasmThreadPool, private readonly slotBytes: KernelFn) {
    this.groups = new ScratchRegion(arena);
    this.slots = new ScratchRegion(arena);
    this.packOp = pool.opOf("packTokens4");
  }

  /** Packs x [nTokens, cols] (at xPtr) for a product with nTokens tokens. */
  prepare(xPtr: number, cols: number, nTokens: number): void {
    if (nTokens < 4) {
      this.xp = this.scratch = 0;
      return;
    }
    const groups = Math.ceil(nTokens / 4);
    this.xp = this.groups.ensure(groups * Math.ceil(cols / 4) * 64);
    this.pool.setArgs(xPtr, this.xp, cols, nTokens, 0, 0);
    this.pool.run(this.packOp, 6, groups, PACK_GRAIN);
    this.scratch = this.slots.threadSlots(this.pool.nThreads, this.slotBytes(cols) as number);
  }
}
