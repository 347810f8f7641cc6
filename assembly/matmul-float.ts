import { f16ToF32, hmax, hsum, hsum4x4 } from "./f16";
import { S_COL_OF, S_ROW_OF, S_ROW_START, S_VALUES } from "./f16-subnormals";
import { madd } from "./int-dot";
import { threadSlot } from "./thread-slot";

// Products of float weights (F32, F16, BF16) with f32 activations x [nTokens, cols]; any cols.
//
// One to three tokens: each token in turn, two rows at once half the range apart (two streams from memory), two
// four-wide accumulators per row, weights converted as they are read (2-byte kinds eight at a time from one 16-byte
// load: low4of8 / high4of8).
// Four tokens or more (prefill, a batch of decoding sequences): a 2-row × 4-token register tile with every load at a
// constant offset from one of two pointers, which V8 turns into about 19 instructions per 8 multiply-adds (the
// earlier row × 4-token loop needed 34: a weight conversion and an address computation per load). For that:
// - packTokens4 lays the activations out once per product as 4-token groups, [group][column quad][token][4 lanes],
//   zero-padded to whole groups and column quads;
// - each thread converts a chunk of rows (about 16 KB as f32, so they stay in L1 for every token group) into its
//   scratch slot as row pairs, [pair][column quad][row][4 lanes];
// - a last group with one real token goes the one-token way instead;
// - with a single token group (4 or 5 tokens) the pair of rows is read in place and converted as loaded, as a
//   chunk's conversion would serve only one group (F16 1.19–1.43×, BF16 1.55–1.63×, F32 1.63× at 4 tokens).
// F16 matrices may come with their subnormal values split out at load (f16-subnormals.ts: the conversion's multiply
// takes a microcode assist on each): chunks get them written in after conversion, the passes that read the halves
// directly add their products afterwards.
// Same-process A/B against the earlier row × 4-token loop, the kernel alone (F16): 1.3–1.4× at 8 tokens, 1.6–1.9× at
// 16–64. Converting eight values per load (one token, and the chunks): F16 1.04–1.19× at one token and 1.04–1.09×
// at 8–16, BF16 1.17–1.39× and 1.04–1.14×.

const KIND_F32 = 0;
const KIND_F16 = 1;
const KIND_BF16 = 2;
// F16 read against activations prescaled by 2^112 (matmulF16Scaled): converted without the rebasing multiply.
const KIND_F16_SCALED = 3;

// Rows converted at a time: as many whole pairs as fit in 16 KB of f32, at least one pair.
const CHUNK_BYTES = 16384;

@inline function elemBytes(kind: i32): usize {
  return kind == KIND_F32 ? 4 : 2;
}

@inline function quads(cols: i32): i32 {
  return (cols + 3) >> 2;
}

@inline function chunkRows(cols: i32): i32 {
  return max(2, min(16, (CHUNK_BYTES / (quads(cols) << 4)) & ~1));
}

/** Bytes of one thread's scratch slot for a product with `cols` columns (a chunk of rows as f32 pairs). */
export function floatTileSlotBytes(cols: i32): usize {
  return <usize>chunkRows(cols) * <usize>quads(cols) << 4;
}

// F16 → F32 in four lanes in fewer operations than f16x4ToF32x4 (two constants, no OR; identical bits): the half in
// the top 16 bits, an arithmetic shift by 3 puts exponent and mantissa in float position (copying the sign into the
// three bits the mask clears), and × 2^112 rebases the exponent: exact for normals and subnormals (Inf/NaN, absent
// from weights, come out finite, as with f16x4ToF32x4).
const F16_KEEP = 0x8fffe000;
const F16_REBASE: f32 = reinterpret<f32>(0x77800000); // 2^112

// A 2-byte kind's values in the top halves of four i32 lanes → f32 (BF16: already in place; F16_SCALED: × 2^-112).
@inline function fromTop16(kind: i32, hi: v128): v128 {
  if (kind == KIND_F16) return f32x4.mul(v128.and(i32x4.shr_s(hi, 3), i32x4.splat(F16_KEEP)), f32x4.splat(F16_REBASE));
  if (kind == KIND_F16_SCALED) return v128.and(i32x4.shr_s(hi, 3), i32x4.splat(F16_KEEP));
  return hi;
}

