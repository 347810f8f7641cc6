/** Weight types the WebGPU matmul dequantizes in-shader (raw GGUF block bytes uploaded as u32 words). */
export type GpuWeightType = "F32" | "F16" | "Q8_0" | "Q4_0" | "Q4_K" | "Q6_K";
export const GPU_WEIGHT_TYPES: readonly GpuWeightType[] = ["F32", "F16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"];

/** Threads per matmul workgroup and tokens per workgroup (each dequantized weight unit is dotted with TT tokens). */
export const MATMUL_WG = 64;
export const MATMUL_TT = 8;
/** Rows per dispatch along x (the rest go to z: vocab-sized rows exceed the 65535 limit of one dimension). */
export const ROWS_PER_X = 32768;

/** Byte, int8 and half readers over the weight words (every half in these layouts sits at an even byte offset). */
export const BYTE_READERS = `
fn byteAt(a: u32) -> u32 { return (ld_w(a >> 2u) >> ((a & 3u) * 8u)) & 0xffu; }
fn i8At(a: u32) -> f32 { return f32(bitcast<i32>(byteAt(a) << 24u) >> 24u); }
fn halfAt(a: u32) -> f32 { return unpack2x16float(ld_w(a >> 2u) >> ((a & 2u) * 8u)).x; }
`;

/**
 * WGSL that fills v[0…32) with values u·32 … u·32+31 of weight row `row` (ggml block layouts: q8_0 34-byte blocks
 * d + 32 int8; q4_0 18-byte blocks d + 16 bytes of nibble pairs (j, j+16) − 8; q4_k 144-byte super-blocks d, dmin,
 * 12 bytes of 6-bit scale/min pairs, 128 bytes of nibbles; q6_k 210-byte super-blocks ql[128], qh[64], int8
 * scales[16], d). f32/f16 rows may end mid-unit: values past cols are 0.
 */
function unitBody(type: GpuWeightType): string {
  switch (type) {
    case "F32":
      return `let base = row * p.cols + u * 32u;
  for (var j = 0u; j < 32u; j++) { (*v)[j] = select(0.0, bitcast<f32>(ld_w(base + j)), u * 32u + j < p.cols); }`;
    case "F16":
      return `let base = (row * p.cols + u * 32u) * 2u;
  for (var j = 0u; j < 32u; j++) { (*v)[j] = select(0.0, halfAt(base + 2u * j), u * 32u + j < p.cols); }`;
    case "Q8_0":
      return `let base = row * p.rowBytes + u * 34u;
  let d = halfAt(base);
  for (var j = 0u; j < 32u; j++) { (*v)[j] = d * i8At(base + 2u + j); }`;
    case "Q4_0":
      return `let base = row * p.rowBytes + u * 18u;
  let d = halfAt(base);
  for (var j = 0u; j < 16u; j++) {
    let b = byteAt(base + 2u + j);
    (*v)[j] = d * (f32(b & 15u) - 8.0);
    (*v)[j + 16u] = d * (f32(b >> 4u) - 8.0);
  }`;
    case "Q4_K":
      return `let base = row * p.rowBytes + (u >> 3u) * 144u;
  let s = u & 7u;
  let d = halfAt(base);
  let dmin = halfAt(base + 2u);
  let sc = base + 4u;
  var scale: u32; var mn: u32;
  if (s < 4u) {
    scale = byteAt(sc + s) & 63u; mn = byteAt(sc + s + 4u) & 63u;
  } else {
    scale = (byteAt(sc + s + 4u) & 15u) | ((byteAt(sc + s - 4u) >> 6u) << 4u);
    mn = (byteAt(sc + s + 4u) >> 4u) | ((byteAt(sc + s) >> 6u) << 4u);
  }
  let ds = d * f32(scale);
  let dm = dmin * f32(mn);
  let qs = base + 16u + (s >> 1u) * 32u;
  let sh = (s & 1u) * 4u;
  for (var j = 0u; j < 32u; j++) { (*v)[j] = ds * f32((byteAt(qs + j) >> sh) & 15u) - dm; }`;
    case "Q6_K":
      return `let base = row * p.rowBytes + (u >> 3u) * 210u;
  let s = u & 7u;
  let n = s >> 2u;
  let k = s & 3u;
  let ql = base + 64u * n + (k & 1u) * 32u;
  let qh = base + 128u + 32u * n;
  let sc = base + 192u + 8u * n + 2u * k;
  let d = halfAt(base + 208u);
  let lsh = (k >> 1u) * 4u;
  for (var j = 0u; j < 32u; j++) {
    let lo = (byteAt(ql + j) >> lsh) & 15u;
    let hi = (byteAt(qh + j) >> (2u * k)) & 3u;
    (*v)[j] = d * i8At(sc + (j >> 4u)) * (f32(lo | (hi << 4u)) - 32.0);
  }`;
  }
}

