import { ggmlTypeRow } from "./ggml-type.js";
import { f32ToBf16 } from "./half.js";
import type { QuantTraits } from "./traits.js";

// BF16: the top 16 bits of a float32, little-endian; quantized as ggml_compute_fp32_to_bf16.
export const bf16Traits: QuantTraits = {
  ...ggmlTypeRow("BF16"),
  dequantize(src, dst, n, srcOffset = 0, dstOffset = 0) {
    // Written as bits so NaN payloads survive (a NaN passing through a JS number may be quieted).
    const bits = new Uint32Array(dst.buffer, dst.byteOffset + 4 * dstOffset, n);
    for (let i = 0; i < n; i++) bits[i] = ((src[srcOffset + 2 * i] << 16) | (src[srcOffset + 2 * i + 1] << 24)) >>> 0;
  },
  quantize(src, dst, n) {
    for (let i = 0; i < n; i++) {
      const h = f32ToBf16(src[i]);
      dst[2 * i] = h & 0xff;
      dst[2 * i + 1] = h >> 8;
    }
  },
};
