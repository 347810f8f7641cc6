import { InputError } from "../errors.js";
import type { Model } from "./load-model.js";
import { sequenceBatch } from "./sequence-batch.js";

/**
 * Logits [ids.length, vocabSize] for every position of one sequence, fed through a fresh KV cache `chunkSize`
 * tokens per forward call (default: the whole sequence at once).
 */
export async function promptLogits(model: Model, ids: readonly number[], chunkSize = ids.length): Promise<Float32Array> {
  const { vocabSize, ctxLen } = model.config;
  if (ids.length === 0) throw new InputError("logits: no tokens given");
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new InputError(`logits: chunk size ${chunkSize} must be a positive integer`);
  if (ids.length > ctxLen) throw new InputError(`logits: ${ids.length} tokens exceed the model's context length ${ctxLen}`);
  ids.forEach((id, i) => {
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) throw new InputError(`logits: token ${i} is ${id}, outside the vocabulary [0, ${vocabSize})`);
  });
  const kv = model.createKvCache({ ctxLen: ids.length, maxSeqs: 1 });
  const out = new Float32Array(ids.length * vocabSize);
  for (let start = 0; start < ids.length; start += chunkSize) {
    const end = Math.min(ids.length, start + chunkSize);
    out.set(await model.forward(sequenceBatch(ids, start, end, 0, "all"), kv), start * vocabSize);
  }
  return out;
}
