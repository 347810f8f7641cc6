import type { KernelBackend, KvLayer, Tensor } from "../../src/kernels/backend.js";
import { asKvLayer, hostKvRows } from "../../src/kernels/host-tensor.js";
import { kvRowsType, kvRowUnits, type KvRows } from "../../src/kernels/kv-layer.js";

type Host<T> = T extends Tensor ? Float32Array : T;
/** B with every Tensor parameter and result seen as the Float32Array it is on a CPU backend. */
export type HostView<B> = {
  [K in keyof B]: B[K] extends (...args: infer A) => infer R ? (...args: { [I in keyof A]: Host<A[I]> }) => Host<R> : B[K];
};
export type CpuBackend = HostView<KernelBackend>;

/**
 * A CPU backend (ref, wasm) as its kernel tests drive it: its tensors ARE Float32Arrays (src/kernels/host-tensor.ts),
 * so a test hands it host arrays and reads results in place. The same object, only typed differently.
 */
export function hostView<B extends object>(backend: B): HostView<B> {
  return backend as unknown as HostView<B>;
}

/** Host rows of kvDim values (Float32Array, Uint16Array of halves, Uint8Array of Q8_0 blocks) as a CPU KV layer. */
export function kvLayerOf(rows: KvRows, kvDim: number): KvLayer {
  const type = kvRowsType(rows);
  return asKvLayer(type, rows.length / kvRowUnits(type, kvDim), kvDim, rows);
}

/** The host rows a CPU backend keeps for a KV layer. */
export function kvRowsOf(layer: KvLayer): KvRows {
  return hostKvRows(layer);
}
