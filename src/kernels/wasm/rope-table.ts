import type { WasmArena } from "./wasm-arena.js";
import { ScratchRegion } from "./wasm-arena.js";

/**
 * The cos and sin of every token's rotation angles for assembly/rope.ts, in float64 and already times attnFactor,
 * computed as the reference does (angle = position · invFreq[i], Math.cos / Math.sin). A forward pass applies RoPE to
 * q and k of every layer at the same positions, so the last table is kept and reused while the positions, the
 * frequencies (the same array), nRot and attnFactor are unchanged: one set of cos/sin per pass instead of one per call.
 */
export class RopeTable {
  private readonly region: ScratchRegion;
  private table: Float64Array<ArrayBufferLike> = new Float64Array(0);
  private positions = new Int32Array(0);
  private nTokens = -1;
  private invFreq: Float32Array | null = null;
  private nRot = 0;
  private attnFactor = Number.NaN;

  constructor(arena: WasmArena) {
    this.region = new ScratchRegion(arena);
  }

  /** Address of the table [nTokens][nRot/2][cos, sin] (float64) for these positions. */
  prepare(positions: Int32Array, nTokens: number, invFreq: Float32Array, nRot: number, attnFactor: number): number {
    const half = nRot / 2;
    const region = this.region;
    const ptr = region.ensure(nTokens * half * 16);
    if (this.table.buffer !== region.words.buffer || this.table.byteOffset !== ptr) {
      // The region grew (rare): view it anew, and forget the table it held.
      this.table = new Float64Array(region.words.buffer, ptr, region.sizeBytes >> 3);
      this.nTokens = -1;
    }
    if (this.matches(positions, nTokens, invFreq, nRot, attnFactor)) return ptr;
    if (this.positions.length < nTokens) this.positions = new Int32Array(Math.max(nTokens, 2 * this.positions.length));
    const table = this.table;
    for (let t = 0; t < nTokens; t++) {
      const pos = positions[t]!;
      this.positions[t] = pos;
      for (let i = 0; i < half; i++) {
        const angle = pos * invFreq[i]!;
        table[2 * (t * half + i)] = Math.cos(angle) * attnFactor;
        table[2 * (t * half + i) + 1] = Math.sin(angle) * attnFactor;
      }
    }
    this.nTokens = nTokens;
    this.invFreq = invFreq;
    this.nRot = nRot;
    this.attnFactor = attnFactor;
    return ptr;
  }

  private matches(positions: Int32Array, nTokens: number, invFreq: Float32Array, nRot: number, attnFactor: number): boolean {
    if (nTokens !== this.nTokens || invFreq !== this.invFreq || nRot !== this.nRot || attnFactor !== this.attnFactor) return false;
    for (let t = 0; t < nTokens; t++) if (positions[t] !== this.positions[t]) return false;
    return true;
  }
}
