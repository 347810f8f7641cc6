import type { KvType } from "../kv-layer.js";

/** Positions per attention tile (= threads per attention workgroup) and the largest head size supported. */
export const ATT_TILE = 64;
export const ATT_MAX_HEAD_DIM = 256;

/** WGSL reading value i of cache row `slot` from the words of a KV layer named `name` in its stored type. */
function kvReader(name: string, type: KvType): string {
  const half = `unpack2x16float(ld_${name}(a >> 2u) >> ((a & 2u) * 8u)).x`;
  switch (type) {
    case "f32": return `fn val_${name}(slot: u32, i: u32) -> f32 { return bitcast<f32>(ld_${name}(slot * p.kvDim + i)); }`;
    case "f16": return `fn val_${name}(slot: u32, i: u32) -> f32 { let a = (slot * p.kvDim + i) * 2u; return ${half}; }`;
    case "q8_0": return `fn val_${name}(slot: u32, i: u32) -> f32 {
  let b = slot * (p.kvDim / 32u) * 34u + (i >> 5u) * 34u;
  let a = b; let d = ${half};
  let q = b + 2u + (i & 31u);
  let byte = (ld_${name}(q >> 2u) >> ((q & 3u) * 8u)) & 0xffu;
  return d * f32(bitcast<i32>(byte << 24u) >> 24u);
}`;
  }
}

/**
 * KV append: row t of src [nTok, kvDim] into cache row slots[t], converted to the layer type. f32: one thread per
 * value; f16: one per pair (pack2x16float); q8_0: one per 32-value block, d = amax/127 stored as f16 and
 * q = roundf(x · (1/d)) with the float32 d (ggml's quantize_row_q8_0_ref), written byte-wise with atomics because
 * 34-byte blocks share words with their neighbours.
 */
export function kvAppendWgsl(type: KvType, bindings: string): string {
  const per = type === "f32" ? 1 : type === "f16" ? 2 : 32;
  let body: string;
  switch (type) {
    case "f32": body = `st_cache(slot * p.kvDim + c, bitcast<u32>(ld_src(t * p.kvDim + c)));`; break;
    case "f16": body = `let e = t * p.kvDim + c;
  st_cache((slot * p.kvDim + c) / 2u, pack2x16float(vec2<f32>(ld_src(e), ld_src(e + 1u))));`; break;
    case "q8_0": body = `let e = t * p.kvDim + c;
  var amax = 0.0;
  for (var j = 0u; j < 32u; j++) { amax = max(amax, abs(ld_src(e + j))); }
  let d = amax / 127.0;
  var id = 0.0;
  if (d != 0.0) { id = 1.0 / d; }
  let b = slot * (p.kvDim / 32u) * 34u + (c / 32u) * 34u;
  let dh = pack2x16float(vec2<f32>(d, 0.0));
  setbyte_cache(b, dh & 0xffu);
  setbyte_cache(b + 1u, (dh >> 8u) & 0xffu);
  for (var j = 0u; j < 32u; j++) {
    let x = ld_src(e + j) * id;
    let q = i32(sign(x) * floor(abs(x) + 0.5));
    setbyte_cache(b + 2u + j, u32(q) & 0xffu);
  }`; break;
  }
  return `
struct P { nTok: u32, kvDim: u32 }
@group(0) @binding(0) var<uniform> p: P;
${bindings}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * 64u + lid;
  let perRow = p.kvDim / ${per}u;
  if (i >= p.nTok * perRow) { return; }
  let t = i / perRow;
  let c = (i % perRow) * ${per}u;
  let slot = u32(ld_slots(t));
  ${body}
}
`;
}

const ATT_PARAMS = `struct P { nHeads: u32, nKvHeads: u32, headDim: u32, kvDim: u32, scale: f32, softcap: f32, window: u32,
  blockSize: u32, maxBlocks: u32, nSplit: u32, chunk: u32, qDim: u32, nTok: u32 }
@group(0) @binding(0) var<uniform> p: P;`;

/**
 * Paged attention with an online softmax (Milakov & Gimelshein 2018): one workgroup per (head, token, split).
 * Each tile of 64 positions: thread i scores position tile + i (q in workgroup memory, K row read through the block
 * table in its stored type), the tile max rescales the running (m, l, acc), and each thread accumulates its
 * head dims (lid + 64k) over the tile's V rows. nSplit = 1 writes out; nSplit > 1 (split-K for long decode) writes
 * (m, l, acc[headDim]) partials that attentionCombineWgsl merges.
 */
