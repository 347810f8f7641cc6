import { rowQ4_K, rowQ5_K, rowQ6_K, rowQ2_K, rowQ3_K, rowIQ4_XS } from "./matmul-k";

// Row-range drivers for the super-block types: tokens in tiles of 8 so a weight row is read from memory once
// per tile and reused from L1 for the tile's tokens.
const TOKEN_TILE = 8;

@inline function matmulK(kind: i32, blockBytes: usize, w: usize, qs: usize, ds: usize, ss: usize, out: usize, rows: i32, cols: i32, nTokens: i32, r0: i32, r1: i32): void {
  const nbk = cols >> 8;
  const rowBytes = <usize>nbk * blockBytes;
  const nbs = <usize>(cols >> 5) << 2;
  for (let t0 = 0; t0 < nTokens; t0 += TOKEN_TILE) {
    const t1 = min(t0 + TOKEN_TILE, nTokens);
    for (let r = r0; r < r1; r++) {
      const wr = w + <usize>r * rowBytes;
      for (let t = t0; t < t1; t++) {
        const q = qs + <usize>t * <usize>cols, d = ds + <usize>t * nbs, s = ss + <usize>t * nbs;
        let v: f32;
        if (kind == 0) v = rowQ4_K(wr, nbk, q, d, s);
        else if (kind == 1) v = rowQ5_K(wr, nbk, q, d, s);
        else if (kind == 2) v = rowQ6_K(wr, nbk, q, d, s);
        else if (kind == 3) v = rowQ2_K(wr, nbk, q, d, s);
        else if (kind == 4) v = rowQ3_K(wr, nbk, q, d, s);
        else v = rowIQ4_XS(wr, nbk, q, d, s);
        store<f32>(out + ((<usize>t * <usize>rows + <usize>r) << 2), v);
      }
    }
  }
}

export function matmulQ4_K(w: usize, qs: usize, ds: usize, ss: usize, out: usize, rows: i32, cols: i32, nTokens: i32, r0: i32, r1: i32): void {
  matmulK(0, 144, w, qs, ds, ss, out, rows, cols, nTokens, r0, r1);
}
export function matmulQ5_K(w: usize, qs: usize, ds: usize, ss: usize, out: usize, rows: i32, cols: i32, nTokens: i32, r0: i32, r1: i32): void {
  matmulK(1, 176, w, qs, ds, ss, out, rows, cols, nTokens, r0, r1);
}
export function matmulQ6_K(w: usize, qs: usize, ds: usize, ss: usize, out: usize, rows: i32, cols: i32, nTokens: i32, r0: i32, r1: i32): void {
  matmulK(2, 210, w, qs, ds, ss, out, rows, cols, nTokens, r0, r1);
}
export function matmulQ2_K(w: usize, qs: usize, ds: usize, ss: usize, out: usize, rows: i32, cols: i32, nTokens: i32, r0: i32, r1: i32): void {
  matmulK(3, 84, w, qs, ds, ss, out, rows, cols, nTokens, r0, r1);
}
export function matmulQ3_K(w: usize, qs: usize, ds: usize, ss: usize, out: usize, rows: i32, cols: i32, nTokens: i32, r0: i32, r1: i32): void {
  matmulK(4, 110, w, qs, ds, ss, out, rows, cols, nTokens, r0, r1);
}
export function matmulIQ4_XS(w: usize, qs: usize, ds: usize, ss: usize, out: usize, rows: i32, cols: i32, nTokens: i32, r0: i32, r1: i32): void {
  matmulK(5, 136, w, qs, ds, ss, out, rows, cols, nTokens, r0, r1);
}
