import type { KernelBackend, KvType, Tensor } from "../../src/kernels/backend.js";
import type { GgmlTypeName } from "../../src/quant/ggml-type.js";
import { f16ToF32, f32ToBf16, f32ToF16 } from "../../src/quant/half.js";
import { quantTraits } from "../../src/quant/registry.js";
import { mulberry32 } from "../../src/server/bench/mulberry32.js";

// Helpers of the conformance suite. No vitest and no Node APIs here: the suite also runs bundled in a browser page.

/** Deterministic PRNG (mulberry32) so a failing case can be replayed. */
export const rng = mulberry32;

/** One case on one backend: err against tol (err ≤ tol passes; NaN fails), both in the units `name` states. */
export interface CaseResult {
  readonly name: string;
  readonly err: number;
  readonly tol: number;
  /** The worst element, for the failure message. */
  readonly detail?: string;
}

export const passes = (r: CaseResult): boolean => r.err <= r.tol;

/** Byte offsets of the f16 scale fields in each block type (ggml-common.h block structs). */
const HALF_FIELDS: Partial<Record<GgmlTypeName, number[]>> = {
  Q8_0: [0], Q4_0: [0], Q4_1: [0, 2], Q5_0: [0], Q5_1: [0, 2], IQ4_NL: [0],
  Q2_K: [80, 82], Q3_K: [108], Q4_K: [0, 2], Q5_K: [0, 2], Q6_K: [208], IQ4_XS: [0],
};

/**
 * A random weight matrix of `type`: float types hold random values; block types hold random bytes (every bit
 * pattern of codes, scales and high bits) with their f16 scale fields set to small finite values.
 */
export function randomWeightBytes(type: GgmlTypeName, rows: number, cols: number, rand: () => number): Uint8Array {
  const n = rows * cols;
  if (type === "F32") return new Uint8Array(Float32Array.from({ length: n }, () => rand() * 2 - 1).buffer);
  if (type === "F16" || type === "BF16") {
    const conv = type === "F16" ? f32ToF16 : f32ToBf16;
    return new Uint8Array(Uint16Array.from({ length: n }, () => conv(rand() * 2 - 1)).buffer);
  }
  const traits = quantTraits(type);
  const nBlocks = n / traits.blockSize;
  const bytes = Uint8Array.from({ length: nBlocks * traits.bytesPerBlock }, () => Math.floor(rand() * 256));
  const view = new DataView(bytes.buffer);
  for (let b = 0; b < nBlocks; b++) {
    for (const off of HALF_FIELDS[type] ?? []) {
      view.setUint16(b * traits.bytesPerBlock + off, f32ToF16((rand() * 2 - 1) * 0.01), true);
    }
  }
  return bytes;
}

export function randomF32(n: number, rand: () => number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => (rand() * 2 - 1) * scale);
}

/** The stored matrix dequantized by quant/'s reference conversion (ggml's dequantize_row_*), [rows, cols]. */
export function decodeRows(type: GgmlTypeName, bytes: Uint8Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  quantTraits(type).dequantize(bytes, out, rows * cols);
  return out;
}

/** A KV layer's stored bytes as float values (f32, f16 halves or ggml Q8_0 blocks along each row). */
export function decodeKvBytes(type: KvType, bytes: Uint8Array, nSlots: number, kvDim: number): Float32Array {
  const out = new Float32Array(nSlots * kvDim);
  if (type === "f32") out.set(new Float32Array(bytes.slice(0, nSlots * kvDim * 4).buffer));
  else if (type === "f16") for (let i = 0; i < out.length; i++) out[i] = f16ToF32(bytes[2 * i]! | (bytes[2 * i + 1]! << 8));
  else quantTraits("Q8_0").dequantize(bytes, out, out.length);
  return out;
}

/** max |got − want| / max |want| (scale-relative error; a NaN gives Infinity). */
export function scaleErr(got: ArrayLike<number>, want: ArrayLike<number>): CaseResult["err"] {
  let e = 0, m = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i]! - want[i]!);
    e = Number.isNaN(d) ? Infinity : Math.max(e, d);
    m = Math.max(m, Math.abs(want[i]!));
  }
  return m === 0 ? e : e / m;
}

/** A case result from per-element bounds: err = max |got − want| / bound (tol 1). */
export function boundResult(name: string, got: ArrayLike<number>, want: ArrayLike<number>, bound: ArrayLike<number>): CaseResult {
  let worst = 0, at = -1;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i]! - want[i]!);
    const q = Number.isNaN(d) ? Infinity : d / bound[i]!;
    if (q > worst || at < 0) { worst = q; at = i; }
  }
  return { name, err: worst, tol: 1, detail: at < 0 ? undefined : `[${at}] got ${got[at]}, want ${want[at]}, bound ${bound[at]}` };
}

/**
 * A case result that needs the same float32 values (NaN matches any NaN; signedZero: −0 must be −0): err = number of
 * differing values (tol 0).
 */
export function exactResult(name: string, got: ArrayLike<number>, want: ArrayLike<number>, signedZero = true): CaseResult {
  let bad = 0, first = -1;
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!, w = want[i]!;
    const same = signedZero ? Object.is(g, w) : g === w;
    if (!(same || (Number.isNaN(g) && Number.isNaN(w)))) { bad++; if (first < 0) first = i; }
  }
  return { name: `${name} (${signedZero ? "bit for bit" : "exact, ±0 alike"})`, err: bad, tol: 0,
    detail: first < 0 ? undefined : `${bad} differ; first [${first}] got ${Object.is(got[first], -0) ? "-0" : got[first]}, want ${Object.is(want[first], -0) ? "-0" : want[first]}` };
}

/** A case result of scale-relative error against tol. */
export function scaleResult(name: string, got: ArrayLike<number>, want: ArrayLike<number>, tol: number): CaseResult {
  return { name, err: scaleErr(got, want), tol };
}

/** Host values into a tensor of the backend under test. */
export function put(b: KernelBackend, x: Float32Array): Tensor {
  return b.tensorFrom(x);
}

/** The first n values of t as a host copy (readF32's array is only valid until the next op). */
export async function get(b: KernelBackend, t: Tensor, n: number): Promise<Float32Array> {
  return (await b.readF32(t, n)).slice();
}

/** Runs fn and returns the message of what it threw, or null. */
export function thrown(fn: () => void): string | null {
  try {
    fn();
    return null;
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
}
