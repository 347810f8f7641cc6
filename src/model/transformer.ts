import type { AttentionParams, KernelBackend, Tensor } from "../kernels/backend.js";
import { InputError } from "../errors.js";
import type { PagedKvCache } from "../kv/paged-kv-cache.js";
import type { ActivationHook, BlockContext, BlockFn, TensorHook } from "./block-context.js";
import { ropeInvFreq, type ModelConfig } from "./config.js";
import { ForwardScratch } from "./forward-scratch.js";
import type { ModelWeights } from "./model-weights.js";

/**
 * One forward step: tokens from any number of sequences (prompt chunks and decode tokens mixed), each with its
 * position in its own sequence. Logits are computed only for `logitRows` (e.g. each sequence's last token).
 */
export interface ForwardBatch {
  readonly nTokens: number;
  readonly tokens: Int32Array; // [nTokens]
  readonly positions: Int32Array; // [nTokens]
  readonly seqIds: Int32Array; // [nTokens]
  /** Token rows whose logits are wanted, in output order: logitsOut row i belongs to token logitRows[i]. */
  readonly logitRows: Int32Array;
  readonly nLogitRows: number;
}

/**
 * The transformer forward pass over a batch, top to bottom like llama2.c's run.c: embed → blocks (wired by the
 * arch) → final norm → LM head. Activations live in preallocated backend tensors; the KV cache is read and written
 * through the batch's block tables. The pass is recorded synchronously; only reading the logits back waits.
 */
export class Transformer {
  private hook: TensorHook | undefined;
  private scratch: ForwardScratch;
  /** [rows, vocabSize] logits of the last pass, grown to the most rows a batch has asked for. */
  private logits: Tensor | null = null;
  private readonly attnParams: AttentionParams[];
  private readonly invFreq: Tensor[];

  constructor(
    readonly backend: KernelBackend,
    readonly config: ModelConfig,
    readonly weights: ModelWeights,
    private readonly block: BlockFn,
    maxBatchTokens = 64,
  ) {
    const c = config;
    this.scratch = new ForwardScratch(backend, c, maxBatchTokens);
    const scale = 1 / Math.sqrt(c.queryPreAttnScalar > 0 ? c.queryPreAttnScalar : c.headDim);
    this.attnParams = c.slidingLayers.map((sliding) => ({
      nHeads: c.nHeads, nKvHeads: c.nKvHeads, headDim: c.headDim, scale, softcap: c.attnSoftcap,
      window: sliding ? c.slidingWindow : 0,
    }));
    // Per-layer RoPE frequency tables: local layers may have their own base and no scaling (Gemma 3);
    // GGUF rope_freqs divides the frequencies (llama.cpp's form of Llama-3 scaling).
    const global = ropeInvFreq(c.nRot, c.ropeTheta, c.ropeScaling);
    if (weights.ropeFreqs) for (let i = 0; i < global.length; i++) global[i] = global[i]! / weights.ropeFreqs[i]!;
    const local = c.ropeThetaLocal > 0 ? ropeInvFreq(c.nRot, c.ropeThetaLocal, { ...c.ropeScaling, type: "none" }) : global;
    const globalT = backend.tensorFrom(global);
    const localT = local === global ? globalT : backend.tensorFrom(local);
    this.invFreq = c.slidingLayers.map((sliding) => (sliding ? localT : globalT));
  }

  /** Named activations go to `hook` as host copies taken where they are computed; undefined = off. */
  setActivationHook(hook: ActivationHook | undefined): void {
    const b = this.backend;
    this.hook = hook && ((name, layer, data, nRows, rowLen) => hook(name, layer, b.snapshot(data, nRows * rowLen), nRows, rowLen));
  }

  /**
   * Runs one batch and resolves with its logits [batch.nLogitRows, vocabSize] (row i for token logitRows[i]), a host
   * array valid until the next forward call. Bad input rejects before anything is recorded.
   */
  async forward(batch: ForwardBatch, kv: PagedKvCache): Promise<Float32Array> {
    const logits = this.record(batch, kv);
    return this.backend.readF32(logits, batch.nLogitRows * this.config.vocabSize);
  }

