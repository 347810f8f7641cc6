// What the attention kernels (attention-rows.ts, kv-attention.ts) share. Each is causal
// multi-head attention over the paged KV cache, one pass over K and V with the online softmax (Milakov & Gimelshein
// 2018): a running maximum m and denominator l, the output rescaled when m grows. GQA reads KV head
// h / (nHeads / nKvHeads). `params` (i32 words): nHeads, nKvHeads, headDim (a multiple of 4), scale (f32 bits),
// softcap (f32 bits, 0 = none), window (0 = unlimited), blockSize, maxBlocksPerSeq, then the positions, tokenSeq and
// blockTables pointers (usize words: 4 bytes in the wasm32 build, 8 in the memory64 one), then attention-rows.ts's
// headsPerUnit and attention-prefill.ts's nTokens (src/kernels/wasm/attention-stage.ts writes them). Scores are
// softcap(scale · q·k); as in kernels/ref/attention.ts.

// Byte offsets of the params fields from the pointers on.
export const P_POSITIONS: usize = 32;
export const P_TOKEN_SEQ: usize = 32 + sizeof<usize>();
export const P_BLOCK_TABLES: usize = 32 + 2 * sizeof<usize>();
export const P_HEADS_PER_UNIT: usize = 32 + 3 * sizeof<usize>();
export const P_N_TOKENS: usize = 36 + 3 * sizeof<usize>();

// The online softmax's correction when the running maximum grows by −delta: the output row (n bytes) times
// e^delta; returns e^delta for the denominator.
@inline export function rescaleRow(oRow: usize, n: usize, delta: f32): f32 {
  const c = Mathf.exp(delta);
  const cv = f32x4.splat(c);
  for (let d: usize = 0; d < n; d += 16) v128.store(oRow + d, f32x4.mul(v128.load(oRow + d), cv));
  return c;
}
