import type { Tensor } from "../kernels/backend.js";
import type { BlockContext } from "./block-context.js";

/** The model's norm (RMSNorm, or LayerNorm with bias) over rows of hiddenSize; w = null: identity copy. */
export function norm(c: BlockContext, out: Tensor, x: Tensor, w: Tensor | null, bias: Tensor | null): void {
  const { backend: b, config, nTokens } = c;
  const n = config.hiddenSize;
  if (w === null) {
    if (out !== x) b.copy(out, x, nTokens * n);
  } else if (config.normKind === "layer") b.layerNorm(out, x, w, bias, nTokens, n, config.normEps);
  else b.rmsNorm(out, x, w, nTokens, n, config.normEps, false);
}

/** x += y over the batch's rows (the residual connection). */
export function addResidual(c: BlockContext, y: Tensor): void {
  c.backend.add(c.s.x, c.s.x, y, c.nTokens * c.config.hiddenSize);
}
