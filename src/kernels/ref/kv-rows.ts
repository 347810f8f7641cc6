import { roundf } from "../../quant/c-math.js";
import { f16ToF32Table, f32ToF16, writeF16 } from "../../quant/half.js";
import { kvRowsType, kvRowUnits, Q8_0_BLOCK, Q8_0_BLOCK_BYTES, type KvRows } from "../kv-layer.js";

const fround = Math.fround;

/**
 * Stores src[srcOff … srcOff + kvDim) as row `slot` of a KV layer in the layer's type: f32 copied; f16 rounded as
 * ggml's GGML_FP32_TO_FP16; q8_0 quantized block by block as ggml's quantize_row_q8_0_ref (d = amax / 127 stored as
 * f16, q = roundf(x · (1/d)) with the float32 d before rounding, as ggml does).
 */
export function writeKvRow(layer: KvRows, slot: number, kvDim: number, src: Float32Array, srcOff: number): void {
  if (layer instanceof Float32Array) {
    const dst = slot * kvDim;
    for (let i = 0; i < kvDim; i++) layer[dst + i] = src[srcOff + i]!;
  } else if (layer instanceof Uint16Array) {
    const dst = slot * kvDim;
    for (let i = 0; i < kvDim; i++) layer[dst + i] = f32ToF16(src[srcOff + i]!);
  } else {
    let b = slot * kvRowUnits("q8_0", kvDim);
    for (let o = srcOff; o < srcOff + kvDim; o += Q8_0_BLOCK, b += Q8_0_BLOCK_BYTES) {
      let amax = 0;
      for (let j = 0; j < Q8_0_BLOCK; j++) amax = Math.max(amax, Math.abs(src[o + j]!));
      const d = fround(amax / 127);
      const id = d ? fround(1 / d) : 0;
      writeF16(layer, b, d);
      for (let j = 0; j < Q8_0_BLOCK; j++) layer[b + 2 + j] = roundf(fround(src[o + j]! * id)) & 0xff;
    }
  }
}

/** Value i of row `slot` (f16 and q8_0 values are exact in float32: a half times an int8 fits 19 bits). */
export function readKvValue(layer: KvRows, slot: number, kvDim: number, i: number): number {
  if (layer instanceof Float32Array) return layer[slot * kvDim + i]!;
  if (layer instanceof Uint16Array) return f16ToF32Table[layer[slot * kvDim + i]!]!;
  const b = slot * kvRowUnits("q8_0", kvDim) + (i >> 5) * Q8_0_BLOCK_BYTES;
  return f16ToF32Table[layer[b]! | (layer[b + 1]! << 8)]! * ((layer[b + 2 + (i & 31)]! << 24) >> 24);
}

/** The first nRows rows of a KV layer as float32 [nRows, kvDim] (for inspection and tests). */
export function dequantizeKvRows(layer: KvRows, kvDim: number, nRows: number): Float32Array {
  const out = new Float32Array(nRows * kvDim);
  if (kvRowsType(layer) === "f32") {
    out.set(layer.subarray(0, nRows * kvDim));
    return out;
  }
  for (let r = 0; r < nRows; r++) for (let i = 0; i < kvDim; i++) out[r * kvDim + i] = readKvValue(layer, r, kvDim, i);
  return out;
}
