import { ggmlTypeRow } from "./ggml-type.js";
import type { QuantTraits } from "./traits.js";

// I8 / I16 / I32: little-endian signed integers, "dequantized" by plain conversion to float32.
function integerTraits(name: "I8" | "I16" | "I32"): QuantTraits {
  const row = ggmlTypeRow(name);
  const bytes = row.bytesPerBlock;
  return {
    ...row,
    dequantize(src, dst, n, srcOffset = 0, dstOffset = 0) {
      const view = new DataView(src.buffer, src.byteOffset + srcOffset, n * bytes);
      for (let i = 0; i < n; i++) {
        dst[dstOffset + i] = bytes === 1 ? view.getInt8(i) : bytes === 2 ? view.getInt16(2 * i, true) : view.getInt32(4 * i, true);
      }
    },
  };
}

export const i8Traits = integerTraits("I8");
export const i16Traits = integerTraits("I16");
export const i32Traits = integerTraits("I32");

// I64: little-endian signed 64-bit integers, converted to the nearest float32.
export const i64Traits: QuantTraits = {
  ...ggmlTypeRow("I64"),
  dequantize(src, dst, n, srcOffset = 0, dstOffset = 0) {
    const view = new DataView(src.buffer, src.byteOffset + srcOffset, n * 8);
    for (let i = 0; i < n; i++) dst[dstOffset + i] = Number(view.getBigInt64(8 * i, true));
  },
};

// F64: little-endian float64, rounded to float32.
export const f64Traits: QuantTraits = {
  ...ggmlTypeRow("F64"),
  dequantize(src, dst, n, srcOffset = 0, dstOffset = 0) {
    const view = new DataView(src.buffer, src.byteOffset + srcOffset, n * 8);
    for (let i = 0; i < n; i++) dst[dstOffset + i] = view.getFloat64(8 * i, true);
  },
};
