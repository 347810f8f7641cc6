import { InputError } from "../errors.js";
import { kvRowUnits, type KvRows, type KvType } from "./kv-layer.js";
import type { ExpertRouting, KvLayer, Tensor } from "./tensor.js";

/**
 * The CPU backends' side of the opaque types: a Tensor IS a Float32Array (in JS or WebAssembly memory), a KvLayer
 * is a HostKvLayer, an ExpertRouting a HostRouting. These casts are the only place the two views meet; they cost
 * nothing (no wrapper objects), and only code inside kernels/ may use them.
 */
export function hostF32(t: Tensor): Float32Array {
  return t as unknown as Float32Array;
}

export function asTensor(values: Float32Array): Tensor {
  return values as unknown as Tensor;
}

/** One cache layer on a CPU backend: its rows in the stored type (kv-layer.ts) and its shape. */
export interface HostKvLayer {
  readonly type: KvType;
  readonly nSlots: number;
  readonly kvDim: number;
  readonly rows: KvRows;
}

export function hostKvRows(layer: KvLayer): KvRows {
  return (layer as unknown as HostKvLayer).rows;
}

/** Wraps rows of nSlots × kvRowUnits(type, kvDim) elements of the type's array class as a KvLayer. */
export function asKvLayer(type: KvType, nSlots: number, kvDim: number, rows: KvRows): KvLayer {
  const layer: HostKvLayer = { type, nSlots, kvDim, rows };
  return layer as unknown as KvLayer;
}

/** Expert routing on a CPU backend: [maxTokens, k] expert ids (best first) and their weights. */
export interface HostRouting {
  readonly maxTokens: number;
  readonly k: number;
  readonly ids: Int32Array;
  readonly weights: Float32Array;
}

export function hostRouting(routing: ExpertRouting): HostRouting {
  return routing as unknown as HostRouting;
}

export function newHostRouting(maxTokens: number, k: number): ExpertRouting {
  if (!(Number.isInteger(maxTokens) && maxTokens >= 1 && Number.isInteger(k) && k >= 1)) {
    throw new InputError(`allocRouting: maxTokens ${maxTokens} and k ${k} must be positive integers`);
  }
  const routing: HostRouting = { maxTokens, k, ids: new Int32Array(maxTokens * k), weights: new Float32Array(maxTokens * k) };
  return routing as unknown as ExpertRouting;
}