@inline function load4(kind: i32, p: usize): v128 {
  if (kind == KIND_F32) return v128.load(p);
  return fromTop16(kind, i32x4.shl(i32x4.extend_low_i16x8_u(v128.load64_zero(p)), 16));
}

// Eight values of a 2-byte kind from one 16-byte load (v): the low four and the high four, each placed in the top
// halves of the i32 lanes by an interleave with zero (one punpcklwd / punpckhwd instead of a widening and a shift).
@inline function low4of8(kind: i32, v: v128): v128 {
  return fromTop16(kind, v128.shuffle<i16>(i32x4.splat(0), v, 0, 8, 1, 9, 2, 10, 3, 11));
}
@inline function high4of8(kind: i32, v: v128): v128 {
  return fromTop16(kind, v128.shuffle<i16>(i32x4.splat(0), v, 4, 12, 5, 13, 6, 14, 7, 15));
}

@inline function load1(kind: i32, p: usize): f32 {
  if (kind == KIND_F32) return load<f32>(p);
  if (kind == KIND_F16) return f16ToF32(<u32>load<u16>(p));
  if (kind == KIND_F16_SCALED) return reinterpret<f32>(((<i32>load<u16>(p) << 16) >> 3) & F16_KEEP);
  return reinterpret<f32>(<u32>load<u16>(p) << 16);
}

// Token t of x times rows [r0, r1): rows r and r + h together (h = half the range: two independent streams from
// memory keep more reads in flight than one), an odd last row alone.
@inline function oneToken(kind: i32, w: usize, x: usize, out: usize, rows: i32, cols: i32, t: i32, r0: i32, r1: i32): void {
  const x0 = x + <usize>t * (<usize>cols << 2);
  const o = out + <usize>t * (<usize>rows << 2);
  const h = (r1 - r0) >> 1;
  for (let r = r0; r < r0 + h; r++) rowPair1(kind, w, x0, o, cols, r, r + h);
  if (((r1 - r0) & 1) != 0) rowPair1(kind, w, x0, o, cols, r1 - 1, r1 - 1);
}

// Rows ra and rb (the same row twice for a lone row) times one token's activations x0, into o: two four-wide
// accumulators per row, weights converted as they are read (2-byte kinds eight at a time from one 16-byte load).
@inline function rowPair1(kind: i32, w: usize, x0: usize, o: usize, cols: i32, ra: i32, rb: i32): void {
  const eb = elemBytes(kind);
  const rowBytes = <usize>cols * eb;
  const wa = w + <usize>ra * rowBytes, wb = w + <usize>rb * rowBytes;
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), b0 = f32x4.splat(0), b1 = f32x4.splat(0);
  let i = 0;
  for (; i + 8 <= cols; i += 8) {
    const xi = x0 + (<usize>i << 2);
    const xv0 = v128.load(xi), xv1 = v128.load(xi, 16);
    if (kind == KIND_F32) {
      const off = <usize>i << 2;
      a0 = madd(v128.load(wa + off), xv0, a0);
      a1 = madd(v128.load(wa + off, 16), xv1, a1);
      b0 = madd(v128.load(wb + off), xv0, b0);
      b1 = madd(v128.load(wb + off, 16), xv1, b1);
    } else {
      const va = v128.load(wa + (<usize>i << 1)), vb = v128.load(wb + (<usize>i << 1));
      a0 = madd(low4of8(kind, va), xv0, a0);
      a1 = madd(high4of8(kind, va), xv1, a1);
      b0 = madd(low4of8(kind, vb), xv0, b0);
      b1 = madd(high4of8(kind, vb), xv1, b1);
    }
  }
  let sa = hsum(f32x4.add(a0, a1)), sb = hsum(f32x4.add(b0, b1));
  for (; i < cols; i++) {
    const xs = load<f32>(x0 + (<usize>i << 2));
    sa += load1(kind, wa + <usize>i * eb) * xs;
    sb += load1(kind, wb + <usize>i * eb) * xs;
  }
  store<f32>(o + (<usize>ra << 2), sa);
  store<f32>(o + (<usize>rb << 2), sb);
}

