import { quantizeQkxK } from "./qkx-k-quantize.js";

// ggml-quants.c quantize_row_q4_K_ref (what quantize_q4_K runs without an importance matrix).
export function quantizeQ4K(src: Float32Array, dst: Uint8Array, n: number): void {
  quantizeQkxK(src, dst, n, 4);
}
