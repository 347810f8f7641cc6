import type { Activation } from "../backend.js";

/** Threads per workgroup of the 1-D and per-row kernels. */
export const EW_WG = 256;

/**
 * WGSL math the CPU reference has and WGSL lacks: overflow-safe tanh; an exp good to about 2 ulp at any argument
 * (WGSL's exp may be off by 3 + 2·|x| ulp, 1e-5 relative at |x| = 50: Cody–Waite reduction by ln 2 and Cephes'
 * expf polynomial, clamped so 2^k stays a normal float); erf (Abramowitz–Stegun 7.1.26, |ε| < 1.5e-7).
 */
const MATH = `
fn tanhSafe(x: f32) -> f32 { return tanh(clamp(x, -15.0, 15.0)); }
fn expAcc(x: f32) -> f32 {
  let xc = clamp(x, -87.0, 88.0);
  let k = round(xc * 1.4426950408889634);
  let r = (xc - k * 0.693359375) + k * 2.12194440e-4;
  let p = ((((1.9875691500e-4 * r + 1.3981999507e-3) * r + 8.3334519073e-3) * r + 4.1665795894e-2) * r
    + 1.6666665459e-1) * r + 5.0000001201e-1;
  return ldexp(p * r * r + r + 1.0, i32(k));
}
fn erfApprox(x: f32) -> f32 {
  let a = abs(x);
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * exp(-a * a);
  return select(-y, y, x >= 0.0);
}
fn act(v: f32) -> f32 { return ACT_EXPR; }
`;

function actExpr(a: Activation): string {
  switch (a) {
    case "silu": return "v / (1.0 + expAcc(-v))";
    case "gelu": return "0.5 * v * (1.0 + tanhSafe(0.7978845608028654 * (v + 0.044715 * v * v * v)))";
    case "geluErf": return "0.5 * v * (1.0 + erfApprox(v * 0.7071067811865476))";
  }
}

function mathFor(a: Activation): string {
  return MATH.replace("ACT_EXPR", actExpr(a));
}

const GID = `let i = (wid.y * nwg.x + wid.x) * ${EW_WG}u + lid;`;
const ENTRY = `@compute @workgroup_size(${EW_WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32)`;

/**
 * The 1-D kernels over n values (uniform P { n, m, stride, offA, unused, s }): one thread per value. `op` picks the body:
 * activate / scale / softcap on x in place; add out = a + b; addRows / mulRows x[r, i] ∘= v[i] (m = row length);
 * glu out[r·m + i] = act(gate[r·stride + i]) · up[r·stride + i]; copyColumns out[r·m + i] = src[r·stride + offA + i];
 * gatherRows out[r·m + i] = src[rows[r]·m + i].
 */
export type EwOp = "activate" | "scale" | "softcap" | "add" | "addRows" | "mulRows" | "glu" | "copyColumns" | "gatherRows";

export function elementwiseWgsl(op: EwOp, bindings: string, a: Activation = "silu"): string {
  let body: string;
  switch (op) {
    case "activate": body = "st_x(i, act(ld_x(i)));"; break;
    case "scale": body = "st_x(i, ld_x(i) * p.s);"; break;
    case "softcap": body = "st_x(i, p.s * tanhSafe(ld_x(i) / p.s));"; break;
    case "add": body = "st_out(i, ld_a(i) + ld_b(i));"; break;
    case "addRows": body = "st_x(i, ld_x(i) + ld_v(i % p.m));"; break;
    case "mulRows": body = "st_x(i, ld_x(i) * ld_v(i % p.m));"; break;
    case "glu": body = `let r = i / p.m; let c = i % p.m;
  st_out(i, act(ld_gate(r * p.stride + c)) * ld_up(r * p.stride + c));`; break;
    case "copyColumns": body = "st_out(i, ld_src((i / p.m) * p.stride + p.offA + i % p.m));"; break;
    case "gatherRows": body = "st_out(i, ld_src(u32(ld_rows(i / p.m)) * p.m + i % p.m));"; break;
  }
  return `
struct P { n: u32, m: u32, stride: u32, offA: u32, unused: u32, s: f32 }
@group(0) @binding(0) var<uniform> p: P;
${bindings}
${mathFor(a)}
${ENTRY} {
  ${GID}
  if (i >= p.n) { return; }
  ${body}
}
`;
}

const ROW_ENTRY = `var<workgroup> red: array<f32, ${EW_WG}>;
fn reduceSum(lid: u32, v: f32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var h = ${EW_WG / 2}u; h > 0u; h >>= 1u) {
    if (lid < h) { red[lid] += red[lid + h]; }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}
fn reduceMax(lid: u32, v: f32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var h = ${EW_WG / 2}u; h > 0u; h >>= 1u) {
    if (lid < h) { red[lid] = max(red[lid], red[lid + h]); }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}
@compute @workgroup_size(${EW_WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32)`;

/** Per-row kernels, one workgroup per row (row = wid.y · 32768 + wid.x): rmsNorm, layerNorm, softmax. */
export type RowOp = "rmsNorm" | "layerNorm" | "softmax";