/** Activations [nTokens, cols] → 4-token groups [g0, g1) at xp (layout above; missing tokens and columns are 0). */
export function packTokens4(x: usize, xp: usize, cols: i32, nTokens: i32, unused4: i32, unused5: i32, g0: i32, g1: i32): void {
  const xs = <usize>cols << 2;
  const c4 = cols & ~3;
  for (let g = g0; g < g1; g++) {
    let d = xp + <usize>g * (<usize>quads(cols) << 6);
    for (let j = 0; j < 4; j++) {
      const t = (g << 2) + j;
      const src = x + <usize>t * xs;
      let dj = d + (<usize>j << 4);
      if (t >= nTokens) {
        for (let q = 0; q < quads(cols); q++) v128.store(dj + (<usize>q << 6), i32x4.splat(0));
        continue;
      }
      let i = 0;
      for (; i < c4; i += 4) {
        v128.store(dj, v128.load(src + (<usize>i << 2)));
        dj += 64;
      }
      if (i < cols) {
        let tail = f32x4.splat(0);
        tail = f32x4.replace_lane(tail, 0, load<f32>(src + (<usize>i << 2)));
        if (i + 1 < cols) tail = f32x4.replace_lane(tail, 1, load<f32>(src + (<usize>(i + 1) << 2)));
        if (i + 2 < cols) tail = f32x4.replace_lane(tail, 2, load<f32>(src + (<usize>(i + 2) << 2)));
        v128.store(dj, tail);
      }
    }
  }
}

// Rows [r, r + 2) (the second may be past `last` and is then zero) → f32 at d, [column quad][row][4 lanes].
@inline function convertPair(kind: i32, w: usize, d: usize, cols: i32, r: i32, last: i32): void {
  const eb = elemBytes(kind);
  const rowBytes = <usize>cols * eb;
  const w0 = w + <usize>r * rowBytes;
  const two = r + 1 < last;
  const c4 = cols & ~3;
  let p = d;
  let i = 0;
  if (kind != KIND_F32) {
    for (; i + 8 <= c4; i += 8) {
      const v0 = v128.load(w0 + (<usize>i << 1));
      const v1 = two ? v128.load(w0 + rowBytes + (<usize>i << 1)) : i32x4.splat(0);
      v128.store(p, low4of8(kind, v0));
      v128.store(p, low4of8(kind, v1), 16);
      v128.store(p, high4of8(kind, v0), 32);
      v128.store(p, high4of8(kind, v1), 48);
      p += 64;
    }
  }
  for (; i < c4; i += 4) {
    v128.store(p, load4(kind, w0 + <usize>i * eb));
    v128.store(p, two ? load4(kind, w0 + rowBytes + <usize>i * eb) : i32x4.splat(0), 16);
    p += 32;
  }
  if (i < cols) {
    v128.store(p, i32x4.splat(0));
    v128.store(p, i32x4.splat(0), 16);
    for (let k = i; k < cols; k++) {
      const lane = <usize>(k - i) << 2;
      store<f32>(p + lane, load1(kind, w0 + <usize>k * eb));
      if (two) store<f32>(p + 16 + lane, load1(kind, w0 + rowBytes + <usize>k * eb));
    }
  }
}

