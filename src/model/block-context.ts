import type { AttentionParams, KernelBackend, KvBatchView, KvLayer, Tensor } from "../kernels/backend.js";
import type { ModelConfig } from "./config.js";
import type { ForwardScratch } from "./forward-scratch.js";
import type { LayerWeights } from "./model-weights.js";

/**
 * Receives named intermediate activations ([nRows, rowLen] row-major) when a debug hook is installed: `values`
 * resolves with a host copy of the activation as it was at that point of the pass (KernelBackend.snapshot).
 */
export type ActivationHook = (name: string, layer: number, values: Promise<Float32Array>, nRows: number, rowLen: number) => void;

/** What the layers call with an activation tensor; the Transformer turns it into an ActivationHook call. */
export type TensorHook = (name: string, layer: number, data: Tensor, nRows: number, rowLen: number) => void;

/** What a block (and the shared layers it wires) sees while computing layer `layer` of one batch. */
export interface BlockContext {
  readonly backend: KernelBackend;
  readonly config: ModelConfig;
  readonly s: ForwardScratch;
  readonly nTokens: number;
  readonly layer: number;
  readonly w: LayerWeights;
  readonly kv: KvBatchView;
  readonly kCache: KvLayer;
  readonly vCache: KvLayer;
  readonly attnParams: AttentionParams;
  readonly ropeInvFreq: Tensor;
  readonly hook: TensorHook | undefined;
}

/** A sublayer: reads inp [nTokens, hidden], writes out [nTokens, hidden]. */
export type Sublayer = (c: BlockContext, out: Tensor, inp: Tensor) => void;

/** One transformer block: updates the residual stream c.s.x in place. */
export type BlockFn = (c: BlockContext) => void;
