import { InputError } from "../errors.js";
import type { GgmlTypeName } from "../quant/ggml-type.js";
import { rowDecoder } from "./ref/row-decoder.js";
import type { Weight } from "./backend.js";
import { HostMoe } from "./host-moe.js";
import { asKvLayer, asTensor, hostF32, hostKvRows, newHostRouting, type HostKvLayer } from "./host-tensor.js";
import { checkKvDim, kvRowBytes, kvRowUnits, type KvType } from "./kv-layer.js";
import type { ExpertRouting, KvLayer, Tensor } from "./tensor.js";

/**
 * What the CPU backends (ref, wasm) share: their tensors are host Float32Arrays (host-tensor.ts), so the memory
 * half of KernelBackend, the row movers and the MoE ops are the same code; a subclass says where its memory lies
 * (allocTensor) and how it multiplies (matmul).
 */
export abstract class HostBackend {
  private readonly moe = new HostMoe(this);

  /** A zero-filled tensor of n values where this backend's kernels read it. */
  abstract allocTensor(n: number): Tensor;
  abstract matmul(out: Tensor, x: Tensor, w: Weight, nTokens: number): void;

  loadVector(type: GgmlTypeName, n: number, bytes: Uint8Array): Tensor {
    const out = this.allocTensor(n);
    rowDecoder(type)(bytes, 0, n, hostF32(out));
    return out;
  }

  tensorFrom(values: Float32Array): Tensor {
    const t = this.allocTensor(values.length);
    hostF32(t).set(values);
    return t;
  }

  view(t: Tensor, offset: number, length: number): Tensor {
    const a = hostF32(t);
    checkRange("view", a.length, offset, length);
    return asTensor(a.subarray(offset, offset + length));
  }

  write(t: Tensor, values: Float32Array, offset = 0): void {
    const a = hostF32(t);
    checkRange("write", a.length, offset, values.length);
    a.set(values, offset);
  }

  /** Work on a CPU is done when it is recorded: the values are ready, as a view of the tensor itself (no copy). */
  readF32(t: Tensor, n: number): Promise<Float32Array> {
    const a = hostF32(t);
    checkRange("readF32", a.length, 0, n);
    return Promise.resolve(a.subarray(0, n));
  }

  snapshot(t: Tensor, n: number): Promise<Float32Array> {
    const a = hostF32(t);
    checkRange("snapshot", a.length, 0, n);
    return Promise.resolve(a.slice(0, n));
  }

  /** The layer's bytes as whole float32 words from allocTensor (so they lie where the kernels read), viewed as its type's array. */
  allocKvLayer(type: KvType, nSlots: number, kvDim: number): KvLayer {
    if (!(Number.isInteger(nSlots) && nSlots >= 1 && Number.isInteger(kvDim) && kvDim >= 1)) {
      throw new InputError(`allocKvLayer: nSlots ${nSlots} and kvDim ${kvDim} must be positive integers`);
    }
    checkKvDim(type, kvDim);
    const bytes = nSlots * kvRowBytes(type, kvDim);
    const words = hostF32(this.allocTensor(Math.ceil(bytes / 4)));
    const rows = type === "f32" ? words : type === "f16" ? new Uint16Array(words.buffer, words.byteOffset, bytes / 2)
      : new Uint8Array(words.buffer, words.byteOffset, bytes);
    return asKvLayer(type, nSlots, kvDim, rows);
  }

  copyKvSlots(layer: KvLayer, src: number, dst: number, nSlots: number): void {
    const { type, kvDim, rows, nSlots: size } = layer as unknown as HostKvLayer;
    checkRange("copyKvSlots (source slots)", size, src, nSlots);
    checkRange("copyKvSlots (destination slots)", size, dst, nSlots);
    const units = kvRowUnits(type, kvDim);
    rows.copyWithin(dst * units, src * units, (src + nSlots) * units);
  }

  readKvLayer(layer: KvLayer): Promise<Uint8Array> {
    const rows = hostKvRows(layer);
    return Promise.resolve(new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength).slice());
  }

  writeKvLayer(layer: KvLayer, bytes: Uint8Array): void {
    const rows = hostKvRows(layer);
    if (bytes.byteLength !== rows.byteLength) {
      throw new InputError(`writeKvLayer: ${bytes.byteLength} bytes given, the layer holds ${rows.byteLength}`);
    }
    new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength).set(bytes);
  }

  allocRouting(maxTokens: number, k: number): ExpertRouting {
    return newHostRouting(maxTokens, k);
  }

  // A plain loop, as the norm's identity copy was: no view object is made per call.
  copy(dst: Tensor, src: Tensor, n: number): void {
    const d = hostF32(dst), s = hostF32(src);
    if (d === s) return;
    for (let i = 0; i < n; i++) d[i] = s[i]!;
  }

  gatherRows(dst: Tensor, src: Tensor, rows: Int32Array, nRows: number, n: number): void {
    const d = hostF32(dst), s = hostF32(src);
    for (let i = 0; i < nRows; i++) {
      const from = rows[i]! * n;
      for (let j = 0; j < n; j++) d[i * n + j] = s[from + j]!;
    }
  }

  moeRoute(routing: ExpertRouting, probs: Tensor, nTokens: number, nExperts: number, k: number, normTopK: boolean): void {
    this.moe.route(routing, probs, nTokens, nExperts, k, normTopK);
  }

  matmulExperts(out: Tensor, x: Tensor, experts: readonly Weight[], routing: ExpertRouting, nTokens: number,
    xPerSlot: boolean): void {
    this.moe.matmulExperts(out, x, experts, routing, nTokens, xPerSlot);
  }

  moeCombine(out: Tensor, y: Tensor, routing: ExpertRouting, nTokens: number, n: number): void {
    this.moe.combine(out, y, routing, nTokens, n);
  }
}

/** Throws unless [offset, offset + length) lies inside `size` values. */
function checkRange(op: string, size: number, offset: number, length: number): void {
  if (!(Number.isInteger(offset) && Number.isInteger(length) && offset >= 0 && length >= 0 && offset + length <= size)) {
    throw new InputError(`${op}: values [${offset}, ${offset + length}) lie outside a tensor of ${size}`);
  }
}
