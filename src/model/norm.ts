import type { BlockContext } from "./block-context.js";

/** The model's norm (RMSNorm, or LayerNorm with bias) over rows of hiddenSize; w = null: identity copy. */
export function norm(c: BlockContext, out: Float32Array, x: Float32Array, w: Float32Array | null, bias: Float32Array | null): void {
  const { backend: b, config, nTokens } = c;
  const n = config.hiddenSize;
  if (w === null) {
    if (out !== x) for (let i = 0; i < nTokens * n; i++) out[i] = x[i]!;
  } else if (config.normKind === "layer") b.layerNorm(out, x, w, bias, nTokens, n, config.normEps);
  else b.rmsNorm(out, x, w, nTokens, n, config.normEps, false);
}

/** x += y over the batch's rows (the residual connection). */
export function addResidual(c: BlockContext, y: Float32Array): void {
  c.backend.add(c.s.x, c.s.x, y, c.nTokens * c.config.hiddenSize);
}
