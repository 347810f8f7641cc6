import { InputError } from "../errors.js";
import type { Model } from "../model/load-model.js";
import type { ForwardBatch } from "../model/transformer.js";
import { KldBaseReader, KldBaseWriter, kldRowUint16s } from "./kld-base-file.js";
import { KldAccumulator, type KldSummary } from "./kld-stats.js";
import { compareWithBase, negLogProb, negLogProbToBase } from "./log-softmax.js";

export interface PerplexityOptions {
  /** Tokens per chunk (llama-perplexity's -c). */
  nCtx: number;
  /** At most this many chunks (default: as many as the text fills). */
  maxChunks?: number;
  /** Tokens per forward pass (llama-perplexity's -b); default nCtx. */
  batchSize?: number;
  /** BOS id put in place of each chunk's first token (the model's tokenizer adds BOS), or null. */
  bosId: number | null;
  /** Save the full-vocabulary log-probabilities here (llama-perplexity's --kl-divergence-base file format). */
  saveBase?: string;
  /** Compare against such a file instead: the tokens come from it, and KL divergence is reported. */
  compareBase?: string;
  onChunk?: (progress: ChunkProgress) => void;
}

export interface ChunkProgress {
  chunk: number;
  nChunks: number;
  /** Running perplexity over the chunks so far. */
  ppl: number;
  /** Running mean KL divergence (with compareBase). */
  kld?: number;
  sameTop?: number;
  elapsedMs: number;
}

export interface PerplexityResult {
  nChunks: number;
  nCtx: number;
  scoredTokens: number;
  ppl: number;
  /** Standard error of the perplexity estimate (llama.cpp's "±"). */
  pplStderr: number;
  kld?: KldSummary;
  elapsedMs: number;
}

/**
 * llama-perplexity's method: the text tokenized whole (BOS first), cut into chunks of nCtx tokens, each chunk
 * evaluated alone with BOS in place of its first token, and the predictions of its second half scored
 * (positions nCtx/2 … nCtx-2 predict the next token). Perplexity = exp(mean negative log-likelihood).
 */
export async function perplexity(model: Model, textTokens: Int32Array | null, opts: PerplexityOptions): Promise<PerplexityResult> {
  const { vocabSize } = model.config;
  const nCtx = opts.nCtx;
  const reader = opts.compareBase ? new KldBaseReader(opts.compareBase) : null;
  try {
    if (reader) {
      const h = reader.header;
      if (h.nCtx !== nCtx) throw new InputError(`${opts.compareBase} was computed with -c ${h.nCtx}, not ${nCtx}`);
      if (h.vocabSize !== vocabSize) throw new InputError(`${opts.compareBase} has a vocabulary of ${h.vocabSize}, the model ${vocabSize}`);
    }
    const tokens = reader ? reader.header.tokens : textTokens;
    if (!tokens) throw new InputError("perplexity: no text given");
    if (nCtx < 4 || nCtx > model.config.ctxLen) throw new InputError(`-c ${nCtx}: must be between 4 and the model's context ${model.config.ctxLen}`);
    if (tokens.length < 2 * nCtx) throw new InputError(`perplexity needs at least ${2 * nCtx} tokens for a context of ${nCtx}; the text has ${tokens.length}`);
    const available = reader ? reader.header.nChunks : Math.floor(tokens.length / nCtx);
    const nChunks = Math.min(available, opts.maxChunks ?? available);
    return await run(model, tokens, nChunks, opts, reader);
  } finally {
    reader?.close();
  }
}

async function run(model: Model, tokens: Int32Array, nChunks: number, opts: PerplexityOptions, reader: KldBaseReader | null): Promise<PerplexityResult> {
  const { vocabSize } = model.config;
  const nCtx = opts.nCtx;
  const first = Math.floor(nCtx / 2);
  const nScored = nCtx - 1 - first;
  const batchSize = Math.min(opts.batchSize ?? nCtx, nCtx);
  const nv = kldRowUint16s(vocabSize);
  const writer = opts.saveBase ? new KldBaseWriter(opts.saveBase, { nCtx, vocabSize, nChunks, tokens }) : null;
  const baseRows = reader || writer ? new Uint16Array(nScored * nv) : null;
  const acc = reader ? new KldAccumulator(nScored * nChunks) : null;
  const kv = model.createKvCache({ ctxLen: nCtx, maxSeqs: 1 });
  const chunkLogits = new Float32Array((nScored + 1) * vocabSize);
  const batch = makeBatch(batchSize);
  const started = performance.now();
  let nll = 0;
  let nll2 = 0;
  let count = 0;
  try {
    for (let chunk = 0; chunk < nChunks; chunk++) {
      const start = chunk * nCtx;
      kv.freeSeq(0);
      let kept = 0;
      for (let pos = 0; pos < nCtx; pos += batchSize) {
        const n = Math.min(batchSize, nCtx - pos);
        let nOut = 0;
        for (let i = 0; i < n; i++) {
          const p = pos + i;
          batch.tokens[i] = p === 0 && opts.bosId !== null ? opts.bosId : tokens[start + p]!;
          batch.positions[i] = p;
          if (p >= first) batch.logitRows[nOut++] = i;
        }
        const logits = await model.forward({ ...batch, nTokens: n, nLogitRows: nOut }, kv);
        chunkLogits.set(logits.subarray(0, Math.min(nOut, nScored + 1 - kept) * vocabSize), kept * vocabSize);
        kept += nOut;
      }
      reader?.readRows(baseRows!, chunk);
      for (let i = 0; i < nScored; i++) {
        const next = tokens[start + first + i + 1]!;
        const offset = i * vocabSize;
        if (reader) {
          compareWithBase(chunkLogits, offset, vocabSize, baseRows!, i * nv, next, acc!);
          continue;
        }
        const v = writer ? negLogProbToBase(chunkLogits, offset, vocabSize, next, baseRows!, i * nv) : negLogProb(chunkLogits, offset, vocabSize, next);
        nll += v;
        nll2 += v * v;
      }
      if (writer) writer.writeRows(baseRows!);
      count += nScored;
      const summary = acc?.summary();
      opts.onChunk?.({
        chunk: chunk + 1,
        nChunks,
        ppl: summary ? summary.pplQ.mean : Math.exp(nll / count),
        ...(summary ? { kld: summary.kld.mean, sameTop: summary.sameTop.mean } : {}),
        elapsedMs: performance.now() - started,
      });
    }
  } finally {
    writer?.close();
  }
  const elapsedMs = performance.now() - started;
  if (acc) {
    const kld = acc.summary();
    return { nChunks, nCtx, scoredTokens: count, ppl: kld.pplQ.mean, pplStderr: kld.pplQ.uncertainty, kld, elapsedMs };
  }
  const mean = nll / count;
  const variance = nll2 / count - mean * mean;
  const ppl = Math.exp(mean);
  return { nChunks, nCtx, scoredTokens: count, ppl, pplStderr: variance > 0 ? Math.sqrt(variance / (count - 1)) * ppl : 0, elapsedMs };
}

function makeBatch(n: number): Omit<ForwardBatch, "nTokens" | "nLogitRows"> {
  return { tokens: new Int32Array(n), positions: new Int32Array(n), seqIds: new Int32Array(n), logitRows: new Int32Array(n) };
}
