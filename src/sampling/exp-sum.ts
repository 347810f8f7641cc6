// Σ exp(x[i] − max) over a vocabulary of logits, without Math.exp: V8 calls out to its C++ fdlibm exp for each
// element, and the per-token log-softmax was the largest sampling cost of a batched decode step.
// exp(y), y ≤ 0: y = (m/32)·ln2 + r with m = round(32·y/ln2) and |r| ≤ ln2/64 (Cody–Waite split of ln2/32, as
// fdlibm's e_exp.c splits ln2); e^r by its Taylor series to r^5 (remainder < 3e-15 relative); 2^(m/32) from two
// tables (fraction and integer part of m/32). Relative error ≲ 4e-15 per term.

const K_PER_LN2 = 32 / Math.LN2;
const STEP_HI = 0.6931471803691238 / 32; // ln2 rounded to 32 bits (fdlibm ln2HI), / 32 (exact)
const STEP_LO = 1.9082149292705877e-10 / 32; // (ln2 − ln2HI) / 32
/** Below this, exp(y) underflows float64 to 0 (y < −745.13). */
const MIN_EXP_ARG = -745;
/** 2^(−i/32), i = 0…31. */
const POW2_FRAC = Float64Array.from({ length: 32 }, (_, i) => 2 ** (-i / 32));
/** 2^−q, q = 0…1075 (subnormals included; 2^−1075 rounds to 0). */
const POW2_INT = Float64Array.from({ length: 1076 }, (_, q) => 2 ** -q);

/** e^y for y ≤ 0 (y = −Infinity gives 0, NaN gives NaN). */
export function expNonPositive(y: number): number {
  if (!(y >= MIN_EXP_ARG)) return y === y ? 0 : y;
  const m = -((y * K_PER_LN2 - 0.5) | 0); // −round(32·y/ln2), an int32 ≥ 0
  const r = y + m * STEP_HI + m * STEP_LO; // |r| ≤ ln2/64
  const p = 1 + r * (1 + r * (1 / 2 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120)))));
  return p * POW2_FRAC[m & 31]! * POW2_INT[m >> 5]!;
}

/** Σ exp(x[i] − max) for i < n, in float64; max must be ≥ every x[i] (the maximum of the row). */
export function expSumBelowMax(x: Float32Array, n: number, max: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += expNonPositive(x[i]! - max);
  return sum;
}
