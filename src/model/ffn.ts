import type { Tensor } from "../kernels/backend.js";
import type { BlockContext } from "./block-context.js";

/** Gated FFN (SwiGLU / GeGLU; Shazeer 2020): down(act(gate·x) ⊙ up·x), gate-up separate or fused (Phi-3). */
export function gatedFfn(c: BlockContext, out: Tensor, inp: Tensor): void {
  const { backend: b, config, s, nTokens: n, w } = c;
  const up = w.ffnUp!;
  if (w.ffnGate) {
    const ffn = w.ffnGate.rows;
    b.matmul(s.gate, inp, w.ffnGate, n); // [n, ffn]
    b.matmul(s.up, inp, up, n); // [n, ffn]
    b.glu(s.act, s.gate, s.up, n, ffn, ffn, config.activation);
  } else {
    const ffn = up.rows / 2;
    b.matmul(s.up, inp, up, n); // [n, 2·ffn]: gate half then up half
    b.glu(s.act, s.up, s.upHalf, n, ffn, 2 * ffn, config.activation);
  }
  c.hook?.("ffn_act", c.layer, s.act, n, w.ffnDown!.cols);
  b.matmul(out, s.act, w.ffnDown!, n); // [n, hidden]
}

/** Plain MLP (GPT-2): down(act(up·x + b_up)) + b_down. */
export function mlpFfn(c: BlockContext, out: Tensor, inp: Tensor): void {
  const { backend: b, config, s, nTokens: n, w } = c;
  const up = w.ffnUp!;
  b.matmul(s.up, inp, up, n); // [n, ffn]
  if (w.ffnUpBias) b.addRows(s.up, w.ffnUpBias, n, up.rows);
  b.activate(s.up, n * up.rows, config.activation);
  b.matmul(out, s.up, w.ffnDown!, n); // [n, hidden]
  if (w.ffnDownBias) b.addRows(out, w.ffnDownBias, n, config.hiddenSize);
}
