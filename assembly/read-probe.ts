// Memory bandwidth probe: reads chunks [r0, r1) of `chunkBytes` each (a multiple of 64) with 128-bit loads and
// stores a checksum per thread at out + 4·r0 so the reads cannot be optimized away.
export function readProbe(ptr: usize, chunkBytes: i32, out: usize, u0: i32, u1: i32, u2: i32, r0: i32, r1: i32): void {
  let a = i32x4.splat(0), b = i32x4.splat(0), c = i32x4.splat(0), d = i32x4.splat(0);
  const end = ptr + <usize>r1 * <usize>chunkBytes;
  for (let p = ptr + <usize>r0 * <usize>chunkBytes; p < end; p += 64) {
    a = i32x4.add(a, v128.load(p));
    b = i32x4.add(b, v128.load(p, 16));
    c = i32x4.add(c, v128.load(p, 32));
    d = i32x4.add(d, v128.load(p, 48));
  }
  const s = i32x4.add(i32x4.add(a, b), i32x4.add(c, d));
  store<i32>(out + (<usize>r0 << 2), i32x4.extract_lane(s, 0) + i32x4.extract_lane(s, 1) + i32x4.extract_lane(s, 2) + i32x4.extract_lane(s, 3));
}
