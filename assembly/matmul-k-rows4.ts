import { f16sx4ToF32x4, hsum, loadF16 } from "./f16";
import { byteField, hadd, madd, pairsU5, shlSmallBytes, signedDot, swizzleIn } from "./int-dot";
import { IQ4NL_TABLE, KIND_Q2_K, KIND_Q3_K, KIND_Q4_K, KIND_Q5_K, chunkDot, finishBlock, groupScales, iq4xsScales, kBlockBytes, kMins, kScalesMins, q45Codes, q5High, subBlockSums } from "./matmul-k";

// Super-block types times one token (decode), four weight rows at a time: the driver (matmul-k-driver.ts) gives
// rows a quarter of its range apart, so four independent streams of reads are in flight (WebAssembly has no
// prefetch). Each kernel keeps the integer sums of ggml's vec_dot_*_q8_K (matmul-k.ts explains the scheme); the
// 4-token tiles of prefill and batches stay in rowK there.

// Q4_K and Q5_K times one token (decode), four rows at once (at w0..w3; rows repeated for a short remainder): per
// row, each 64-value chunk's two sub-block dots folded into one vector of four totals and multiplied by the
// sub-block scales as i32 lanes (one pmaddwd): fewer operations per value than the generic tile of rowK, which
// unpacks codes per 16-value group. Per super-block the four rows' integer sums reduce to one vector (lane r: row r),
// scaled by the four rows' d · d_activation in one multiply-add; their minima likewise, from the activation sums of
// each 32-value sub-block (pairs of group sums, formed once for the four rows) in one pmaddwd per row.
// The four rows run through each chunk together, sharing its activation loads, in a real loop: unrolled, V8 issued
// all of a row's loads before any arithmetic and spilled them.
@inline function rowsK4(kind: i32, w0: usize, w1: usize, w2: usize, w3: usize, nbk: i32, q: usize, dx: usize, bs: usize,
  o0: usize, o1: usize, o2: usize, o3: usize): void {
  const bytes = kBlockBytes(kind);
  const qs: usize = kind == KIND_Q4_K ? 16 : 48;
  let acc = f32x4.splat(0), mins = f32x4.splat(0);
  for (let k = 0; k < nbk; k++) {
    const off = <usize>k * bytes;
    const a = q + (<usize>k << 8), b = bs + (<usize>k << 5);
    const da = v128.load32_splat(dx + (<usize>k << 2));
    const p0 = w0 + off, p1 = w1 + off, p2 = w2 + off, p3 = w3 + off;
    const sm0 = kScalesMins(p0 + 4), sm1 = kScalesMins(p1 + 4), sm2 = kScalesMins(p2 + 4), sm3 = kScalesMins(p3 + 4);
    const b32 = subBlockSums(b);
    const m = hadd(hadd(kMins(sm0, b32), kMins(sm1, b32)), hadd(kMins(sm2, b32), kMins(sm3, b32)));
    // The rows' [d, dmin] halves as i32 lanes: d sign-extended from the low half, dmin from the high one.
    const dd = v128.load32_lane(p3, v128.load32_lane(p2, v128.load32_lane(p1, v128.load32_zero(p0), 1), 2), 3);
    mins = madd(f32x4.convert_i32x4_s(m), f32x4.mul(f16sx4ToF32x4(i32x4.shr_s(dd, 16)), da), mins);
    let i0 = i32x4.splat(0), i1 = i32x4.splat(0), i2 = i32x4.splat(0), i3 = i32x4.splat(0);
    // Chunk j's scale pairs [s_2j ×4, s_2j+1 ×4] swizzled from the scale bytes straight into 16-bit lanes (the high
    // bytes' index selects zero): these indices plus 2j in each low byte.
    let idx = i8x16(0, -128, 0, -128, 0, -128, 0, -128, 1, -128, 1, -128, 1, -128, 1, -128);
    for (let j: usize = 0; j < 4; j++) {
      const aj = a + (j << 6), cj = qs + (j << 5);
      const x0 = v128.load(aj), x1 = v128.load(aj, 16), x2 = v128.load(aj, 32), x3 = v128.load(aj, 48);
      const s = <i32>j << 1;
      i0 = i32x4.add(i0, kChunk(kind, p0, cj, s, x0, x1, x2, x3, swizzleIn(sm0, idx)));
      i1 = i32x4.add(i1, kChunk(kind, p1, cj, s, x0, x1, x2, x3, swizzleIn(sm1, idx)));
      i2 = i32x4.add(i2, kChunk(kind, p2, cj, s, x0, x1, x2, x3, swizzleIn(sm2, idx)));
      i3 = i32x4.add(i3, kChunk(kind, p3, cj, s, x0, x1, x2, x3, swizzleIn(sm3, idx)));
      idx = i16x8.add(idx, i16x8.splat(2));
    }
    const dv = f32x4.mul(f16sx4ToF32x4(i32x4.shr_s(i32x4.shl(dd, 16), 16)), da);
    acc = madd(f32x4.convert_i32x4_s(hadd(hadd(i0, i1), hadd(i2, i3))), dv, acc);
  }
  const r = f32x4.sub(acc, mins);
  store<f32>(o0, f32x4.extract_lane(r, 0));
  store<f32>(o1, f32x4.extract_lane(r, 1));
  store<f32>(o2, f32x4.extract_lane(r, 2));
  store<f32>(o3, f32x4.extract_lane(r, 3));
}

