import { ggmlTypeRow } from "./ggml-type.js";
import type { QuantTraits } from "./traits.js";

// F32: plain little-endian float32, one value per 4-byte "block".
export const f32Traits: QuantTraits = {
  ...ggmlTypeRow("F32"),
  dequantize(src, dst, n, srcOffset = 0, dstOffset = 0) {
    const view = new DataView(src.buffer, src.byteOffset + srcOffset, n * 4);
    for (let i = 0; i < n; i++) dst[dstOffset + i] = view.getFloat32(i * 4, true);
  },
  quantize(src, dst, n) {
    const view = new DataView(dst.buffer, dst.byteOffset, n * 4);
    for (let i = 0; i < n; i++) view.setFloat32(i * 4, src[i], true);
  },
};
