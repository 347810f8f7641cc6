import type { BlockContext } from "./block-context.js";

/**
 * Mixture-of-experts FFN (Mixtral; Qwen3-MoE): router softmax over all experts, keep the top nExpertsUsed per
 * token (renormalized when normTopK), run each expert's gated FFN on the tokens routed to it, and sum the
 * weighted outputs.
 */
export function moeFfn(c: BlockContext, out: Float32Array, inp: Float32Array): void {
  const { backend: b, config, s, nTokens: n, w } = c;
  const { nExperts, nExpertsUsed: k, hiddenSize: hidden } = config;

  b.matmul(s.router, inp, w.ffnGateInp!, n); // [n, nExperts]
  b.softmax(s.router, n, nExperts);
  for (let t = 0; t < n; t++) {
    let sum = 0;
    for (let j = 0; j < k; j++) {
      let best = -1;
      for (let e = 0; e < nExperts; e++) {
        let taken = false;
        for (let i = 0; i < j; i++) if (s.selExpert[t * k + i] === e) taken = true;
        if (!taken && (best < 0 || s.router[t * nExperts + e]! > s.router[t * nExperts + best]!)) best = e;
      }
      s.selExpert[t * k + j] = best;
      s.selWeight[t * k + j] = s.router[t * nExperts + best]!;
      sum += s.selWeight[t * k + j]!;
    }
    if (config.normTopK) for (let j = 0; j < k; j++) s.selWeight[t * k + j] = s.selWeight[t * k + j]! / sum;
  }

  out.fill(0, 0, n * hidden);
  for (let e = 0; e < nExperts; e++) {
    let m = 0;
    for (let t = 0; t < n; t++) {
      for (let j = 0; j < k; j++) {
        if (s.selExpert[t * k + j] !== e) continue;
        s.expertRows[m] = t;
        s.expertRowWeight[m] = s.selWeight[t * k + j]!;
        for (let d = 0; d < hidden; d++) s.expertX[m * hidden + d] = inp[t * hidden + d]!;
        m++;
      }
    }
    if (m === 0) continue;
    const gate = w.ffnGateExps[e]!;
    const ffn = gate.rows;
    b.matmul(s.gate, s.expertX, gate, m); // [m, ffn]
    b.matmul(s.up, s.expertX, w.ffnUpExps[e]!, m); // [m, ffn]
    b.glu(s.act, s.gate, s.up, m, ffn, ffn, config.activation);
    b.matmul(s.expertY, s.act, w.ffnDownExps[e]!, m); // [m, hidden]
    for (let i = 0; i < m; i++) {
      const o = s.expertRows[i]! * hidden;
      const g = s.expertRowWeight[i]!;
      for (let d = 0; d < hidden; d++) out[o + d] = out[o + d]! + g * s.expertY[i * hidden + d]!;
    }
  }
}