// Q4_K, Q5_K and Q6_K stay functions of their own: inlined into the driver's matmul, Q4_K ran 0.93–0.99× and Q6_K
// 0.85–1.04×; the Q2_K, Q3_K and IQ4_XS kernels are inlined there (1.02–1.13× faster so).
export function rowsQ4_K4(w0: usize, w1: usize, w2: usize, w3: usize, nbk: i32, q: usize, dx: usize, bs: usize,
  o0: usize, o1: usize, o2: usize, o3: usize): void {
  rowsK4(KIND_Q4_K, w0, w1, w2, w3, nbk, q, dx, bs, o0, o1, o2, o3);
}
export function rowsQ5_K4(w0: usize, w1: usize, w2: usize, w3: usize, nbk: i32, q: usize, dx: usize, bs: usize,
  o0: usize, o1: usize, o2: usize, o3: usize): void {
  rowsK4(KIND_Q5_K, w0, w1, w2, w3, nbk, q, dx, bs, o0, o1, o2, o3);
}

// Chunk j of a super-block at p (q45Codes) times its 64 activations x0…x3, scaled by s2 (chunkDot).
@inline function kChunk(kind: i32, p: usize, cj: usize, s: i32, x0: v128, x1: v128, x2: v128, x3: v128, s2: v128): v128 {
  const c0 = v128.load(p + cj), c1 = v128.load(p + cj, 16), hb0 = q5High(kind, p, 0), hb1 = q5High(kind, p, 1);
  return chunkDot(q45Codes(kind, c0, hb0, s, true), q45Codes(kind, c1, hb1, s, true), q45Codes(kind, c0, hb0, s, false),
    q45Codes(kind, c1, hb1, s, false), x0, x1, x2, x3, s2);
}

