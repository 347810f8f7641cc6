import { nearestInt } from "../../quant/c-math.js";
import { roundToF16 } from "../../quant/half.js";
import { q8_kTraits } from "../../quant/q8_k.js";

const fround = Math.fround;

/** The 8-bit activation formats of llama.cpp's CPU integer dot products (a weight type's vec_dot_type). */
export type ActivationQuant = "Q8_0" | "Q8_K";

/**
 * The activations `x` [nTokens, cols] as llama.cpp's CPU backend quantizes them before an integer dot product,
 * returned dequantized (scale × code), so a float product with them is what the integer kernels compute.
 * Q8_0: blocks of 32, d = absmax/127 stored as f16, codes nearest_int(x · 127/absmax) (to nearest even, |code| ≤ 127 well inside its range) (ggml's x86
 * quantize_row_q8_0). Q8_K: blocks of 256, ggml's quantize_row_q8_K_ref. `cols` must be a multiple of the block.
 */
export function refQuantizeActivations(kind: ActivationQuant, x: Float32Array, nTokens: number, cols: number): Float32Array {
  const n = nTokens * cols;
  const out = new Float32Array(n);
  if (kind === "Q8_K") {
    const blocks = new Uint8Array((n / 256) * 292);
    q8_kTraits.quantize!(x.subarray(0, n), blocks, n);
    q8_kTraits.dequantize(blocks, out, n);
    return out;
  }
  for (let o = 0; o < n; o += 32) {
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[o + j]!));
    const d = roundToF16(fround(amax / 127));
    const id = amax !== 0 ? fround(127 / amax) : 0;
    for (let j = 0; j < 32; j++) out[o + j] = d * nearestInt(fround(x[o + j]! * id));
  }
  return out;
}
