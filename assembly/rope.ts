// RoPE over x [nTokens, nHeads, headDim] in place, from a table of each token's and pair's cos and sin (float64,
// already times attnFactor; [nTokens][nRot/2][cos, sin], src/kernels/wasm/rope-table.ts). Computed in float64 and
// rounded to f32 once, in the reference's order (src/kernels/ref/rope.ts): x0·cos − x1·sin, x0·sin + x1·cos, so the
// results are the reference's bits. Pairs (2i, 2i+1) ("normal", neox = 0) or (i, i + nRot/2) (neox = 1); dims ≥ nRot
// pass through.
export function ropeRotate(x: usize, nTokens: i32, nHeads: i32, headDim: i32, nRot: i32, neox: i32, table: usize): void {
  const half = nRot >> 1;
  for (let t = 0; t < nTokens; t++) {
    const tab = table + (<usize>t * <usize>half << 4);
    for (let h = 0; h < nHeads; h++) {
      const base = x + (<usize>(t * nHeads + h) * <usize>headDim << 2);
      for (let i = 0; i < half; i++) {
        const c = load<f64>(tab + (<usize>i << 4)), s = load<f64>(tab + (<usize>i << 4), 8);
        const ia: i32 = neox != 0 ? i : 2 * i, ib: i32 = neox != 0 ? i + half : 2 * i + 1;
        const pa = base + (<usize>ia << 2), pb = base + (<usize>ib << 2);
        const x0 = <f64>load<f32>(pa), x1 = <f64>load<f32>(pb);
        store<f32>(pa, <f32>(x0 * c - x1 * s));
        store<f32>(pb, <f32>(x0 * s + x1 * c));
      }
    }
  }
}

// dst[r, 0..width) = src[r, c0..c0 + width) for nRows rows of srcCols floats: Q, K and V out of a fused projection.
export function copyColumns(dst: usize, src: usize, nRows: i32, srcCols: i32, c0: i32, width: i32): void {
  const rowBytes = <usize>width << 2;
  for (let r = 0; r < nRows; r++) {
    memory.copy(dst + <usize>r * rowBytes, src + ((<usize>r * <usize>srcCols + <usize>c0) << 2), rowBytes);
  }
}

// out = a + b over n floats (the residual adds).
export function addF32(out: usize, a: usize, b: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(a + o) + load<f32>(b + o));
  }
}
