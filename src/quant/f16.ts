import { ggmlTypeRow } from "./ggml-type.js";
import { f16ToF32BitsTable, f32ToF16 } from "./half.js";
import type { QuantTraits } from "./traits.js";

// F16: IEEE half precision, little-endian; converted as ggml's GGML_FP16_TO_FP32 / GGML_FP32_TO_FP16.
export const f16Traits: QuantTraits = {
  ...ggmlTypeRow("F16"),
  dequantize(src, dst, n, srcOffset = 0, dstOffset = 0) {
    const bits = new Uint32Array(dst.buffer, dst.byteOffset + 4 * dstOffset, n);
    for (let i = 0; i < n; i++) bits[i] = f16ToF32BitsTable[src[srcOffset + 2 * i] | (src[srcOffset + 2 * i + 1] << 8)];
  },
  quantize(src, dst, n) {
    for (let i = 0; i < n; i++) {
      const h = f32ToF16(src[i]);
      dst[2 * i] = h & 0xff;
      dst[2 * i + 1] = h >> 8;
    }
  },
};
