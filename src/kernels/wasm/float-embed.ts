import type { GgmlTypeName } from "../../quant/ggml-type.js";
import { ScratchRegion, type WasmArena } from "./wasm-arena.js";
import type { KernelFn } from "./wasm-thread-pool.js";
import type { WasmWeight } from "./wasm-weight.js";

/** assembly/embed.ts's codes for the float types it looks rows up in. */
const EMBED_KIND: Partial<Record<GgmlTypeName, number>> = { F32: 0, F16: 1, BF16: 2 };

/** What FloatEmbed reads of a weight. */
type FloatRows = Pick<WasmWeight, "type" | "rows" | "cols" | "ptr" | "sparse">;

/**
 * The token embedding lookup of F32, F16 and BF16 rows in wasm (assembly/embed.ts), on the calling thread. It also
 * writes back the subnormals split out of F16 rows at load (f16-weights.ts), which the stored bytes no longer hold,
 * so an output outside wasm memory is staged in it and copied out.
 */
export class FloatEmbed {
  private readonly ids: ScratchRegion;
  private readonly stage: ScratchRegion;

  constructor(private readonly arena: WasmArena, private readonly exports: Record<string, KernelFn>) {
    this.ids = new ScratchRegion(arena);
    this.stage = new ScratchRegion(arena);
  }

  /** out[t, :] = row ids[t] of w; false when w is not a float type (the caller looks it up another way). */
  run(out: Float32Array, w: FloatRows, ids: Int32Array, nTokens: number): boolean {
    const kind = EMBED_KIND[w.type];
    if (kind === undefined) return false;
    const n = nTokens * w.cols;
    const outside = this.arena.addressOf(out) < 0;
    const oPtr = outside ? this.stage.ensure(n * 4) : this.arena.addressOf(out);
    const idsPtr = this.ids.ensure(nTokens * 4);
    const words = this.ids.words;
    for (let t = 0; t < nTokens; t++) {
      const id = ids[t]!;
      if (id < 0 || id >= w.rows) throw new RangeError(`embed: token id ${id} outside the vocabulary [0, ${w.rows})`);
      words[t] = id;
    }
    this.exports["embedFloat"]!(w.ptr, kind, w.cols, idsPtr, nTokens, oPtr, w.sparse);
    if (outside) out.set(this.arena.f32(oPtr, n));
    return true;
  }
}