export function attentionWgsl(kType: KvType, vType: KvType, bindings: string): string {
  const T = ATT_TILE, DK = ATT_MAX_HEAD_DIM / ATT_TILE;
  return `
${ATT_PARAMS}
${bindings}
${kvReader("k", kType)}
${kvReader("v", vType)}
var<workgroup> qs: array<f32, ${ATT_MAX_HEAD_DIM}>;
var<workgroup> sc: array<f32, ${T}>;
var<workgroup> slotS: array<u32, ${T}>;
var<workgroup> range: vec2<u32>;
@compute @workgroup_size(${T})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let h = wid.x; let t = wid.y; let split = wid.z;
  let pos = u32(ld_positions(t));
  if (lid == 0u) {
    var first = 0u;
    if (p.window > 0u && pos + 1u > p.window) { first = pos + 1u - p.window; }
    let b = first + split * p.chunk;
    range = vec2<u32>(b, max(b, min(pos + 1u, b + p.chunk)));
  }
  for (var d = lid; d < p.headDim; d += ${T}u) { qs[d] = ld_q(t * p.qDim + h * p.headDim + d); }
  let r = workgroupUniformLoad(&range);
  let kvOff = (h / (p.nHeads / p.nKvHeads)) * p.headDim;
  let tb = u32(ld_tokenSeq(t)) * p.maxBlocks;
  var m = -3.0e38; var l = 0.0;
  var acc: array<f32, ${DK}>;
  for (var tile = r.x; tile < r.y; tile += ${T}u) {
    let j = tile + lid;
    var s = -3.0e38;
    if (j < r.y) {
      let slot = u32(ld_blockTables(tb + j / p.blockSize)) * p.blockSize + j % p.blockSize;
      slotS[lid] = slot;
      var dot = 0.0;
      for (var d = 0u; d < p.headDim; d++) { dot += qs[d] * val_k(slot, kvOff + d); }
      s = dot * p.scale;
      if (p.softcap > 0.0) { s = p.softcap * tanh(clamp(s / p.softcap, -15.0, 15.0)); }
    }
    sc[lid] = s;
    workgroupBarrier();
    var tmax = m;
    for (var i = 0u; i < ${T}u; i++) { tmax = max(tmax, sc[i]); }
    workgroupBarrier();
    var e = 0.0;
    if (j < r.y) { e = exp(s - tmax); }
    sc[lid] = e;
    workgroupBarrier();
    let n = min(${T}u, r.y - tile);
    var psum = 0.0;
    for (var i = 0u; i < n; i++) { psum += sc[i]; }
    let f = exp(m - tmax);
    l = l * f + psum;
    for (var k = 0u; k < ${DK}u; k++) {
      let d = lid + k * ${T}u;
      if (d < p.headDim) {
        var a = acc[k] * f;
        for (var i = 0u; i < n; i++) { a += sc[i] * val_v(slotS[i], kvOff + d); }
        acc[k] = a;
      }
    }
    m = tmax;
    workgroupBarrier();
  }
  if (p.nSplit == 1u) {
    for (var k = 0u; k < ${DK}u; k++) {
      let d = lid + k * ${T}u;
      if (d < p.headDim) { st_out(t * p.qDim + h * p.headDim + d, acc[k] / l); }
    }
  } else {
    let pb = ((t * p.nHeads + h) * p.nSplit + split) * (p.headDim + 2u);
    if (lid == 0u) { st_part(pb, m); st_part(pb + 1u, l); }
    for (var k = 0u; k < ${DK}u; k++) {
      let d = lid + k * ${T}u;
      if (d < p.headDim) { st_part(pb + 2u + d, acc[k]); }
    }
  }
}
`;
}

/** Merges the nSplit partials of each (token, head): out = Σ_s acc_s · e^(m_s − M) / Σ_s l_s · e^(m_s − M). */
export function attentionCombineWgsl(bindings: string): string {
  return `
${ATT_PARAMS}
${bindings}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let h = wid.x; let t = wid.y;
  let pb = (t * p.nHeads + h) * p.nSplit * (p.headDim + 2u);
  var mx = -3.0e38;
  for (var s = 0u; s < p.nSplit; s++) { mx = max(mx, ld_part(pb + s * (p.headDim + 2u))); }
  var l = 0.0;
  for (var s = 0u; s < p.nSplit; s++) {
    let b = pb + s * (p.headDim + 2u);
    l += ld_part(b + 1u) * exp(ld_part(b) - mx);
  }
  for (var d = lid; d < p.headDim; d += 64u) {
    var a = 0.0;
    for (var s = 0u; s < p.nSplit; s++) {
      let b = pb + s * (p.headDim + 2u);
      a += ld_part(b + 2u + d) * exp(ld_part(b) - mx);
    }
    st_out(t * p.qDim + h * p.headDim + d, a / l);
  }
}
`;
}

/** Query tokens and key positions per flash tile; the flash kernel takes head sizes up to FLASH_MAX_HEAD_DIM. */
export const FLASH_QT = 16;
export const FLASH_KT = 16;
export const FLASH_MAX_HEAD_DIM = 128;

