import type { KernelBackend, Tensor, Weight } from "../kernels/backend.js";
import type { BlockContext } from "./block-context.js";

function project(b: KernelBackend, out: Tensor, inp: Tensor, w: Weight, bias: Tensor | null, n: number): void {
  b.matmul(out, inp, w, n);
  if (bias) b.addRows(out, bias, n, w.rows);
}

/** Q/K norm: per head when the weight has headDim entries (Qwen 3, Gemma 3), over the whole projection otherwise (OLMo 2). */
function qkNorm(c: BlockContext, x: Tensor, w: Tensor, width: number): void {
  c.backend.rmsNorm(x, x, w, (c.nTokens * width) / w.length, w.length, c.config.normEps, false);
}

/**
 * Self-attention over the paged KV cache: project Q, K, V (separate or fused, optional biases and Q/K norms),
 * rotate Q and K, append K and V to the cache, attend, project out.
 */
export function attention(c: BlockContext, out: Tensor, inp: Tensor): void {
  const { backend: b, config, s, nTokens: n, w, kv, hook, layer } = c;
  const { nHeads, nKvHeads, headDim } = config;
  const qDim = nHeads * headDim;
  const kvDim = nKvHeads * headDim;

  if (w.attnQkv) {
    // Fused projection [n, qDim + 2·kvDim], split into Q [n, qDim], K [n, kvDim], V [n, kvDim].
    project(b, s.qkv, inp, w.attnQkv, w.attnQkvBias, n);
    const row = qDim + 2 * kvDim;
    b.copyColumns(s.q, s.qkv, n, row, 0, qDim);
    b.copyColumns(s.k, s.qkv, n, row, qDim, kvDim);
    b.copyColumns(s.v, s.qkv, n, row, qDim + kvDim, kvDim);
  } else {
    project(b, s.q, inp, w.attnQ!, w.attnQBias, n); // [n, qDim]
    project(b, s.k, inp, w.attnK!, w.attnKBias, n); // [n, kvDim]
    project(b, s.v, inp, w.attnV!, w.attnVBias, n); // [n, kvDim]
  }
  if (w.attnQNorm) qkNorm(c, s.q, w.attnQNorm, qDim);
  if (w.attnKNorm) qkNorm(c, s.k, w.attnKNorm, kvDim);
  if (config.nRot > 0) {
    b.rope(s.q, n, nHeads, headDim, config.nRot, kv.positions, c.ropeInvFreq, config.ropeLayout, 1);
    b.rope(s.k, n, nKvHeads, headDim, config.nRot, kv.positions, c.ropeInvFreq, config.ropeLayout, 1);
  }
  hook?.("q", layer, s.q, n, qDim);
  hook?.("k", layer, s.k, n, kvDim);
  hook?.("v", layer, s.v, n, kvDim);

  b.kvAppend(c.kCache, c.vCache, s.k, s.v, kvDim, kv);
  b.attention(s.attn, s.q, c.kCache, c.vCache, c.attnParams, kv); // [n, qDim]
  hook?.("attn", layer, s.attn, n, qDim);
  project(b, out, s.attn, w.attnOutput, w.attnOutputBias, n); // [n, hidden]
}