// Stores a tile's sums: row r's four tokens in lanes of s0, row r + 1's in s1; only tokens < nt and rows < last.
@inline function storeTile(o: usize, ob: usize, s0: v128, s1: v128, nt: i32, two: bool): void {
  store<f32>(o, f32x4.extract_lane(s0, 0));
  if (two) store<f32>(o, f32x4.extract_lane(s1, 0), 4);
  if (nt < 2) return;
  store<f32>(o + ob, f32x4.extract_lane(s0, 1));
  if (two) store<f32>(o + ob, f32x4.extract_lane(s1, 1), 4);
  if (nt < 3) return;
  store<f32>(o + 2 * ob, f32x4.extract_lane(s0, 2));
  if (two) store<f32>(o + 2 * ob, f32x4.extract_lane(s1, 2), 4);
  if (nt < 4) return;
  store<f32>(o + 3 * ob, f32x4.extract_lane(s0, 3));
  if (two) store<f32>(o + 3 * ob, f32x4.extract_lane(s1, 3), 4);
}

// Rows r, r + 1 times the token group at xq (nq column quads) → their sums for tokens t..t+3: from the pair a chunk
// conversion wrote at w ([quad][row][4 lanes], `converted`), or from the rows themselves, r at w and r + 1 at
// w + rowOff, converted as loaded (a single token group, where a chunk's conversion would not be shared; cols % 4 == 0).
@inline function tile2x4(kind: i32, converted: bool, w: usize, rowOff: usize, xq: usize, nq: i32, o: usize, ob: usize, nt: i32, two: bool): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0), b3 = f32x4.splat(0);
  const step: usize = converted ? 32 : elemBytes(kind) << 2;
  const end = w + <usize>nq * step;
  while (w < end) {
    const u = converted ? v128.load(w) : load4(kind, w);
    const v = converted ? v128.load(w, 16) : load4(kind, w + rowOff);
    let xv = v128.load(xq);
    a0 = madd(u, xv, a0); b0 = madd(v, xv, b0);
    xv = v128.load(xq, 16);
    a1 = madd(u, xv, a1); b1 = madd(v, xv, b1);
    xv = v128.load(xq, 32);
    a2 = madd(u, xv, a2); b2 = madd(v, xv, b2);
    xv = v128.load(xq, 48);
    a3 = madd(u, xv, a3); b3 = madd(v, xv, b3);
    w += step;
    xq += 64;
  }
  storeTile(o, ob, hsum4x4(a0, a1, a2, a3), hsum4x4(b0, b1, b2, b3), nt, two);
}

// The tokens [0, tiled) of a product (whole groups, the last one possibly partial) over rows [r0, r1) through
// chunks converted into this thread's scratch slot, every group over each chunk. The weights split out of the
// matrix at load (`sparse`, f16-subnormals.ts) are written into each converted chunk, so the tiles sum them in place.
@inline function chunkTiles(kind: i32, w: usize, xp: usize, out: usize, rows: i32, cols: i32, tiled: i32, scratch: usize,
  sparse: usize, r0: i32, r1: i32): void {
  const slot = threadSlot(scratch, floatTileSlotBytes(cols));
  const nq = quads(cols);
  const ob = <usize>rows << 2;
  const groups = (tiled + 3) >> 2;
  const step = chunkRows(cols);
  // While a chunk's tiles run, one byte of each cache line of the next chunk is read, spread over the tiles, so the
  // next conversion finds its rows in cache (WebAssembly has no prefetch). Whole 8-sequence decode steps of
  // stories-7m took 0.93–0.95× the time with it (same-process A/B); `sink` keeps the reads.
  const rowBytes = <usize>cols * elemBytes(kind);
  const end = w + <usize>r1 * rowBytes;
  let sink: u32 = 0;
  for (let c = r0; c < r1; c += step) {
    const ce = min(r1, c + step);
    for (let r = c; r < ce; r += 2) convertPair(kind, w, slot + <usize>((r - c) >> 1) * (<usize>nq << 5), cols, r, ce);
    if (sparse != 0) patchChunk(sparse, slot, nq, c, ce);
    let np = w + <usize>ce * rowBytes;
    const touches = <i32>((<usize>step * rowBytes) >> 6) / (groups * ((ce - c + 1) >> 1)) + 1;
    for (let g = 0; g < groups; g++) {
      const xq = xp + <usize>g * (<usize>nq << 6);
      const nt = min(4, tiled - (g << 2));
      const og = out + <usize>(g << 2) * ob;
      for (let r = c; r < ce; r += 2) {
        for (let k = 0; k < touches && np < end; k++) { sink += load<u8>(np); np += 64; }
        tile2x4(kind, true, slot + <usize>((r - c) >> 1) * (<usize>nq << 5), 0, xq, nq, og + (<usize>r << 2), ob, nt, r + 1 < ce);
      }
    }
  }
  store<u32>(slot, sink);
}