export function rowWgsl(op: RowOp, bindings: string): string {
  let body: string;
  switch (op) {
    case "rmsNorm": body = `var ss = 0.0;
  for (var i = lid; i < p.n; i += ${EW_WG}u) { let v = ld_x(base + i); ss += v * v; }
  let inv = 1.0 / sqrt(reduceSum(lid, ss) / f32(p.n) + p.eps);
  for (var i = lid; i < p.n; i += ${EW_WG}u) {
    var g = 1.0;
    if (p.flags == 1u) { g = ld_w(i); } else if (p.flags == 2u) { g = 1.0 + ld_w(i); }
    st_out(base + i, ld_x(base + i) * inv * g);
  }`; break;
    case "layerNorm": body = `var sm = 0.0;
  for (var i = lid; i < p.n; i += ${EW_WG}u) { sm += ld_x(base + i); }
  let mean = reduceSum(lid, sm) / f32(p.n);
  var sv = 0.0;
  for (var i = lid; i < p.n; i += ${EW_WG}u) { let d = ld_x(base + i) - mean; sv += d * d; }
  let inv = 1.0 / sqrt(reduceSum(lid, sv) / f32(p.n) + p.eps);
  for (var i = lid; i < p.n; i += ${EW_WG}u) {
    var bias = 0.0;
    if (p.flags == 1u) { bias = ld_b(i); }
    st_out(base + i, (ld_x(base + i) - mean) * inv * ld_w(i) + bias);
  }`; break;
    case "softmax": body = `var mx = -3.0e38;
  for (var i = lid; i < p.n; i += ${EW_WG}u) { mx = max(mx, ld_x(base + i)); }
  let m = reduceMax(lid, mx);
  var sm = 0.0;
  for (var i = lid; i < p.n; i += ${EW_WG}u) { sm += exp(ld_x(base + i) - m); }
  let inv = 1.0 / reduceSum(lid, sm);
  for (var i = lid; i < p.n; i += ${EW_WG}u) { st_x(base + i, exp(ld_x(base + i) - m) * inv); }`; break;
  }
  return `
struct P { nRows: u32, n: u32, flags: u32, eps: f32 }
@group(0) @binding(0) var<uniform> p: P;
${bindings}
${ROW_ENTRY} {
  let row = wid.y * 32768u + wid.x;
  if (row >= p.nRows) { return; }
  let base = row * p.n;
  ${body}
}
`;
}

/**
 * (cos a, sin a) to about 1e-7 for |a| < 1e5: Cody–Waite reduction by π/2 in three parts (k · 1.5703125 is exact
 * for k < 2^16) and Cephes' sinf/cosf polynomials on [−π/4, π/4] — WGSL's cos/sin may be as coarse as 2^-11.
 */
const COS_SIN = `fn cosSin(a: f32) -> vec2<f32> {
  let k = round(a * 0.6366197723675814);
  let x = ((a - k * 1.5703125) - k * 4.837512969970703125e-4) - k * 7.54978995489188216e-8;
  let z = x * x;
  let sn = ((-1.9515295891e-4 * z + 8.3321608736e-3) * z - 1.6666654611e-1) * z * x + x;
  let cn = ((2.443315711809948e-5 * z - 1.388731625493765e-3) * z + 4.166664568298827e-2) * z * z - 0.5 * z + 1.0;
  let q = u32(i32(k) & 3);
  if (q == 0u) { return vec2<f32>(cn, sn); }
  if (q == 1u) { return vec2<f32>(-sn, cn); }
  if (q == 2u) { return vec2<f32>(-cn, -sn); }
  return vec2<f32>(sn, -cn);
}`;

/**
 * RoPE in place on x [nTok, nHeads, headDim]: one thread per (token, head, pair i < nRot/2); angle = pos · invFreq[i]
 * (formed in float32: ~pos · 2^-24 rad from the float64 oracle) then cosSin; layout 0 = normal (2i, 2i+1), 1 = neox (i, i + nRot/2).
 */
export function ropeWgsl(bindings: string): string {
  return `
${COS_SIN}
struct P { nTok: u32, nHeads: u32, headDim: u32, half: u32, neox: u32, attnFactor: f32 }
@group(0) @binding(0) var<uniform> p: P;
${bindings}
${ENTRY} {
  ${GID}
  if (i >= p.nTok * p.nHeads * p.half) { return; }
  let k = i % p.half;
  let th = i / p.half;
  let t = th / p.nHeads;
  let cs = cosSin(f32(ld_pos(t)) * ld_freq(k));
  let c = cs.x * p.attnFactor;
  let s = cs.y * p.attnFactor;
  let base = th * p.headDim;
  var a = base + 2u * k; var b = a + 1u;
  if (p.neox == 1u) { a = base + k; b = a + p.half; }
  let x0 = ld_x(a); let x1 = ld_x(b);
  st_x(a, x0 * c - x1 * s);
  st_x(b, x0 * s + x1 * c);
}
`;
}
