import { KIND_IQ4_XS, KIND_Q2_K, KIND_Q3_K, KIND_Q4_K, KIND_Q5_K, KIND_Q6_K, kBlockBytes, rowK, rowQ45Tokens4 } from "./matmul-k";
import { rowsIQ4_XS4, rowsLow4, rowsQ4_K4, rowsQ5_K4, rowsQ6_K4 } from "./matmul-k-rows4";

// Row-range drivers for the super-block types over Q8_K activations (quantizeQ8K): tokens in tiles of 4 so each
// group of a weight row is unpacked once per tile (prefill, batched decode), then the remaining tokens one by one.
// The rows run inside the tile loop so a tile's activations (4 × cols bytes) stay in L1 while weight rows stream.
@inline function matmulK(kind: i32, w: usize, qs: usize, ds: usize, ss: usize, out: usize, rows: i32, cols: i32, nTokens: i32, r0: i32, r1: i32): void {
  const nbk = cols >> 8;
  const rowBytes = <usize>nbk * kBlockBytes(kind);
  const c = <usize>cols;
  const dStride = <usize>nbk << 2, bsStride = c >> 3;
  const ob = <usize>rows << 2;
  let t = 0;
  for (; t + 4 <= nTokens; t += 4) {
    const tq = qs + <usize>t * c, td = ds + <usize>t * dStride, tb = ss + <usize>t * bsStride;
    const to = out + <usize>t * ob;
    for (let r = r0; r < r1; r++) {
      if (kind == KIND_Q4_K || kind == KIND_Q5_K) rowQ45Tokens4(kind, w + <usize>r * rowBytes, nbk, tq, c, td, dStride, tb, bsStride, to + (<usize>r << 2), ob);
      else rowK(kind, 4, w + <usize>r * rowBytes, nbk, tq, c, td, dStride, tb, bsStride, to + (<usize>r << 2), ob);
    }
  }
  for (; t < nTokens; t++) {
    const tq = qs + <usize>t * c, td = ds + <usize>t * dStride, tb = ss + <usize>t * bsStride;
    const to = out + <usize>t * ob;
    // Rows r, r + f, r + 2f, r + 3f together (four streams from memory); the last (r1 − r0) mod 4 rows one at a time
    // (each given four times).
    const f = (r1 - r0) >> 2;
    for (let r = r0; r < r0 + f; r++) {
      const ra = w + <usize>r * rowBytes, oa = to + (<usize>r << 2), dw = <usize>f * rowBytes, dox = <usize>f << 2;
      rows4(kind, ra, ra + dw, ra + 2 * dw, ra + 3 * dw, nbk, tq, td, tb, oa, oa + dox, oa + 2 * dox, oa + 3 * dox);
    }
    for (let r = r0 + 4 * f; r < r1; r++) {
      const wl = w + <usize>r * rowBytes, ol = to + (<usize>r << 2);
      rows4(kind, wl, wl, wl, wl, nbk, tq, td, tb, ol, ol, ol, ol);
    }
  }
}

// The one-token kernel of a type over four rows (matmul-k-rows4.ts).
@inline function rows4(kind: i32, w0: usize, w1: usize, w2: usize, w3: usize, nbk: i32, q: usize, dx: usize, bs: usize,
  o0: usize, o1: usize, o2: usize, o3: usize): void {
  if (kind == KIND_Q4_K) rowsQ4_K4(w0, w1, w2, w3, nbk, q, dx, bs, o0, o1, o2, o3);
  else if (kind == KIND_Q5_K) rowsQ5_K4(w0, w1, w2, w3, nbk, q, dx, bs, o0, o1, o2, o3);
  else if (kind == KIND_Q6_K) rowsQ6_K4(w0, w1, w2, w3, nbk, q, dx, bs, o0, o1, o2, o3);
  else if (kind == KIND_Q2_K || kind == KIND_Q3_K) rowsLow4(kind, w0, w1, w2, w3, nbk, q, dx, bs, o0, o1, o2, o3);
  else rowsIQ4_XS4(w0, w1, w2, w3, nbk, q, dx, o0, o1, o2, o3);
}

export function matmulQ4_K(w: usize, qs: usize, ds: usize, ss: usize, out: usize, rows: i32, cols: i32, nTokens: i32, r0: i32, r1: i32): void {
  matmulK(KIND_Q4_K, w, qs, ds, ss, out, rows, cols, nTokens, r0, r1);
}
export function matmulQ5_K(w: usize, qs: usize, ds: usize, ss: usize, out: usize, rows: i32, cols: i32, nTokens: i32, r0: i32, r1: i32): void {
  matmulK(KIND_Q5_K, w, qs, ds, ss, out, rows, cols, nTokens, r0, r1);
}
export function matmulQ6_K(w: usize, qs: usize, ds: usize, ss: usize, out: usize, rows: i32, cols: i32, nTokens: i32, r0: i32, r1: i32): void {
  matmulK(KIND_Q6_K, w, qs, ds, ss, out, rows, cols, nTokens, r0, r1);
}
export function matmulQ2_K(w: usize, qs: usize, ds: usize, ss: usize, out: usize, rows: i32, cols: i32, nTokens: i32, r0: i32, r1: i32): void {
  matmulK(KIND_Q2_K, w, qs, ds, ss, out, rows, cols, nTokens, r0, r1);
}
export function matmulQ3_K(w: usize, qs: usize, ds: usize, ss: usize, out: usize, rows: i32, cols: i32, nTokens: i32, r0: i32, r1: i32): void {
  matmulK(KIND_Q3_K, w, qs, ds, ss, out, rows, cols, nTokens, r0, r1);
}
export function matmulIQ4_XS(w: usize, qs: usize, ds: usize, ss: usize, out: usize, rows: i32, cols: i32, nTokens: i32, r0: i32, r1: i32): void {
  matmulK(KIND_IQ4_XS, w, qs, ds, ss, out, rows, cols, nTokens, r0, r1);
}
