/** RMSNorm (Zhang & Sennrich 2019), statistics in float64; addOne: Gemma's (1 + w) weight. */
export function refRmsNorm(out: Float32Array, x: Float32Array, w: Float32Array | null, nRows: number, n: number,
  eps: number, addOne: boolean): void {
  for (let r = 0; r < nRows; r++) {
    const base = r * n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += x[base + i]! * x[base + i]!;
    const inv = 1 / Math.sqrt(ss / n + eps);
    for (let i = 0; i < n; i++) {
      const g = w === null ? 1 : addOne ? 1 + w[i]! : w[i]!;
      out[base + i] = x[base + i]! * inv * g;
    }
  }
}

/** LayerNorm (Ba et al. 2016) with biased variance, as torch.nn.LayerNorm. */
export function refLayerNorm(out: Float32Array, x: Float32Array, w: Float32Array, b: Float32Array | null,
  nRows: number, n: number, eps: number): void {
  for (let r = 0; r < nRows; r++) {
    const base = r * n;
    let mean = 0;
    for (let i = 0; i < n; i++) mean += x[base + i]!;
    mean /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (x[base + i]! - mean) ** 2;
    const inv = 1 / Math.sqrt(v / n + eps);
    for (let i = 0; i < n; i++) out[base + i] = (x[base + i]! - mean) * inv * w[i]! + (b === null ? 0 : b[i]!);
  }
}

export function refSoftmax(x: Float32Array, nRows: number, n: number): void {
  for (let r = 0; r < nRows; r++) {
    const base = r * n;
    let max = -Infinity;
    for (let i = 0; i < n; i++) if (x[base + i]! > max) max = x[base + i]!;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const e = Math.exp(x[base + i]! - max);
      x[base + i] = e;
      sum += e;
    }
    for (let i = 0; i < n; i++) x[base + i] = x[base + i]! / sum;
  }
}
