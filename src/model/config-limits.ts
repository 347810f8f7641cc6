import { FormatError } from "../errors.js";

/**
 * Upper bounds on the counts and sizes a model config may declare, checked before anything is sized by them (a
 * GGUF with block_count = 0xFFFFFFFF reached `new Array(n)` and V8 died at 3.1 GB). Each is far above any
 * released model (largest known: ~130 layers, 128 heads, 262K vocabulary, 10M context, 512 experts); the
 * tensors present then pin the real values (see loadModelWeights).
 */
export const configLimits = {
  vocabSize: 1 << 24,
  hiddenSize: 1 << 20,
  nLayers: 4096,
  nHeads: 1 << 14,
  nKvHeads: 1 << 14,
  headDim: 1 << 14,
  ffnSize: 1 << 22,
  expertFfnSize: 1 << 22,
  // Positions are int32 throughout (ForwardBatch.positions).
  ctxLen: 2 ** 31 - 1,
  slidingWindow: 2 ** 31 - 1,
  nRot: 1 << 14,
  nExperts: 1 << 16,
  nExpertsUsed: 1 << 16,
} as const;

/** `value` as a count under `key`'s limit: an integer in [min, limit], else a FormatError naming file, key and value. */
export function checkedCount(file: string, key: string, value: number, limit: number, min = 1): number {
  if (!Number.isInteger(value) || value < min || value > limit) {
    throw new FormatError(file, `${key} is ${value}, expected an integer in [${min}, ${limit}]`);
  }
  return value;
}

/**
 * Runs a config mapping for `file`, re-raising the FormatErrors it raises against a placeholder name (hfNumber's
 * "config.json", makeConfig's "model config (arch)") under the real file, so the message names it.
 */
export function configErrorsIn<T>(file: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof FormatError && err.file !== file && (err.file === "config.json" || err.file.startsWith("model config"))) {
      throw new FormatError(file, err.file === "config.json" ? err.detail : err.message);
    }
    throw err;
  }
}