// IQ4_XS times one token (decode), four rows at once, as rowsK4: per 64-value chunk (two 32-value sub-blocks) the
// activations' magnitudes and signs once for the four rows, each row's codes looked up in the IQ4_NL table, their
// signs flipped where the activation is negative so one pmaddubsw takes |activation| (Q8_K activations are within
// ±127), and the sub-block scale applied to the 16-bit pair sums by pmaddwd: 1.73–1.76× the generic rowK tile (one thread), 2.29× (two).
@inline export function rowsIQ4_XS4(w0: usize, w1: usize, w2: usize, w3: usize, nbk: i32, q: usize, dx: usize,
  o0: usize, o1: usize, o2: usize, o3: usize): void {
  let acc0 = f32x4.splat(0), acc1 = f32x4.splat(0), acc2 = f32x4.splat(0), acc3 = f32x4.splat(0);
  for (let k = 0; k < nbk; k++) {
    const off = <usize>k * 136;
    const a = q + (<usize>k << 8);
    const da = load<f32>(dx + (<usize>k << 2));
    const p0 = w0 + off, p1 = w1 + off, p2 = w2 + off, p3 = w3 + off;
    const sc0 = iq4xsScales(p0), sc1 = iq4xsScales(p1), sc2 = iq4xsScales(p2), sc3 = iq4xsScales(p3);
    let i0 = i32x4.splat(0), i1 = i32x4.splat(0), i2 = i32x4.splat(0), i3 = i32x4.splat(0);
    // The bytes of scale 2j (idxA) and 2j + 1 (idxB) in every 16-bit lane: these plus 4j.
    let idxA = i8x16(0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1);
    let idxB = i8x16(2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3);
    for (let j: usize = 0; j < 4; j++) {
      const aj = a + (j << 6), qj: usize = 8 + (j << 5);
      const x0 = v128.load(aj), x1 = v128.load(aj, 16), x2 = v128.load(aj, 32), x3 = v128.load(aj, 48);
      const m0 = i8x16.lt_s(x0, i8x16.splat(0)), m1 = i8x16.lt_s(x1, i8x16.splat(0));
      const m2 = i8x16.lt_s(x2, i8x16.splat(0)), m3 = i8x16.lt_s(x3, i8x16.splat(0));
      const u0 = i8x16.abs(x0), u1 = i8x16.abs(x1), u2 = i8x16.abs(x2), u3 = i8x16.abs(x3);
      i0 = i32x4.add(i0, iq4xsChunk(p0 + qj, u0, u1, u2, u3, m0, m1, m2, m3, swizzleIn(sc0, idxA), swizzleIn(sc0, idxB)));
      i1 = i32x4.add(i1, iq4xsChunk(p1 + qj, u0, u1, u2, u3, m0, m1, m2, m3, swizzleIn(sc1, idxA), swizzleIn(sc1, idxB)));
      i2 = i32x4.add(i2, iq4xsChunk(p2 + qj, u0, u1, u2, u3, m0, m1, m2, m3, swizzleIn(sc2, idxA), swizzleIn(sc2, idxB)));
      i3 = i32x4.add(i3, iq4xsChunk(p3 + qj, u0, u1, u2, u3, m0, m1, m2, m3, swizzleIn(sc3, idxA), swizzleIn(sc3, idxB)));
      idxA = i8x16.add(idxA, i8x16.splat(4));
      idxB = i8x16.add(idxB, i8x16.splat(4));
    }
    acc0 = madd(f32x4.convert_i32x4_s(i0), f32x4.splat(loadF16(p0) * da), acc0);
    acc1 = madd(f32x4.convert_i32x4_s(i1), f32x4.splat(loadF16(p1) * da), acc1);
    acc2 = madd(f32x4.convert_i32x4_s(i2), f32x4.splat(loadF16(p2) * da), acc2);
    acc3 = madd(f32x4.convert_i32x4_s(i3), f32x4.splat(loadF16(p3) * da), acc3);
  }
  store<f32>(o0, hsum(acc0));
  store<f32>(o1, hsum(acc1));
  store<f32>(o2, hsum(acc2));
  store<f32>(o3, hsum(acc3));
}

// 64 codes (the 32 bytes at c: sub-block 2j's 32 values from their low then high nibbles, then 2j + 1's) times the
// activations' magnitudes u0…u3 with their sign masks m0…m3, scaled by sA (sub-block 2j) and sB (2j + 1) per lane.
@inline function iq4xsChunk(c: usize, u0: v128, u1: v128, u2: v128, u3: v128, m0: v128, m1: v128, m2: v128, m3: v128,
  sA: v128, sB: v128): v128 {
  const q0 = v128.load(c), q1 = v128.load(c, 16);
  const d0 = signedDot(swizzleIn(IQ4NL_TABLE, v128.and(q0, i8x16.splat(0x0f))), u0, m0);
  const d1 = signedDot(swizzleIn(IQ4NL_TABLE, byteField(q0, 4, 0x0f)), u1, m1);
  const d2 = signedDot(swizzleIn(IQ4NL_TABLE, v128.and(q1, i8x16.splat(0x0f))), u2, m2);
  const d3 = signedDot(swizzleIn(IQ4NL_TABLE, byteField(q1, 4, 0x0f)), u3, m3);
  return i32x4.add(i32x4.add(i32x4.dot_i16x8_s(d0, sA), i32x4.dot_i16x8_s(d1, sA)),
    i32x4.add(i32x4.dot_i16x8_s(d2, sB), i32x4.dot_i16x8_s(d3, sB)));
}

// Q6_K times one token (decode), four rows at once (at w0..w3, a quarter of the driver's range apart: four streams
// from memory; rows repeated for a short remainder), each row's super-blocks by q6kBlock.
export function rowsQ6_K4(w0: usize, w1: usize, w2: usize, w3: usize, nbk: i32, q: usize, dx: usize, bs: usize,
  o0: usize, o1: usize, o2: usize, o3: usize): void {
  let acc0 = f32x4.splat(0), acc1 = f32x4.splat(0), acc2 = f32x4.splat(0), acc3 = f32x4.splat(0);
  for (let k = 0; k < nbk; k++) {
    const off = <usize>k * 210;
    const p0 = w0 + off, p1 = w1 + off, p2 = w2 + off, p3 = w3 + off;
    const a = q + (<usize>k << 8), b = bs + (<usize>k << 5);
    const da = load<f32>(dx + (<usize>k << 2));
    acc0 = madd(f32x4.convert_i32x4_s(q6kBlock(p0, a, b)), f32x4.splat(loadF16(p0 + 208) * da), acc0);
    acc1 = madd(f32x4.convert_i32x4_s(q6kBlock(p1, a, b)), f32x4.splat(loadF16(p1 + 208) * da), acc1);
    acc2 = madd(f32x4.convert_i32x4_s(q6kBlock(p2, a, b)), f32x4.splat(loadF16(p2 + 208) * da), acc2);
    acc3 = madd(f32x4.convert_i32x4_s(q6kBlock(p3, a, b)), f32x4.splat(loadF16(p3 + 208) * da), acc3);
  }
  store<f32>(o0, hsum(acc0));
  store<f32>(o1, hsum(acc1));
  store<f32>(o2, hsum(acc2));
  store<f32>(o3, hsum(acc3));
}

