import type { Tensor } from "../kernels/backend.js";
import type { BlockContext } from "./block-context.js";

/**
 * Mixture-of-experts FFN (Mixtral; Qwen3-MoE): router softmax over all experts, keep the top nExpertsUsed per
 * token (renormalized when normTopK), run each expert's gated FFN on the tokens routed to it, and sum the
 * weighted outputs. Activations are per (token, expert) slot: [n·k, ·].
 */
export function moeFfn(c: BlockContext, out: Tensor, inp: Tensor): void {
  const { backend: b, config, s, nTokens: n, w } = c;
  const { nExperts, nExpertsUsed: k, hiddenSize: hidden } = config;
  const routing = s.routing!;

  b.matmul(s.router, inp, w.ffnGateInp!, n); // [n, nExperts]
  b.softmax(s.router, n, nExperts);
  b.moeRoute(routing, s.router, n, nExperts, k, config.normTopK);
  const ffn = w.ffnGateExps[0]!.rows;
  b.matmulExperts(s.gate, inp, w.ffnGateExps, routing, n, false); // [n·k, ffn]
  b.matmulExperts(s.up, inp, w.ffnUpExps, routing, n, false); // [n·k, ffn]
  b.glu(s.act, s.gate, s.up, n * k, ffn, ffn, config.activation);
  b.matmulExperts(s.expertY, s.act, w.ffnDownExps, routing, n, true); // [n·k, hidden]
  b.moeCombine(out, s.expertY, routing, n, hidden); // [n, hidden]
}
