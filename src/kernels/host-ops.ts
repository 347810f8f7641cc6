import { InputError } from "../errors.js";
import { asTensor, hostF32, hostKvRows, type HostKvLayer } from "./host-tensor.js";
import { kvRowUnits } from "./kv-layer.js";
import type { KvLayer, Tensor } from "./tensor.js";

// The memory operations of KernelBackend that every CPU backend shares, on tensors that are host Float32Arrays
// (in JS or WebAssembly memory) and KV layers that hold host rows.

/** Throws unless [offset, offset + length) lies inside `size` values. */
export function checkRange(op: string, size: number, offset: number, length: number): void {
  if (!(Number.isInteger(offset) && Number.isInteger(length) && offset >= 0 && length >= 0 && offset + length <= size)) {
    throw new InputError(`${op}: values [${offset}, ${offset + length}) lie outside a tensor of ${size}`);
  }
}

export function hostView(t: Tensor, offset: number, length: number): Tensor {
  const a = hostF32(t);
  checkRange("view", a.length, offset, length);
  return asTensor(a.subarray(offset, offset + length));
}

export function hostWrite(t: Tensor, values: Float32Array, offset = 0): void {
  const a = hostF32(t);
  checkRange("write", a.length, offset, values.length);
  a.set(values, offset);
}

/** CPU work is done when it is recorded, so the values are ready: a view of the tensor itself, no copy. */
export function hostReadF32(t: Tensor, n: number): Promise<Float32Array> {
  const a = hostF32(t);
  checkRange("readF32", a.length, 0, n);
  return Promise.resolve(a.subarray(0, n));
}

export function hostSnapshot(t: Tensor, n: number): Promise<Float32Array> {
  const a = hostF32(t);
  checkRange("snapshot", a.length, 0, n);
  return Promise.resolve(a.slice(0, n));
}

export function hostCopyKvSlots(layer: KvLayer, src: number, dst: number, nSlots: number): void {
  const { type, kvDim, rows, nSlots: size } = layer as unknown as HostKvLayer;
  checkRange("copyKvSlots (source slots)", size, src, nSlots);
  checkRange("copyKvSlots (destination slots)", size, dst, nSlots);
  const units = kvRowUnits(type, kvDim);
  rows.copyWithin(dst * units, src * units, (src + nSlots) * units);
}

export function hostReadKvLayer(layer: KvLayer): Promise<Uint8Array> {
  const rows = hostKvRows(layer);
  return Promise.resolve(new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength).slice());
}

export function hostWriteKvLayer(layer: KvLayer, bytes: Uint8Array): void {
  const rows = hostKvRows(layer);
  if (bytes.byteLength !== rows.byteLength) {
    throw new InputError(`writeKvLayer: ${bytes.byteLength} bytes given, the layer holds ${rows.byteLength}`);
  }
  new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength).set(bytes);
}

/** A plain loop: no view object is made per call. */
export function hostCopy(dst: Tensor, src: Tensor, n: number): void {
  const d = hostF32(dst), s = hostF32(src);
  if (d === s) return;
  for (let i = 0; i < n; i++) d[i] = s[i]!;
}

export function hostGatherRows(dst: Tensor, src: Tensor, rows: Int32Array, nRows: number, n: number): void {
  const d = hostF32(dst), s = hostF32(src);
  for (let i = 0; i < nRows; i++) {
    const from = rows[i]! * n;
    for (let j = 0; j < n; j++) d[i * n + j] = s[from + j]!;
  }
}