// One Q6_K super-block at p times its 256 activations at a (group sums at b), as four i32 lanes: per 128-value half,
// the 6-bit codes of its four 32-value quarters unpacked from the low-nibble and high-pair bytes loaded once, each
// 16-value group's pair sums multiplied by its scale in one i32x4.dot_i16x8_s; the −32 offset through the
// activation group sums.
@inline function q6kBlock(p: usize, a: usize, b: usize): v128 {
  const m4 = i8x16.splat(0x0f), m3 = i8x16.splat(3);
  let isum = i32x4.splat(0);
  for (let n: usize = 0; n < 2; n++) {
    const ql = p + (n << 6), qh = p + 128 + (n << 5), sc = p + 192 + (n << 3), an = a + (n << 7);
    const l0 = v128.load(ql), l1 = v128.load(ql, 16), l2 = v128.load(ql, 32), l3 = v128.load(ql, 48);
    const h0 = v128.load(qh), h1 = v128.load(qh, 16);
    const c0 = v128.or(v128.and(l0, m4), shlSmallBytes(v128.and(h0, m3), 4));
    const c1 = v128.or(v128.and(l1, m4), shlSmallBytes(v128.and(h1, m3), 4));
    const c2 = v128.or(v128.and(l2, m4), shlSmallBytes(byteField(h0, 2, 3), 4));
    const c3 = v128.or(v128.and(l3, m4), shlSmallBytes(byteField(h1, 2, 3), 4));
    const c4 = v128.or(byteField(l0, 4, 0x0f), shlSmallBytes(byteField(h0, 4, 3), 4));
    const c5 = v128.or(byteField(l1, 4, 0x0f), shlSmallBytes(byteField(h1, 4, 3), 4));
    const c6 = v128.or(byteField(l2, 4, 0x0f), shlSmallBytes(byteField(h0, 6, 3), 4));
    const c7 = v128.or(byteField(l3, 4, 0x0f), shlSmallBytes(byteField(h1, 6, 3), 4));
    isum = i32x4.add(isum, i32x4.add(
      i32x4.add(i32x4.dot_i16x8_s(pairsU5(c0, v128.load(an)), i16x8.splat(load<i8>(sc))),
        i32x4.dot_i16x8_s(pairsU5(c1, v128.load(an, 16)), i16x8.splat(load<i8>(sc, 1)))),
      i32x4.add(i32x4.dot_i16x8_s(pairsU5(c2, v128.load(an, 32)), i16x8.splat(load<i8>(sc, 2))),
        i32x4.dot_i16x8_s(pairsU5(c3, v128.load(an, 48)), i16x8.splat(load<i8>(sc, 3))))));
    isum = i32x4.add(isum, i32x4.add(
      i32x4.add(i32x4.dot_i16x8_s(pairsU5(c4, v128.load(an, 64)), i16x8.splat(load<i8>(sc, 4))),
        i32x4.dot_i16x8_s(pairsU5(c5, v128.load(an, 80)), i16x8.splat(load<i8>(sc, 5)))),
      i32x4.add(i32x4.dot_i16x8_s(pairsU5(c6, v128.load(an, 96)), i16x8.splat(load<i8>(sc, 6))),
        i32x4.dot_i16x8_s(pairsU5(c7, v128.load(an, 112)), i16x8.splat(load<i8>(sc, 7))))));
  }
  const sc8 = v128.load(p + 192);
  const off = i32x4.add(i32x4.dot_i16x8_s(v128.load(b), i16x8.extend_low_i8x16_s(sc8)),
    i32x4.dot_i16x8_s(v128.load(b, 16), i16x8.extend_high_i8x16_s(sc8)));
  return i32x4.sub(isum, i32x4.shl(off, 5));
}