// Writes the split-out weights of rows [c, ce) into their places in the chunk converted at slot ([pair][quad][row][4
// lanes], convertPair's layout), where their halves left zeros.
@inline function patchChunk(sparse: usize, slot: usize, nq: i32, c: i32, ce: i32): void {
  const rowStart = load<usize>(sparse, S_ROW_START), rowOf = load<usize>(sparse, S_ROW_OF);
  const colOf = load<usize>(sparse, S_COL_OF), values = load<usize>(sparse, S_VALUES);
  const e1 = <usize>load<i32>(rowStart + (<usize>ce << 2)) << 2;
  for (let eb = <usize>load<i32>(rowStart + (<usize>c << 2)) << 2; eb < e1; eb += 4) {
    const rr = load<i32>(rowOf + eb) - c, col = load<i32>(colOf + eb);
    const at = slot + <usize>(rr >> 1) * (<usize>nq << 5) + (<usize>(col >> 2) << 5) + (<usize>(rr & 1) << 4) + (<usize>(col & 3) << 2);
    store<f32>(at, load<f32>(values + eb));
  }
}

// Adds, for rows [r0, r1) and tokens [t0, t1), the products of the weights split out of the matrix at load
// (f16-subnormals.ts) to passes that read the stored halves (one token, a single group in place): `sparse` points
// at the lists' addresses (rowStart, rows, cols, values). Flat passes over the range's entries (a loop per row
// mispredicted its exit on most rows: 20 cycles an entry).
@inline function addSplitWeights(sparse: usize, x: usize, out: usize, rows: i32, cols: i32, t0: i32, t1: i32, r0: i32, r1: i32): void {
  const rowStart = load<usize>(sparse, S_ROW_START), rowOf = load<usize>(sparse, S_ROW_OF);
  const colOf = load<usize>(sparse, S_COL_OF), values = load<usize>(sparse, S_VALUES);
  const xs = <usize>cols << 2, os = <usize>rows << 2;
  const e0 = <usize>load<i32>(rowStart + (<usize>r0 << 2)) << 2, e1 = <usize>load<i32>(rowStart + (<usize>r1 << 2)) << 2;
  if (e0 == e1) return;
  // Token by token: that token's activations and output rows stay in L1 while the entries go by in row order.
  for (let t = t0, ot = out + <usize>t0 * os, xt = x + <usize>t0 * xs; t < t1; t++, ot += os, xt += xs) {
    for (let eb = e0; eb < e1; eb += 4) {
      const o = ot + (<usize>load<i32>(rowOf + eb) << 2);
      store<f32>(o, load<f32>(o) + load<f32>(values + eb) * load<f32>(xt + (<usize>load<i32>(colOf + eb) << 2)));
    }
  }
}