/**
 * out[t, r] = Σ_c x[t, c] · W[r, c] for up to TT tokens. One workgroup per (block of R rows, tile of TT tokens):
 * 64 / R threads per row stride over its 32-value units, dequantize each once into registers and dot it with every
 * token of the tile. With R = 1 the partial sums are reduced with subgroupAdd where the device offers subgroups,
 * otherwise (and for R > 1) by a tree in workgroup memory. Bindings from bindBuffers: w (u32), x (f32), out (f32),
 * and in expert mode ids (i32, the routing).
 */
export function matmulWgsl(type: GpuWeightType, bindings: string, subgroups: boolean, rowsPerWg = 1, experts = false): string {
  const WG = MATMUL_WG, TT = MATMUL_TT, R = rowsPerWg, G = WG / R;
  const sg = subgroups && R === 1;
  // Expert mode (mul_mat_id): "tokens" are routing slots; a slot counts only when routed to p.expert, and reads x
  // row t (every slot of a token) or the slot's own row (xPerSlot).
  const mine = (t: string): string => (experts ? ` && ((mask >> ${t}) & 1u) != 0u` : "");
  const setup = experts
    ? `var mask = 0u;
  for (var t = 0u; t < nt; t++) { if (u32(ld_ids(t0 + t)) == p.expert) { mask |= 1u << t; } }`
    : "";
  const xRow = experts ? "select((t0 + t) / p.k, t0 + t, p.xPerSlot == 1u)" : "(t0 + t)";
  const reduce = sg
    ? `let nsg = ${WG}u / sgSize;
  for (var t = 0u; t < ${TT}u; t++) {
    let s = subgroupAdd(acc[t]);
    if (sgLane == 0u) { red[t * ${WG}u + lid / sgSize] = s; }
  }
  workgroupBarrier();
  if (lid < nt${mine("lid")}) {
    var s = 0.0;
    for (var i = 0u; i < nsg; i++) { s += red[lid * ${WG}u + i]; }
    st_out((t0 + lid) * p.rows + row, s);
  }`
    : `for (var t = 0u; t < ${TT}u; t++) { red[t * ${WG}u + lid] = acc[t]; }
  workgroupBarrier();
  for (var h = ${G / 2}u; h > 0u; h >>= 1u) {
    if (lane < h) {
      for (var t = 0u; t < ${TT}u; t++) { red[t * ${WG}u + lid] += red[t * ${WG}u + lid + h]; }
    }
    workgroupBarrier();
  }
  if (lane < nt && row < p.rows${mine("lane")}) { st_out((t0 + lane) * p.rows + row, red[lane * ${WG}u + lid - lane]); }`;
  return `${sg ? "enable subgroups;\n" : ""}
struct P { rows: u32, cols: u32, nTok: u32, rowBytes: u32, nUnits: u32, k: u32, expert: u32, xPerSlot: u32 }
@group(0) @binding(0) var<uniform> p: P;
${bindings}
${BYTE_READERS}
var<workgroup> red: array<f32, ${WG * TT}>;

fn unit(row: u32, u: u32, v: ptr<function, array<f32, 32>>) {
  ${unitBody(type)}
}

@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32${sg ? `,
  @builtin(subgroup_invocation_id) sgLane: u32, @builtin(subgroup_size) sgSize: u32` : ""}) {
  let row0 = (wid.z * ${ROWS_PER_X}u + wid.x) * ${R}u;
  if (row0 >= p.rows) { return; }
  let row = row0 + lid / ${G}u;
  let lane = lid % ${G}u;
  let t0 = wid.y * ${TT}u;
  let nt = min(${TT}u, p.nTok - t0);
  var acc: array<f32, ${TT}>;
  var v: array<f32, 32>;
  ${setup}
  if (row < p.rows${experts ? " && mask != 0u" : ""}) {
    for (var u = lane; u < p.nUnits; u += ${G}u) {
      unit(row, u, &v);
      let c0 = u * 32u;
      let n = min(32u, p.cols - c0);
      for (var t = 0u; t < nt; t++) {
        ${experts ? "if (((mask >> t) & 1u) == 0u) { continue; }" : ""}
        let xb = ${xRow} * p.cols + c0;
        var s = 0.0;
        for (var j = 0u; j < n; j++) { s += v[j] * ld_x(xb + j); }
        acc[t] += s;
      }
    }
  }
  ${reduce}
}
`;
}

