import { nearestInt } from "./c-math.js";

// The scale searches shared by ggml's K-quant reference quantizers (ggml-quants.c make_qx_quants,
// make_q3_quants, make_qkx2_quants). Every float operation is rounded to float32 (Math.fround) in the order
// ggml's C evaluates it, so the chosen quants and scales are bit-identical.
const fround = Math.fround;

/** ggml-quants.c GROUP_MAX_EPS: a group whose largest magnitude is below this is treated as all zero. */
export const groupMaxEps = fround(1e-15);
const tenth = fround(0.1);

function qxWeight(rmseType: number, v: number): number {
  return rmseType === 1 ? fround(v * v) : rmseType === 2 ? 1 : rmseType === 3 ? Math.abs(v) : fround(Math.sqrt(Math.abs(v)));
}

/**
 * make_qx_quants: symmetric quants L in [0, 2*nmax) for n values of x at `xo`, written to L at `lo`; returns the
 * scale. rmseType 1 weighs by x^2 and searches 18 nearby inverse scales for the best weighted fit.
 */
export function makeQxQuants(n: number, nmax: number, x: Float32Array, xo: number, L: Uint8Array, lo: number, rmseType: number): number {
  let max = 0;
  let amax = 0;
  for (let i = 0; i < n; i++) {
    const ax = Math.abs(x[xo + i]);
    if (ax > amax) {
      amax = ax;
      max = x[xo + i];
    }
  }
  if (amax < groupMaxEps) {
    L.fill(0, lo, lo + n);
    return 0;
  }
  let iscale = fround(-nmax / max);
  if (rmseType === 0) {
    for (let i = 0; i < n; i++) {
      const l = nearestInt(fround(iscale * x[xo + i]));
      L[lo + i] = nmax + Math.max(-nmax, Math.min(nmax - 1, l));
    }
    return fround(1 / iscale);
  }
  let sumlx = 0;
  let suml2 = 0;
  for (let i = 0; i < n; i++) {
    const v = x[xo + i];
    const l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(fround(iscale * v))));
    L[lo + i] = l + nmax;
    const w = qxWeight(rmseType, v);
    sumlx = fround(sumlx + fround(fround(w * v) * l));
    suml2 = fround(suml2 + fround(fround(w * l) * l));
  }
  let scale = suml2 ? fround(sumlx / suml2) : 0;
  let best = fround(scale * sumlx);
  for (let is = -9; is <= 9; is++) {
    if (is === 0) continue;
    iscale = fround(-fround(nmax + fround(tenth * is)) / max);
    sumlx = 0;
    suml2 = 0;
    for (let i = 0; i < n; i++) {
      const v = x[xo + i];
      const l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(fround(iscale * v))));
      const w = qxWeight(rmseType, v);
      sumlx = fround(sumlx + fround(fround(w * v) * l));
      suml2 = fround(suml2 + fround(fround(w * l) * l));
    }
    if (suml2 > 0 && fround(sumlx * sumlx) > fround(best * suml2)) {
      for (let i = 0; i < n; i++) {
        const l = nearestInt(fround(iscale * x[xo + i]));
        L[lo + i] = nmax + Math.max(-nmax, Math.min(nmax - 1, l));
      }
      scale = fround(sumlx / suml2);
      best = fround(scale * sumlx);
    }
  }
  return scale;
}

/**
 * make_q3_quants with do_rmse: symmetric quants in [0, 2*nmax) refined by up to 5 passes of single-value moves
 * that improve the x^2-weighted fit; returns the scale.
 */
export function makeQ3Quants(n: number, nmax: number, x: Float32Array, xo: number, L: Int8Array, lo: number): number {
  let max = 0;
  let amax = 0;
  for (let i = 0; i < n; i++) {
    const ax = Math.abs(x[xo + i]);
    if (ax > amax) {
      amax = ax;
      max = x[xo + i];
    }
  }
  if (amax < groupMaxEps) {
    L.fill(0, lo, lo + n);
    return 0;
  }
  const iscale = fround(-nmax / max);
  let sumlx = 0;
  let suml2 = 0;
  for (let i = 0; i < n; i++) {
    const v = x[xo + i];
    const l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(fround(iscale * v))));
    L[lo + i] = l;
    const w = fround(v * v);
    sumlx = fround(sumlx + fround(fround(w * v) * l));
    suml2 = fround(suml2 + fround(fround(w * l) * l));
  }
  for (let itry = 0; itry < 5; itry++) {
    let nChanged = 0;
    for (let i = 0; i < n; i++) {
      const v = x[xo + i];
      const w = fround(v * v);
      const li = L[lo + i];
      let slx = fround(sumlx - fround(fround(w * v) * li));
      if (slx > 0) {
        let sl2 = fround(suml2 - fround(fround(w * li) * li));
        let newL = nearestInt(fround(fround(v * sl2) / slx));
        newL = Math.max(-nmax, Math.min(nmax - 1, newL));
        if (newL !== li) {
          slx = fround(slx + fround(fround(w * v) * newL));
          sl2 = fround(sl2 + fround(fround(w * newL) * newL));
          if (sl2 > 0 && fround(fround(slx * slx) * suml2) > fround(fround(sumlx * sumlx) * sl2)) {
            L[lo + i] = newL;
            sumlx = slx;
            suml2 = sl2;
            nChanged++;
          }
        }
      }
    }
    if (!nChanged) break;
  }
  for (let i = 0; i < n; i++) L[lo + i] += nmax;
  return suml2 > 0 ? fround(sumlx / suml2) : 0;
}