/**
 * Flash-style prefill attention (Dao et al. 2022) for a batch that is one sequence at consecutive positions: one
 * workgroup per (head, 16 query tokens) stages Q, then per 16-position K/V tile the K and V rows (dequantized) in
 * workgroup memory, so each cached row is read once per query tile instead of once per token. 4 threads per query
 * row: they score the 16×16 tile together, then each keeps the online softmax state and a quarter of the head dims.
 */
export function flashAttentionWgsl(kType: KvType, vType: KvType, bindings: string): string {
  const QT = FLASH_QT, KT = FLASH_KT, HD = FLASH_MAX_HEAD_DIM;
  return `
${ATT_PARAMS}
${bindings}
${kvReader("k", kType)}
${kvReader("v", vType)}
var<workgroup> qsh: array<f32, ${QT * HD}>;
var<workgroup> ksh: array<f32, ${KT * HD}>;
var<workgroup> vsh: array<f32, ${KT * HD}>;
var<workgroup> ssh: array<f32, ${QT * KT}>;
var<workgroup> range: vec2<u32>;
fn firstPos(pos: u32) -> u32 { if (p.window > 0u && pos + 1u > p.window) { return pos + 1u - p.window; } return 0u; }
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let h = wid.x; let tq0 = wid.y * ${QT}u;
  let nq = min(${QT}u, p.nTok - tq0);
  if (lid == 0u) {
    let p0 = u32(ld_positions(tq0));
    range = vec2<u32>(firstPos(p0), p0 + nq);
  }
  for (var e = lid; e < ${QT}u * p.headDim; e += 64u) {
    let i = e / p.headDim; let d = e % p.headDim;
    var v = 0.0;
    if (i < nq) { v = ld_q((tq0 + i) * p.qDim + h * p.headDim + d); }
    qsh[i * ${HD}u + d] = v;
  }
  let r = workgroupUniformLoad(&range);
  let p0 = r.y - nq;
  let kvOff = (h / (p.nHeads / p.nKvHeads)) * p.headDim;
  let tb = u32(ld_tokenSeq(tq0)) * p.maxBlocks;
  let qi = lid / 4u; let part = lid % 4u;
  let dPer = p.headDim / 4u;
  var m = -3.0e38; var l = 0.0;
  var acc: array<f32, ${HD / 4}>;
  for (var k0 = r.x; k0 < r.y; k0 += ${KT}u) {
    for (var e = lid; e < ${KT}u * p.headDim; e += 64u) {
      let j = e / p.headDim; let d = e % p.headDim; let pos = k0 + j;
      var kv = 0.0; var vv = 0.0;
      if (pos < r.y) {
        let slot = u32(ld_blockTables(tb + pos / p.blockSize)) * p.blockSize + pos % p.blockSize;
        kv = val_k(slot, kvOff + d); vv = val_v(slot, kvOff + d);
      }
      ksh[j * ${HD}u + d] = kv; vsh[j * ${HD}u + d] = vv;
    }
    workgroupBarrier();
    for (var c = 0u; c < ${(QT * KT) / 64}u; c++) {
      let e = lid + 64u * c; let a = e / ${KT}u; let j = e % ${KT}u;
      let pos = k0 + j; let qpos = p0 + a;
      var s = -3.0e38;
      if (a < nq && pos <= qpos && pos >= firstPos(qpos)) {
        var dot = 0.0;
        for (var d = 0u; d < p.headDim; d++) { dot += qsh[a * ${HD}u + d] * ksh[j * ${HD}u + d]; }
        s = dot * p.scale;
        if (p.softcap > 0.0) { s = p.softcap * tanh(clamp(s / p.softcap, -15.0, 15.0)); }
      }
      ssh[a * ${KT}u + j] = s;
    }
    workgroupBarrier();
    var tmax = m;
    for (var j = 0u; j < ${KT}u; j++) { tmax = max(tmax, ssh[qi * ${KT}u + j]); }
    let f = exp(m - tmax);
    for (var dd = 0u; dd < dPer; dd++) { acc[dd] *= f; }
    var psum = 0.0;
    for (var j = 0u; j < ${KT}u; j++) {
      let s = ssh[qi * ${KT}u + j];
      if (s > -1.0e38) {
        let pj = exp(s - tmax);
        psum += pj;
        for (var dd = 0u; dd < dPer; dd++) { acc[dd] += pj * vsh[j * ${HD}u + part * dPer + dd]; }
      }
    }
    l = l * f + psum;
    m = tmax;
    workgroupBarrier();
  }
  if (qi < nq) {
    for (var dd = 0u; dd < dPer; dd++) { st_out((tq0 + qi) * p.qDim + h * p.headDim + part * dPer + dd, acc[dd] / l); }
  }
}
`;
}
