// Exact float16 / bfloat16 <-> float32 conversions as ggml does them (ggml-impl.h).

const scratch = new DataView(new ArrayBuffer(4));

export function f32ToBits(f: number): number {
  scratch.setFloat32(0, f, true);
  return scratch.getUint32(0, true);
}

export function bitsToF32(bits: number): number {
  scratch.setUint32(0, bits >>> 0, true);
  return scratch.getFloat32(0, true);
}

function halfBitsToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 31) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/**
 * All 65536 half values as float32 bit patterns (a lookup is the fastest exact conversion in JS). NaN payloads
 * are set as bits, since a NaN passing through a JS number may be quieted.
 */
export const f16ToF32BitsTable: Uint32Array = (() => {
  const table = new Uint32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const isNaN = (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
    table[h] = isNaN ? (((h & 0x8000) << 16) | 0x7f800000 | ((h & 0x3ff) << 13)) >>> 0 : f32ToBits(halfBitsToFloat(h));
  }
  return table;
})();

/** The same table read as float32 values. */
export const f16ToF32Table: Float32Array = new Float32Array(f16ToF32BitsTable.buffer);

export function f16ToF32(h: number): number {
  return f16ToF32Table[h & 0xffff];
}

/** Reads a little-endian float16 at byte `offset` of `src` as a float32 value. */
export function readF16(src: Uint8Array, offset: number): number {
  return f16ToF32Table[src[offset] | (src[offset + 1] << 8)];
}

export function writeF16(dst: Uint8Array, offset: number, value: number): void {
  const h = f32ToF16(value);
  dst[offset] = h & 0xff;
  dst[offset + 1] = h >> 8;
}

const scaleToInf = 2 ** 112;
const scaleToZero = 2 ** -110;

/**
 * float32 -> float16 bits, round-to-nearest-even, NaN -> quiet NaN 0x7E00 with the sign kept: the branch-free
 * scalar path of ggml's ggml_compute_fp32_to_fp16 (FP16 conversion of Maratos), same results as F16C's _cvtss_sh.
 */
export function f32ToF16(f: number): number {
  let base = Math.fround(Math.fround(Math.abs(f) * scaleToInf) * scaleToZero);
  const w = f32ToBits(f);
  const shl1w = (w + w) >>> 0;
  const sign = w & 0x80000000;
  let bias = (shl1w & 0xff000000) >>> 0;
  if (bias < 0x71000000) bias = 0x71000000;
  base = Math.fround(bitsToF32(((bias >>> 1) + 0x07800000) >>> 0) + base);
  const bits = f32ToBits(base);
  const expBits = (bits >>> 13) & 0x7c00;
  const mantissaBits = bits & 0x0fff;
  const nonsign = expBits + mantissaBits;
  return ((sign >>> 16) | (shl1w > 0xff000000 ? 0x7e00 : nonsign)) & 0xffff;
}

/** Rounds a float32 value to the nearest float16 and back (ggml's GGML_FP16_TO_FP32(GGML_FP32_TO_FP16(x))). */
export function roundToF16(f: number): number {
  return f16ToF32Table[f32ToF16(f)];
}

/** bfloat16 bits -> float32: the bits are the top half of a float32. */
export function bf16ToF32(h: number): number {
  return bitsToF32((h & 0xffff) << 16);
}

/** float32 -> bfloat16 bits as ggml_compute_fp32_to_bf16: NaN forced quiet, otherwise round-to-nearest-even. */
export function f32ToBf16(f: number): number {
  const u = f32ToBits(f);
  if ((u & 0x7fffffff) >>> 0 > 0x7f800000) return ((u >>> 16) | 64) & 0xffff;
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}
