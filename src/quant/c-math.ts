// C float semantics that ggml's reference quantizers rely on, reproduced exactly in JS doubles.

/** C's (int8_t) cast of a float: truncation toward zero, then wrap to 8 bits (what x86 compilers emit). */
export function toInt8(x: number): number {
  return (Math.trunc(x) << 24) >> 24;
}

/** C's (uint8_t) cast of a float in [0, 256): truncation toward zero, wrapped to 8 bits. */
export function toUint8(x: number): number {
  return Math.trunc(x) & 0xff;
}

/** C's roundf: half-way cases away from zero. Exact for every float32 since |x| + 0.5 is exact in a double. */
export function roundf(x: number): number {
  return x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5);
}

const magic = 12582912; // 1.5 * 2^23
const magicFloat = new Float32Array(1);
const magicBits = new Int32Array(magicFloat.buffer);

/**
 * ggml-quants.c nearest_int: adds 1.5*2^23 in float32 so the FPU rounds to nearest-even, then reads the low 23
 * mantissa bits. ggml asserts |fval| <= 4194303 only in debug builds, so out-of-range inputs keep the bit trick's
 * result, exactly as a release build computes it.
 */
export function nearestInt(fval: number): number {
  magicFloat[0] = fval + magic;
  return (magicBits[0] & 0x007fffff) - 0x00400000;
}
