import type { KernelBackend } from "../kernels/backend.js";
import type { ModelConfig } from "./config.js";

/**
 * Every activation buffer of the forward pass, allocated once from the backend for up to `maxTokens` rows and
 * reused by every step (grown, never per token, when a bigger batch arrives).
 */
export class ForwardScratch {
  readonly maxTokens: number;
  /** Residual stream [T, hidden]. */
  readonly x: Float32Array;
  /** Normed sublayer input [T, hidden]. */
  readonly h: Float32Array;
  /** Sublayer output [T, hidden]. */
  readonly y: Float32Array;
  readonly q: Float32Array; // [T, nHeads·headDim]
  readonly k: Float32Array; // [T, kvDim]
  readonly v: Float32Array; // [T, kvDim]
  readonly qkv: Float32Array; // [T, qDim + 2·kvDim]
  readonly attn: Float32Array; // [T, qDim]
  readonly gate: Float32Array; // [T, ffn]
  /** Up projection, or fused gate-up [T, 2·ffn] with its second half at upHalf. */
  readonly up: Float32Array;
  readonly upHalf: Float32Array;
  readonly act: Float32Array; // [T, ffn]
  readonly router: Float32Array; // [T, nExperts]
  readonly expertX: Float32Array; // [T, hidden] tokens routed to one expert
  readonly expertY: Float32Array; // [T, hidden]
  readonly selExpert: Int32Array; // [T, nExpertsUsed]
  readonly selWeight: Float32Array; // [T, nExpertsUsed]
  readonly expertRows: Int32Array; // [T]
  readonly expertRowWeight: Float32Array; // [T]
  readonly logitIds: Int32Array; // [T]

  constructor(backend: KernelBackend, c: ModelConfig, maxTokens: number) {
    const T = maxTokens;
    const qDim = c.nHeads * c.headDim;
    const kvDim = c.nKvHeads * c.headDim;
    const ffn = Math.max(c.ffnSize, c.expertFfnSize);
    this.maxTokens = T;
    this.x = backend.allocF32(T * c.hiddenSize);
    this.h = backend.allocF32(T * c.hiddenSize);
    this.y = backend.allocF32(T * c.hiddenSize);
    this.q = backend.allocF32(T * qDim);
    this.k = backend.allocF32(T * kvDim);
    this.v = backend.allocF32(T * kvDim);
    this.qkv = backend.allocF32(T * (qDim + 2 * kvDim));
    this.attn = backend.allocF32(T * qDim);
    this.gate = backend.allocF32(T * ffn);
    this.up = backend.allocF32(T * 2 * ffn);
    this.upHalf = this.up.subarray(c.ffnSize);
    this.act = backend.allocF32(T * ffn);
    this.router = backend.allocF32(T * Math.max(1, c.nExperts));
    this.expertX = backend.allocF32(T * c.hiddenSize);
    this.expertY = backend.allocF32(T * c.hiddenSize);
    this.selExpert = new Int32Array(T * Math.max(1, c.nExpertsUsed));
    this.selWeight = new Float32Array(T * Math.max(1, c.nExpertsUsed));
    this.expertRows = new Int32Array(T);
    this.expertRowWeight = new Float32Array(T);
    this.logitIds = new Int32Array(T);
  }
}
