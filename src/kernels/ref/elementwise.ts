import type { Activation } from "../backend.js";

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** The error function to ~1e-13: Maclaurin series near 0, erfc continued fraction in the tails. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    // Maclaurin series: erf(x) = 2/√π Σ (-1)^n x^(2n+1) / (n! (2n+1)); converges fast for |x| < 2.5 in float64.
    let term = x;
    let sum = x;
    const x2 = x * x;
    for (let n = 1; n < 60; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // Continued fraction for erfc (Lentz), accurate for |x| ≥ 2.5.
  let f = ax;
  for (let k = 60; k >= 1; k--) f = ax + k / 2 / f;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return x > 0 ? 1 - erfc : erfc - 1;
}

export function activation(v: number, act: Activation): number {
  switch (act) {
    case "silu":
      return v / (1 + Math.exp(-v));
    case "gelu":
      // GELU tanh approximation (Hendrycks & Gimpel 2016), HF gelu_new / gelu_pytorch_tanh.
      return 0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v)));
    case "geluErf":
      return 0.5 * v * (1 + erf(v / Math.SQRT2));
  }
}

export function refActivate(x: Float32Array, n: number, act: Activation): void {
  for (let i = 0; i < n; i++) x[i] = activation(x[i]!, act);
}

export function refGlu(out: Float32Array, gate: Float32Array, up: Float32Array, nRows: number, n: number,
  stride: number, act: Activation): void {
  for (let r = 0; r < nRows; r++) {
    for (let i = 0; i < n; i++) out[r * n + i] = activation(gate[r * stride + i]!, act) * up[r * stride + i]!;
  }
}

export function refAdd(out: Float32Array, a: Float32Array, b: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = a[i]! + b[i]!;
}

export function refCopyColumns(dst: Float32Array, src: Float32Array, nRows: number, srcCols: number, c0: number, width: number): void {
  for (let r = 0; r < nRows; r++) for (let i = 0; i < width; i++) dst[r * width + i] = src[r * srcCols + c0 + i]!;
}

export function refAddRows(x: Float32Array, bias: Float32Array, nRows: number, n: number): void {
  for (let r = 0; r < nRows; r++) for (let i = 0; i < n; i++) x[r * n + i] = x[r * n + i]! + bias[i]!;
}

export function refMulRows(x: Float32Array, w: Float32Array, nRows: number, n: number): void {
  for (let r = 0; r < nRows; r++) for (let i = 0; i < n; i++) x[r * n + i] = x[r * n + i]! * w[i]!;
}

export function refScale(x: Float32Array, n: number, s: number): void {
  for (let i = 0; i < n; i++) x[i] = x[i]! * s;
}

/** Gemma 2 logit soft-capping: cap · tanh(x / cap). */
export function refSoftcap(x: Float32Array, n: number, cap: number): void {
  for (let i = 0; i < n; i++) x[i] = cap * Math.tanh(x[i]! / cap);
}
