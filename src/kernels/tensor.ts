import type { KvType } from "./kv-layer.js";

declare const tensorBrand: unique symbol;
declare const kvLayerBrand: unique symbol;
declare const routingBrand: unique symbol;

/**
 * A float32 activation buffer of `length` values owned by a backend: a Float32Array in (WebAssembly) memory on the
 * CPU backends, a storage buffer on the GPU. Opaque on purpose: code above kernels/ cannot index it, so the same
 * forward pass records work for a CPU pool or a GPU command encoder; values reach the host only through
 * KernelBackend.readF32 / snapshot.
 */
export interface Tensor {
  readonly [tensorBrand]: "Tensor";
  readonly length: number;
}

/** One layer's K or V store: nSlots rows of kvDim values in `type`, allocated by the backend (allocKvLayer). */
export interface KvLayer {
  readonly [kvLayerBrand]: "KvLayer";
  readonly type: KvType;
  readonly nSlots: number;
  readonly kvDim: number;
}

/** Mixture-of-experts routing of up to maxTokens tokens to k experts each (ids and weights), in backend memory. */
export interface ExpertRouting {
  readonly [routingBrand]: "ExpertRouting";
  readonly maxTokens: number;
  readonly k: number;
}
