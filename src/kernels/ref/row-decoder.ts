import type { GgmlTypeName } from "../../quant/ggml-type.js";
import { quantTraits } from "../../quant/registry.js";

/** Decodes row r of a stored [rows, cols] matrix into dst[0..cols). */
export type RowDecoder = (bytes: Uint8Array, r: number, cols: number, dst: Float32Array) => void;

let f16Table: Float32Array | undefined;

/** All 65536 half-precision values as float32 (IEEE 754 binary16: subnormals, infinities and NaN included). */
export function f16ToF32Table(): Float32Array {
  if (f16Table) return f16Table;
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) table[h] = sign * frac * 2 ** -24;
    else if (exp === 31) table[h] = frac ? NaN : sign * Infinity;
    else table[h] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  f16Table = table;
  return table;
}

function decodeF32(bytes: Uint8Array, r: number, cols: number, dst: Float32Array): void {
  const start = bytes.byteOffset + r * cols * 4;
  if (start % 4 === 0) dst.set(new Float32Array(bytes.buffer, start, cols));
  else {
    const view = new DataView(bytes.buffer, start, cols * 4);
    for (let i = 0; i < cols; i++) dst[i] = view.getFloat32(i * 4, true);
  }
}

function decodeF16(bytes: Uint8Array, r: number, cols: number, dst: Float32Array): void {
  const table = f16ToF32Table();
  let o = r * cols * 2;
  for (let i = 0; i < cols; i++, o += 2) dst[i] = table[bytes[o]! | (bytes[o + 1]! << 8)]!;
}

const bf16Scratch = new Uint32Array(1);
const bf16View = new Float32Array(bf16Scratch.buffer);

function decodeBf16(bytes: Uint8Array, r: number, cols: number, dst: Float32Array): void {
  let o = r * cols * 2;
  for (let i = 0; i < cols; i++, o += 2) {
    bf16Scratch[0] = ((bytes[o]! | (bytes[o + 1]! << 8)) << 16) >>> 0;
    dst[i] = bf16View[0]!;
  }
}

/** The reference row decoder for a stored type: float types directly, block types through their traits' dequantize. */
export function rowDecoder(type: GgmlTypeName): RowDecoder {
  if (type === "F32") return decodeF32;
  if (type === "F16") return decodeF16;
  if (type === "BF16") return decodeBf16;
  // Block types: ggml's reference dequantize (quant/registry) per row; throws for types tsinfer cannot decode.
  const { blockSize, bytesPerBlock, dequantize } = quantTraits(type);
  return (bytes, r, cols, dst) => {
    const rowBytes = (cols / blockSize) * bytesPerBlock;
    dequantize(bytes.subarray(r * rowBytes, (r + 1) * rowBytes), dst, cols);
  };
}
