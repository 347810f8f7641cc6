import type { KldAccumulator } from "./kld-stats.js";

const f = Math.fround;

// The three log-softmax variants of llama-perplexity, with its float32/double mix kept so that numbers agree.

/** -log p(tok) from logits (llama.cpp's `log_softmax(n_vocab, logits, tok)`). */
export function negLogProb(logits: Float32Array, offset: number, vocabSize: number, tok: number): number {
  let max = logits[offset]!;
  for (let i = 1; i < vocabSize; i++) if (logits[offset + i]! > max) max = logits[offset + i]!;
  let sumExp = 0;
  for (let i = 0; i < vocabSize; i++) sumExp += f(Math.exp(f(logits[offset + i]! - max)));
  return -(f(logits[offset + tok]! - max) - Math.log(sumExp));
}

/** -log p(tok), and the row's log-probabilities quantized into `out` (nv uint16) as the base file stores them. */
export function negLogProbToBase(logits: Float32Array, offset: number, vocabSize: number, tok: number, out: Uint16Array, outOffset: number): number {
  let max = logits[offset]!;
  let min = logits[offset]!;
  for (let i = 1; i < vocabSize; i++) {
    const v = logits[offset + i]!;
    if (v > max) max = v;
    if (v < min) min = v;
  }
  min = Math.max(min, f(max - 16));
  let sumExp = 0;
  for (let i = 0; i < vocabSize; i++) sumExp += f(Math.exp(f(logits[offset + i]! - max)));
  const logSumExp = f(Math.log(sumExp));
  const minLogProb = f(f(min - max) - logSumExp);
  const scale = f(f(max - min) / 65535);
  const head = new Float32Array(out.buffer, out.byteOffset + outOffset * 2, 2);
  head[0] = scale;
  head[1] = minLogProb;
  const q = outOffset + 4;
  if (scale !== 0) {
    const invScale = f(1 / scale);
    for (let i = 0; i < vocabSize; i++) {
      const v = logits[offset + i]!;
      out[q + i] = v > min ? nearestInt(f(invScale * f(v - min))) : 0;
    }
  } else {
    out.fill(0, q, q + vocabSize);
  }
  return f(f(max + logSumExp) - logits[offset + tok]!);
}

/** ggml's nearest_int: round half to even through the float32 magic number 1.5 · 2^23. */
function nearestInt(x: number): number {
  return Math.round(x) - (Math.abs(x % 1) === 0.5 && Math.round(x) % 2 !== 0 ? 1 : 0);
}

/** Compares one row with the base file's row (llama.cpp's `log_softmax(..., base_log_prob, tok, kld)`). */
export function compareWithBase(logits: Float32Array, offset: number, vocabSize: number, base: Uint16Array, baseOffset: number, tok: number, acc: KldAccumulator): void {
  let max = logits[offset]!;
  let imax = 0;
  for (let i = 1; i < vocabSize; i++) {
    if (logits[offset + i]! > max) {
      max = logits[offset + i]!;
      imax = i;
    }
  }
  let sumExp = 0;
  for (let i = 0; i < vocabSize; i++) sumExp += f(Math.exp(f(logits[offset + i]! - max)));
  const logSumExp = f(Math.log(sumExp));
  const head = new Float32Array(base.buffer, base.byteOffset + baseOffset * 2, 2);
  const scale = head[0]!;
  const minLogProb = head[1]!;
  const q = baseOffset + 4;
  const nll = f(f(max + logSumExp) - logits[offset + tok]!);
  const nllBase = f(-f(f(scale * base[q + tok]!) + minLogProb));
  const maxLse = f(max + logSumExp);
  let kld = 0;
  let imaxBase = -1;
  let pLogBaseMax = 0;
  for (let i = 0; i < vocabSize; i++) {
    const pLogBase = f(f(scale * base[q + i]!) + minLogProb);
    if (i === 0 || pLogBase > pLogBaseMax) {
      pLogBaseMax = pLogBase;
      imaxBase = i;
    }
    if (pLogBase > -16) kld += f(f(Math.exp(pLogBase)) * f(f(pLogBase - logits[offset + i]!) + maxLse));
  }
  const pDiff = f(f(Math.exp(-nll)) - f(Math.exp(-nllBase)));
  acc.add(nll, nllBase, kld, pDiff, imax === imaxBase);
}