/** Result slot for makeQkx2Quants' second output (ggml's `the_min`), reused to avoid allocation. */
export interface MinOut {
  min: number;
}

/**
 * make_qkx2_quants: asymmetric quants L in [0, nmax] with a scale and a (negated) min, fitted by weighted least
 * squares over nstep+1 trial inverse scales (rmin + rdelta * is + nmax) / (max - min). `Laux` is scratch (n).
 */
export function makeQkx2Quants(
  n: number,
  nmax: number,
  x: Float32Array,
  xo: number,
  weights: Float32Array,
  L: Uint8Array,
  lo: number,
  out: MinOut,
  Laux: Uint8Array,
  rmin: number,
  rdelta: number,
  nstep: number,
  useMad: boolean,
): number {
  let min = x[xo];
  let max = x[xo];
  let sumW = weights[0];
  let sumX = fround(sumW * x[xo]);
  for (let i = 1; i < n; i++) {
    const v = x[xo + i];
    if (v < min) min = v;
    if (v > max) max = v;
    const w = weights[i];
    sumW = fround(sumW + w);
    sumX = fround(sumX + fround(w * v));
  }
  if (min > 0) min = 0;
  if (max === min) {
    L.fill(0, lo, lo + n);
    out.min = -min;
    return 0;
  }
  let iscale = fround(nmax / fround(max - min));
  let scale = fround(1 / iscale);
  let bestError = 0;
  for (let i = 0; i < n; i++) {
    const v = x[xo + i];
    const l = Math.max(0, Math.min(nmax, nearestInt(fround(iscale * fround(v - min)))));
    L[lo + i] = l;
    let diff = fround(fround(fround(scale * l) + min) - v);
    diff = useMad ? Math.abs(diff) : fround(diff * diff);
    bestError = fround(bestError + fround(weights[i] * diff));
  }
  if (nstep < 1) {
    out.min = -min;
    return scale;
  }
  const rminF = fround(rmin);
  const rdeltaF = fround(rdelta);
  for (let is = 0; is <= nstep; is++) {
    // min may have moved to a better fit: ggml divides by the current (max - min).
    iscale = fround(fround(fround(rminF + fround(rdeltaF * is)) + nmax) / fround(max - min));
    let sumL = 0;
    let sumL2 = 0;
    let sumXl = 0;
    for (let i = 0; i < n; i++) {
      const v = x[xo + i];
      const l = Math.max(0, Math.min(nmax, nearestInt(fround(iscale * fround(v - min)))));
      Laux[i] = l;
      const w = weights[i];
      const wl = fround(w * l);
      sumL = fround(sumL + wl);
      sumL2 = fround(sumL2 + fround(wl * l));
      sumXl = fround(sumXl + fround(wl * v));
    }
    const D = fround(fround(sumW * sumL2) - fround(sumL * sumL));
    if (D > 0) {
      let thisScale = fround(fround(fround(sumW * sumXl) - fround(sumX * sumL)) / D);
      let thisMin = fround(fround(fround(sumL2 * sumX) - fround(sumL * sumXl)) / D);
      if (thisMin > 0) {
        thisMin = 0;
        thisScale = fround(sumXl / sumL2);
      }
      let curError = 0;
      for (let i = 0; i < n; i++) {
        let diff = fround(fround(fround(thisScale * Laux[i]) + thisMin) - x[xo + i]);
        diff = useMad ? Math.abs(diff) : fround(diff * diff);
        curError = fround(curError + fround(weights[i] * diff));
      }
      if (curError < bestError) {
        for (let i = 0; i < n; i++) L[lo + i] = Laux[i];
        bestError = curError;
        scale = thisScale;
        min = thisMin;
      }
    }
  }
  out.min = -min;
  return scale;
}