// Q2_K and Q3_K times one token (decode), four rows at once, as rowsK4, through eight 32-value quarters: quarter
// it = 4n + j holds bits 2j, 2j + 1 of the 32 qs bytes of half n (Q3_K adds bit 4n + j of the 32 hmask bytes as
// bit 2), codes 0…7 whose two 16-value groups' pair sums are interleaved, folded and multiplied by their scale
// pair in one pmaddwd. Q2_K's minima and Q3_K's offset of 4 go through the activation group sums (rowK's finish).
@inline export function rowsLow4(kind: i32, w0: usize, w1: usize, w2: usize, w3: usize, nbk: i32, q: usize, dx: usize, bs: usize,
  o0: usize, o1: usize, o2: usize, o3: usize): void {
  const bytes = kBlockBytes(kind);
  let acc0 = f32x4.splat(0), acc1 = f32x4.splat(0), acc2 = f32x4.splat(0), acc3 = f32x4.splat(0);
  for (let k = 0; k < nbk; k++) {
    const off = <usize>k * bytes;
    const a = q + (<usize>k << 8), b = bs + (<usize>k << 5);
    const d = dx + (<usize>k << 2);
    const p0 = w0 + off, p1 = w1 + off, p2 = w2 + off, p3 = w3 + off;
    const s0 = groupScales(kind, p0), s1 = groupScales(kind, p1), s2 = groupScales(kind, p2), s3 = groupScales(kind, p3);
    let i0 = i32x4.splat(0), i1 = i32x4.splat(0), i2 = i32x4.splat(0), i3 = i32x4.splat(0);
    // The bytes of the quarter's two group scales, repeated: these plus 2·it.
    let idx = i8x16(0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1);
    for (let it = 0; it < 8; it++) {
      const ax = a + (<usize>it << 5);
      const x0 = v128.load(ax), x1 = v128.load(ax, 16);
      i0 = i32x4.add(i0, lowQuarter(kind, p0, it, x0, x1, swizzleIn(s0, idx)));
      i1 = i32x4.add(i1, lowQuarter(kind, p1, it, x0, x1, swizzleIn(s1, idx)));
      i2 = i32x4.add(i2, lowQuarter(kind, p2, it, x0, x1, swizzleIn(s2, idx)));
      i3 = i32x4.add(i3, lowQuarter(kind, p3, it, x0, x1, swizzleIn(s3, idx)));
      idx = i8x16.add(idx, i8x16.splat(2));
    }
    acc0 = finishBlock(kind, acc0, i0, s0, p0, d, b);
    acc1 = finishBlock(kind, acc1, i1, s1, p1, d, b);
    acc2 = finishBlock(kind, acc2, i2, s2, p2, d, b);
    acc3 = finishBlock(kind, acc3, i3, s3, p3, d, b);
  }
  store<f32>(o0, hsum(acc0));
  store<f32>(o1, hsum(acc1));
  store<f32>(o2, hsum(acc2));
  store<f32>(o3, hsum(acc3));
}

// Quarter it of a Q2_K/Q3_K super-block at p (groups 2·it and 2·it + 1) times activations x0, x1; sp: the two group
// scales as bytes [sA, sB, …]. The codes are groupCodes' for both groups, from one base address and shift (two
// groupCodes calls, each computing its own, ran 0.87–0.92×).
@inline function lowQuarter(kind: i32, p: usize, it: i32, x0: v128, x1: v128, sp: v128): v128 {
  const n = <usize>(it >> 2), j = it & 3;
  const qs = p + (kind == KIND_Q2_K ? 16 : 32) + (n << 5);
  let c0 = byteField(v128.load(qs), 2 * j, 3), c1 = byteField(v128.load(qs, 16), 2 * j, 3);
  if (kind == KIND_Q3_K) {
    const hb = 4 * <i32>n + j;
    c0 = v128.or(c0, shlSmallBytes(byteField(v128.load(p), hb, 1), 2));
    c1 = v128.or(c1, shlSmallBytes(byteField(v128.load(p, 16), hb, 1), 2));
  }
  const pa = pairsU5(c0, x0), pb = pairsU5(c1, x1);
  const f = i16x8.add(v128.shuffle<i16>(pa, pb, 0, 8, 1, 9, 2, 10, 3, 11), v128.shuffle<i16>(pa, pb, 4, 12, 5, 13, 6, 14, 7, 15));
  const s = kind == KIND_Q2_K ? i16x8.extend_low_i8x16_u(sp) : i16x8.extend_low_i8x16_s(sp);
  return i32x4.dot_i16x8_s(f, s);
}
