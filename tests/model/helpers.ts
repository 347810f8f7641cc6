import { readFileSync } from "node:fs";
import type { Model } from "../../src/model/index.js";
import { sequenceBatch } from "../../src/model/index.js";

export function readF32(path: string): Float32Array {
  const buf = readFileSync(path);
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

/** Logits [ids.length, vocab] for every position, feeding the prompt through the KV cache `chunk` tokens at a time. */
export async function promptLogits(model: Model, ids: number[], chunk = ids.length): Promise<Float32Array> {
  const vocab = model.config.vocabSize;
  const kv = model.createKvCache({ ctxLen: Math.max(ids.length, 1), maxSeqs: 1, blockSize: 4 });
  const out = new Float32Array(ids.length * vocab);
  for (let start = 0; start < ids.length; start += chunk) {
    const end = Math.min(ids.length, start + chunk);
    out.set(await model.forward(sequenceBatch(ids, start, end, 7, "all"), kv), start * vocab);
  }
  return out;
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

export function argmax(x: Float32Array, start = 0, n = x.length): number {
  let best = start;
  for (let i = start; i < start + n; i++) if (x[i]! > x[best]!) best = i;
  return best - start;
}

/** Greedy decoding with the KV cache: prefill the prompt, then one token per step. */
export async function greedy(model: Model, prompt: number[], steps: number): Promise<number[]> {
  const vocab = model.config.vocabSize;
  const kv = model.createKvCache({ ctxLen: Math.min(model.config.ctxLen, prompt.length + steps), maxSeqs: 1 });
  const seq = [...prompt];
  let logits = await model.forward(sequenceBatch(seq, 0, seq.length, 0, "last"), kv);
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    const next = argmax(logits, 0, vocab);
    out.push(next);
    seq.push(next);
    if (i + 1 < steps) logits = await model.forward(sequenceBatch(seq, seq.length - 1, seq.length, 0, "last"), kv);
  }
  return out;
}

/** Index of the first step where greedy tokens may legitimately differ (reference margin below tol), else length. */
export function trustedPrefix(margins: number[], tol = 1e-3): number {
  const i = margins.findIndex((m) => m < tol);
  return i < 0 ? margins.length : i;
}