/** Output block of the tiled matmul: TILE_ROWS rows × TILE_TOKENS tokens per workgroup of 64 threads (2 × 4 each). */
export const TILE_ROWS = 32;
export const TILE_TOKENS = 16;

/**
 * out = x · Wᵀ for prefill batches, tiled in workgroup memory: per 32-value step of the shared dimension, 32 threads
 * dequantize one unit of a row each into ws[32][33] and all 64 stage the 16 tokens' x into xs[16][33]; then every
 * thread accumulates its 2 rows × 4 tokens from workgroup memory. Dispatch (ceil(rows/32), ceil(nTok/16)).
 */
export function matmulTiledWgsl(type: GpuWeightType, bindings: string): string {
  return `
struct P { rows: u32, cols: u32, nTok: u32, rowBytes: u32, nUnits: u32, k: u32, expert: u32, xPerSlot: u32 }
@group(0) @binding(0) var<uniform> p: P;
${bindings}
${BYTE_READERS}
var<workgroup> ws: array<f32, ${TILE_ROWS * 33}>;
var<workgroup> xs: array<f32, ${TILE_TOKENS * 33}>;

fn unit(row: u32, u: u32, v: ptr<function, array<f32, 32>>) {
  ${unitBody(type)}
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let r0 = wid.x * ${TILE_ROWS}u;
  let t0 = wid.y * ${TILE_TOKENS}u;
  let tr = (lid % 16u) * 2u;
  let tt = (lid / 16u) * 4u;
  var acc: array<f32, 8>;
  var v: array<f32, 32>;
  for (var u = 0u; u < p.nUnits; u++) {
    if (lid < ${TILE_ROWS}u) {
      let row = r0 + lid;
      if (row < p.rows) { unit(row, u, &v); } else { for (var j = 0u; j < 32u; j++) { v[j] = 0.0; } }
      for (var j = 0u; j < 32u; j++) { ws[lid * 33u + j] = v[j]; }
    }
    let c0 = u * 32u;
    for (var e = lid; e < ${TILE_TOKENS * 32}u; e += 64u) {
      let t = e / 32u; let j = e % 32u;
      var xv = 0.0;
      if (t0 + t < p.nTok && c0 + j < p.cols) { xv = ld_x((t0 + t) * p.cols + c0 + j); }
      xs[t * 33u + j] = xv;
    }
    workgroupBarrier();
    for (var j = 0u; j < 32u; j++) {
      let w0 = ws[tr * 33u + j]; let w1 = ws[(tr + 1u) * 33u + j];
      for (var k = 0u; k < 4u; k++) {
        let xv = xs[(tt + k) * 33u + j];
        acc[k] += w0 * xv;
        acc[4u + k] += w1 * xv;
      }
    }
    workgroupBarrier();
  }
  for (var k = 0u; k < 4u; k++) {
    let t = t0 + tt + k;
    if (t < p.nTok) {
      if (r0 + tr < p.rows) { st_out(t * p.rows + r0 + tr, acc[k]); }
      if (r0 + tr + 1u < p.rows) { st_out(t * p.rows + r0 + tr + 1u, acc[4u + k]); }
    }
  }
}
`;
}

/** out[t, :] = row ids[t] of W dequantized: one workgroup per token, threads over the row's units. */
export function embedWgsl(type: GpuWeightType, bindings: string): string {
  return `
struct P { rows: u32, cols: u32, nTok: u32, rowBytes: u32, nUnits: u32, k: u32, expert: u32, xPerSlot: u32 }
@group(0) @binding(0) var<uniform> p: P;
${bindings}
${BYTE_READERS}
fn unit(row: u32, u: u32, v: ptr<function, array<f32, 32>>) {
  ${unitBody(type)}
}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let t = wid.x;
  let row = u32(ld_ids(t));
  var v: array<f32, 32>;
  for (var u = lid; u < p.nUnits; u += 64u) {
    unit(row, u, &v);
    let n = min(32u, p.cols - u * 32u);
    for (var j = 0u; j < n; j++) { st_out(t * p.cols + u * 32u + j, v[j]); }
  }
}
`;
}