// scratch: one slot of floatTileSlotBytes(cols) per pool thread (thread-slot.ts). xp: packTokens4's groups (read
// only when nTokens ≥ 4). sparse: the split-out subnormal weights' lists (F16; 0 when none).
@inline function matmulFloat(kind: i32, w: usize, x: usize, xp: usize, out: usize, rows: i32, cols: i32, nTokens: i32,
  scratch: usize, sparse: usize, r0: i32, r1: i32): void {
  if (nTokens < 4) {
    for (let t = 0; t < nTokens; t++) oneToken(kind, w, x, out, rows, cols, t, r0, r1);
    if (sparse != 0) addSplitWeights(sparse, x, out, rows, cols, 0, nTokens, r0, r1);
    return;
  }
  // A last group holding one real token costs more as a padded tile than as one token alone.
  const tiled = (nTokens & 3) == 1 ? nTokens - 1 : nTokens;
  if (tiled <= 4 && (cols & 3) == 0) {
    // One token group: the rows read in place.
    const rowBytes = <usize>cols * elemBytes(kind);
    for (let r = r0; r < r1; r += 2) {
      const two = r + 1 < r1;
      tile2x4(kind, false, w + <usize>r * rowBytes, two ? rowBytes : 0, xp, quads(cols), out + (<usize>r << 2), <usize>rows << 2, tiled, two);
    }
    if (sparse != 0) addSplitWeights(sparse, x, out, rows, cols, 0, tiled, r0, r1);
  } else {
    chunkTiles(kind, w, xp, out, rows, cols, tiled, scratch, sparse, r0, r1);
  }
  if (tiled < nTokens) {
    oneToken(kind, w, x, out, rows, cols, nTokens - 1, r0, r1);
    if (sparse != 0) addSplitWeights(sparse, x, out, rows, cols, tiled, nTokens, r0, r1);
  }
}

export function matmulF32(w: usize, x: usize, xp: usize, out: usize, rows: i32, cols: i32, nTokens: i32, scratch: usize,
  sparse: usize, u9: i32, u10: i32, u11: i32, r0: i32, r1: i32): void {
  matmulFloat(KIND_F32, w, x, xp, out, rows, cols, nTokens, scratch, sparse, r0, r1);
}
export function matmulF16(w: usize, x: usize, xp: usize, out: usize, rows: i32, cols: i32, nTokens: i32, scratch: usize,
  sparse: usize, u9: i32, u10: i32, u11: i32, r0: i32, r1: i32): void {
  matmulFloat(KIND_F16, w, x, xp, out, rows, cols, nTokens, scratch, sparse, r0, r1);
}
// One to three tokens of an F16 product against xs = x × 2^112 (scaleForHalves' copy of x): the conversion then
// leaves out its rebasing multiply, about a tenth of a one-token product's time. The products are the same, bit for
// bit: (w × 2^-112) × (x × 2^112) = w × x exactly, as both scalings are by powers of two and no value leaves the
// normal range (a normal half × 2^-112 is at least 2^-126; scaleForHalves allows |x| < 2^15 only). The split-out
// subnormals are added from x itself.
export function matmulF16Scaled(w: usize, x: usize, xp: usize, out: usize, rows: i32, cols: i32, nTokens: i32, scratch: usize,
  sparse: usize, xs: usize, u10: i32, u11: i32, r0: i32, r1: i32): void {
  for (let t = 0; t < nTokens; t++) oneToken(KIND_F16_SCALED, w, xs, out, rows, cols, t, r0, r1);
  if (sparse != 0) addSplitWeights(sparse, x, out, rows, cols, 0, nTokens, r0, r1);
}

/** dst = src × 2^112 (n floats); returns 1 when every |src| < 2^15, so matmulF16Scaled may read dst, else 0 (NaN too). */
export function scaleForHalves(dst: usize, src: usize, n: i32): i32 {
  let m = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(src + (<usize>i << 2));
    m = f32x4.max(m, f32x4.abs(v));
    v128.store(dst + (<usize>i << 2), f32x4.mul(v, f32x4.splat(F16_REBASE)));
  }
  let ms = hmax(m);
  for (; i < n; i++) {
    const v = load<f32>(src + (<usize>i << 2));
    ms = max(ms, abs(v));
    store<f32>(dst + (<usize>i << 2), v * F16_REBASE);
  }
  return ms < 32768 ? 1 : 0;
}

export function matmulBF16(w: usize, x: usize, xp: usize, out: usize, rows: i32, cols: i32, nTokens: i32, scratch: usize,
  sparse: usize, u9: i32, u10: i32, u11: i32, r0: i32, r1: i32): void {
  matmulFloat(KIND_BF16, w, x, xp, out, rows, cols, nTokens, scratch, sparse, r0, r1);
}
