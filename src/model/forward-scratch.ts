import type { ExpertRouting, KernelBackend, Tensor } from "../kernels/backend.js";
import type { ModelConfig } from "./config.js";

/**
 * Every activation tensor of the forward pass, allocated once from the backend for up to `maxTokens` rows and
 * reused by every step (grown, never per token, when a bigger batch arrives).
 */
export class ForwardScratch {
  readonly maxTokens: number;
  /** Residual stream [T, hidden]. */
  readonly x: Tensor;
  /** Normed sublayer input [T, hidden]; the rows that need logits before the LM head. */
  readonly h: Tensor;
  /** Sublayer output [T, hidden]. */
  readonly y: Tensor;
  readonly q: Tensor; // [T, nHeads·headDim]
  readonly k: Tensor; // [T, kvDim]
  readonly v: Tensor; // [T, kvDim]
  readonly qkv: Tensor; // [T, qDim + 2·kvDim]
  readonly attn: Tensor; // [T, qDim]
  /** [T, ffn], or one row per (token, expert) slot [T·nExpertsUsed, expertFfn] in a MoE FFN. */
  readonly gate: Tensor;
  /** Up projection (per slot in a MoE FFN), or fused gate-up [T, 2·ffn] with its second half at upHalf. */
  readonly up: Tensor;
  readonly upHalf: Tensor;
  readonly act: Tensor; // as gate
  readonly router: Tensor; // [T, nExperts]
  readonly expertY: Tensor; // [T·nExpertsUsed, hidden] each slot's expert output
  /** Each token's experts and weights (MoE models only). */
  readonly routing: ExpertRouting | null;

  constructor(backend: KernelBackend, c: ModelConfig, maxTokens: number) {
    const T = maxTokens;
    const qDim = c.nHeads * c.headDim;
    const kvDim = c.nKvHeads * c.headDim;
    const ffn = Math.max(c.ffnSize, c.expertFfnSize);
    const slots = Math.max(1, c.nExpertsUsed);
    this.maxTokens = T;
    this.x = backend.allocTensor(T * c.hiddenSize);
    this.h = backend.allocTensor(T * c.hiddenSize);
    this.y = backend.allocTensor(T * c.hiddenSize);
    this.q = backend.allocTensor(T * qDim);
    this.k = backend.allocTensor(T * kvDim);
    this.v = backend.allocTensor(T * kvDim);
    this.qkv = backend.allocTensor(T * (qDim + 2 * kvDim));
    this.attn = backend.allocTensor(T * qDim);
    this.gate = backend.allocTensor(T * slots * ffn);
    this.up = backend.allocTensor(T * Math.max(2, slots) * ffn);
    this.upHalf = backend.view(this.up, c.ffnSize, this.up.length - c.ffnSize);
    this.act = backend.allocTensor(T * slots * ffn);
    this.router = backend.allocTensor(T * Math.max(1, c.nExperts));
    this.expertY = backend.allocTensor(T * slots * c.hiddenSize);
    this.routing = c.nExperts > 0 ? backend.allocRouting(T, c.nExpertsUsed) : null;
  }
}