  private record(batch: ForwardBatch, kv: PagedKvCache): Tensor {
    const { backend: b, config: c, weights: W, hook } = this;
    const n = batch.nTokens;
    const hidden = c.hiddenSize;
    if (n < 1) throw new InputError("forward: empty batch");
    if (kv.nLayers !== c.nLayers || kv.kvDim !== c.nKvHeads * c.headDim) {
      throw new InputError(`forward: KV cache shaped for ${kv.nLayers} layers × ${kv.kvDim}, model needs ${c.nLayers} × ${c.nKvHeads * c.headDim}`);
    }
    if (!(Number.isInteger(batch.nLogitRows) && batch.nLogitRows >= 0 && batch.nLogitRows <= n)) {
      throw new InputError(`forward: ${batch.nLogitRows} logit rows for a batch of ${n} tokens`);
    }
    for (let t = 0; t < n; t++) {
      const id = batch.tokens[t]!;
      if (!(id >= 0 && id < c.vocabSize)) throw new InputError(`forward: token ${t} is ${id}, outside the vocabulary [0, ${c.vocabSize})`);
    }
    for (let i = 0; i < batch.nLogitRows; i++) {
      const row = batch.logitRows[i]!;
      if (!(row >= 0 && row < n)) throw new InputError(`forward: logit row ${row} outside the batch of ${n} tokens`);
    }
    if (n > this.scratch.maxTokens) this.scratch = new ForwardScratch(b, c, Math.max(n, 2 * this.scratch.maxTokens));
    const m = batch.nLogitRows;
    if (!this.logits || this.logits.length < m * c.vocabSize) {
      this.logits = b.allocTensor(Math.max(m, 2 * ((this.logits?.length ?? 0) / c.vocabSize), 1) * c.vocabSize);
    }
    const logits = this.logits;
    const s = this.scratch;
    const view = kv.prepare(batch.seqIds, batch.positions, n); // checked above, so a refused batch leaves the cache alone

    // Token embeddings (× embedScale), plus learned positions where the model has them. x: [n, hidden]
    b.embed(s.x, W.tokenEmbd, batch.tokens, n);
    if (c.embedScale !== 1) b.scale(s.x, n * hidden, c.embedScale);
    if (W.positionEmbd) {
      b.embed(s.h, W.positionEmbd, view.positions, n);
      b.add(s.x, s.x, s.h, n * hidden);
    }
    hook?.("embed", -1, s.x, n, hidden);

    // The blocks, each updating x in place (one context object per step, its layer fields updated per layer).
    const ctx: { -readonly [K in keyof BlockContext]: BlockContext[K] } = {
      backend: b, config: c, s, nTokens: n, layer: 0, w: W.layers[0]!, kv: view, kCache: kv.k[0]!, vCache: kv.v[0]!,
      attnParams: this.attnParams[0]!, ropeInvFreq: this.invFreq[0]!, hook,
    };
    for (let l = 0; l < c.nLayers; l++) {
      ctx.layer = l;
      ctx.w = W.layers[l]!;
      ctx.kCache = kv.k[l]!;
      ctx.vCache = kv.v[l]!;
      ctx.attnParams = this.attnParams[l]!;
      ctx.ropeInvFreq = this.invFreq[l]!;
      this.block(ctx);
      hook?.("layer_out", l, s.x, n, hidden);
    }

    // Final norm and LM head over the rows that need logits only. h: [nLogitRows, hidden]
    b.gatherRows(s.h, s.x, batch.logitRows, m, hidden);
    if (W.outputNorm) {
      if (c.normKind === "layer") b.layerNorm(s.h, s.h, W.outputNorm, W.outputNormBias, m, hidden, c.normEps);
      else b.rmsNorm(s.h, s.h, W.outputNorm, m, hidden, c.normEps, false);
    }
    hook?.("output_norm", -1, s.h, m, hidden);
    b.matmul(logits, s.h, W.output, m); // [m, vocab]
    if (c.finalSoftcap > 0) b.softcap(logits, m * c.vocabSize, c.finalSoftcap);
    return logits;
  }
}
