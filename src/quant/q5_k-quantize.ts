import { quantizeQkxK } from "./qkx-k-quantize.js";

// ggml-quants.c quantize_row_q5_K_ref (what quantize_q5_K runs without an importance matrix).
export function quantizeQ5K(src: Float32Array, dst: Uint8Array, n: number): void {
  quantizeQkxK(src, dst, n, 5);
}
