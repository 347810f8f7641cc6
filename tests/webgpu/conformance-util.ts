import { writeF16 } from "../../src/quant/half.js";
import type { GpuWeightType } from "../../src/kernels/webgpu/index.js";

/** One conformance result: max |gpu − ref| over max |ref| (scale-relative error) against its tolerance. */
export interface CaseResult {
  readonly name: string;
  readonly err: number;
  readonly tol: number;
}

/** Deterministic inputs (mulberry32), so a failing case reproduces. */
export class Rng {
  constructor(private s: number) {}
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  f32(n: number, lo = -1, hi = 1): Float32Array {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = this.uniform(lo, hi);
    return a;
  }
  bytes(n: number): Uint8Array {
    const a = new Uint8Array(n);
    for (let i = 0; i < n; i++) a[i] = Math.floor(this.next() * 256);
    return a;
  }
}

/** max |a − b| / max |b| over the first n values (b = the reference). */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>, n = b.length): number {
  let e = 0, m = 0;
  for (let i = 0; i < n; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    e = Number.isNaN(d) ? Infinity : Math.max(e, d);
    m = Math.max(m, Math.abs(b[i]!));
  }
  return m === 0 ? e : e / m;
}

export const BLOCK: Record<GpuWeightType, { size: number; bytes: number; halves: number[] }> = {
  F32: { size: 1, bytes: 4, halves: [] },
  F16: { size: 1, bytes: 2, halves: [] },
  Q8_0: { size: 32, bytes: 34, halves: [0] },
  Q4_0: { size: 32, bytes: 18, halves: [0] },
  Q4_K: { size: 256, bytes: 144, halves: [0, 2] },
  Q6_K: { size: 256, bytes: 210, halves: [208] },
};

/**
 * Bytes of a random [rows, cols] weight in `type`: quant blocks are random bytes (every code and scale pattern
 * occurs) with their f16 scale fields set to finite values in [0.002, 0.02); f32/f16 hold values in [−1, 1).
 */
export function randomWeight(rng: Rng, type: GpuWeightType, rows: number, cols: number): Uint8Array {
  const b = BLOCK[type];
  const n = rows * cols;
  if (type === "F32") return new Uint8Array(rng.f32(n).buffer);
  if (type === "F16") {
    const out = new Uint8Array(n * 2);
    for (let i = 0; i < n; i++) writeF16(out, 2 * i, rng.uniform(-1, 1));
    return out;
  }
  const nBlocks = n / b.size;
  const out = rng.bytes(nBlocks * b.bytes);
  for (let k = 0; k < nBlocks; k++) for (const h of b.halves) writeF16(out, k * b.bytes + h, rng.uniform(0.002, 0.02));
  return out;
}
