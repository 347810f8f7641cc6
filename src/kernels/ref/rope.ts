import type { RopeLayout } from "../backend.js";

/**
 * Rotary position embedding (Su et al. 2021) in place on x [nTokens, nHeads, headDim]. Pair i (i < nRot/2) is
 * (2i, 2i+1) in the "normal" layout (ggml rope_f32 mode 0) or (i, i + nRot/2) in "neox" (HF rotate_half);
 * dims ≥ nRot pass through. Angles in float64.
 */
export function refRope(x: Float32Array, nTokens: number, nHeads: number, headDim: number, nRot: number,
  positions: Int32Array, invFreq: Float32Array, layout: RopeLayout, attnFactor: number): void {
  const half = nRot / 2;
  for (let t = 0; t < nTokens; t++) {
    const pos = positions[t]!;
    for (let i = 0; i < half; i++) {
      const angle = pos * invFreq[i]!;
      const cos = Math.cos(angle) * attnFactor;
      const sin = Math.sin(angle) * attnFactor;
      const a = layout === "normal" ? 2 * i : i;
      const b = layout === "normal" ? 2 * i + 1 : i + half;
      for (let h = 0; h < nHeads; h++) {
        const base = (t * nHeads + h) * headDim;
        const x0 = x[base + a]!;
        const x1 = x[base + b]!;
        x[base + a] = x0 * cos - x1 * sin;
        x[base + b] = x0 * sin + x1 * cos;
      }
    }
  }
}
