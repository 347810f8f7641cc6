import type { GgmlTypeName } from "../../quant/ggml-type.js";
import type {
  Activation, AttentionParams, ExpertRouting, KernelBackend, KvBatchView, KvLayer, KvType, RopeLayout, Tensor, Weight,
} from "../backend.js";
import { InputError } from "../../errors.js";
import { HostMoe } from "../host-moe.js";
import {
  hostCopy, hostCopyKvSlots, hostGatherRows, hostReadF32, hostReadKvLayer, hostSnapshot, hostView, hostWrite,
  hostWriteKvLayer,
} from "../host-ops.js";
import { asKvLayer, asTensor, hostF32 as f, hostKvRows, newHostRouting } from "../host-tensor.js";
import { checkKvDim, kvRowUnits, type KvRows } from "../kv-layer.js";
import { refAttention, refKvAppend } from "./attention.js";
import {
  refActivate, refAdd, refAddRows, refCopyColumns, refGlu, refMulRows, refScale, refSoftcap,
} from "./elementwise.js";
import { refEmbed, refMatmul } from "./matmul.js";
import { refLayerNorm, refRmsNorm, refSoftmax } from "./norms.js";
import { refRope } from "./rope.js";
import { quantTraits, rowSizeBytes } from "../../quant/registry.js";
import { rowDecoder, type RowDecoder } from "./row-decoder.js";

/** A weight as the reference backend holds it: a view of the stored bytes and the row decoder for its type. */
export interface RefWeight extends Weight {
  readonly bytes: Uint8Array;
  readonly decode: RowDecoder;
}

/**
 * The scalar TypeScript backend: the oracle every fast backend is checked against. Weights stay in their stored
 * type and are decoded a row at a time; dot products and reductions accumulate in float64. Tensors are plain
 * Float32Arrays (host-tensor.ts).
 */
export class RefBackend implements KernelBackend {
  readonly name = "ref";
  private row = new Float32Array(0);
  private scores = new Float64Array(0);
  private readonly moe = new HostMoe(this);

  loadWeight(type: GgmlTypeName, rows: number, cols: number, bytes: Uint8Array): RefWeight {
    const traits = quantTraits(type);
    if (cols % traits.blockSize !== 0 || bytes.byteLength !== rows * rowSizeBytes(traits, cols)) {
      throw new RangeError(`loadWeight: ${type} [${rows}, ${cols}] needs ${rows * rowSizeBytes(traits, cols)} bytes in whole blocks of ${traits.blockSize}, got ${bytes.byteLength}`);
    }
    const decode = rowDecoder(type);
    if (this.row.length < cols) this.row = new Float32Array(cols);
    return { type, rows, cols, bytes, decode };
  }

  loadVector(type: GgmlTypeName, n: number, bytes: Uint8Array): Tensor {
    const out = new Float32Array(n);
    rowDecoder(type)(bytes, 0, n, out);
    return asTensor(out);
  }

  allocTensor(n: number): Tensor {
    return asTensor(new Float32Array(n));
  }

  tensorFrom(values: Float32Array): Tensor {
    return asTensor(values.slice());
  }

  view(t: Tensor, offset: number, length: number): Tensor {
    return hostView(t, offset, length);
  }

  write(t: Tensor, values: Float32Array, offset = 0): void {
    hostWrite(t, values, offset);
  }

  readF32(t: Tensor, n: number): Promise<Float32Array> {
    return hostReadF32(t, n);
  }

  snapshot(t: Tensor, n: number): Promise<Float32Array> {
    return hostSnapshot(t, n);
  }

  allocKvLayer(type: KvType, nSlots: number, kvDim: number): KvLayer {
    return asKvLayer(type, nSlots, kvDim, newKvRows(type, nSlots, kvDim));
  }

  copyKvSlots(layer: KvLayer, src: number, dst: number, nSlots: number): void {
    hostCopyKvSlots(layer, src, dst, nSlots);
  }

  readKvLayer(layer: KvLayer): Promise<Uint8Array> {
    return hostReadKvLayer(layer);
  }

  writeKvLayer(layer: KvLayer, bytes: Uint8Array): void {
    hostWriteKvLayer(layer, bytes);
  }

  allocRouting(maxTokens: number, k: number): ExpertRouting {
    return newHostRouting(maxTokens, k);
  }

  matmul(out: Tensor, x: Tensor, w: Weight, nTokens: number): void {
    const rw = w as RefWeight;
    refMatmul(f(out), f(x), rw.bytes, rw.decode, rw.rows, rw.cols, nTokens, this.row);
  }

  embed(out: Tensor, w: Weight, ids: Int32Array, nTokens: number): void {
    const rw = w as RefWeight;
    refEmbed(f(out), rw.bytes, rw.decode, rw.rows, rw.cols, ids, nTokens, this.row);
  }

  rmsNorm(out: Tensor, x: Tensor, w: Tensor | null, nRows: number, n: number, eps: number, addOne: boolean): void {
    refRmsNorm(f(out), f(x), w && f(w), nRows, n, eps, addOne);
  }

  layerNorm(out: Tensor, x: Tensor, w: Tensor, b: Tensor | null, nRows: number, n: number, eps: number): void {
    refLayerNorm(f(out), f(x), f(w), b && f(b), nRows, n, eps);
  }

  rope(x: Tensor, nTokens: number, nHeads: number, headDim: number, nRot: number, positions: Int32Array,
    invFreq: Tensor, layout: RopeLayout, attnFactor: number): void {
    refRope(f(x), nTokens, nHeads, headDim, nRot, positions, f(invFreq), layout, attnFactor);
  }

  softmax(x: Tensor, nRows: number, n: number): void {
    refSoftmax(f(x), nRows, n);
  }

  activate(x: Tensor, n: number, act: Activation): void {
    refActivate(f(x), n, act);
  }

  glu(out: Tensor, gate: Tensor, up: Tensor, nRows: number, n: number, stride: number, act: Activation): void {
    refGlu(f(out), f(gate), f(up), nRows, n, stride, act);
  }

  add(out: Tensor, a: Tensor, b: Tensor, n: number): void {
    refAdd(f(out), f(a), f(b), n);
  }

  copy(dst: Tensor, src: Tensor, n: number): void {
    hostCopy(dst, src, n);
  }

  copyColumns(dst: Tensor, src: Tensor, nRows: number, srcCols: number, c0: number, width: number): void {
    refCopyColumns(f(dst), f(src), nRows, srcCols, c0, width);
  }

  gatherRows(dst: Tensor, src: Tensor, rows: Int32Array, nRows: number, n: number): void {
    hostGatherRows(dst, src, rows, nRows, n);
  }

  addRows(x: Tensor, bias: Tensor, nRows: number, n: number): void {
    refAddRows(f(x), f(bias), nRows, n);
  }

  mulRows(x: Tensor, w: Tensor, nRows: number, n: number): void {
    refMulRows(f(x), f(w), nRows, n);
  }

  scale(x: Tensor, n: number, s: number): void {
    refScale(f(x), n, s);
  }

  softcap(x: Tensor, n: number, cap: number): void {
    refSoftcap(f(x), n, cap);
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

  kvAppend(kCache: KvLayer, vCache: KvLayer, k: Tensor, v: Tensor, kvDim: number, kv: KvBatchView): void {
    refKvAppend(hostKvRows(kCache), hostKvRows(vCache), f(k), f(v), kvDim, kv);
  }

  attention(out: Tensor, q: Tensor, kCache: KvLayer, vCache: KvLayer, p: AttentionParams, kv: KvBatchView): void {
    let span = 0;
    for (let t = 0; t < kv.nTokens; t++) span = Math.max(span, kv.positions[t]! + 1);
    if (this.scores.length < span) this.scores = new Float64Array(Math.max(span, 2 * this.scores.length));
    refAttention(f(out), f(q), hostKvRows(kCache), hostKvRows(vCache), p, kv, this.scores);
  }
}

/** Zero-filled rows of nSlots × kvDim values in the type's array class. */
export function newKvRows(type: KvType, nSlots: number, kvDim: number): KvRows {
  if (!(Number.isInteger(nSlots) && nSlots >= 1 && Number.isInteger(kvDim) && kvDim >= 1)) {
    throw new InputError(`allocKvLayer: nSlots ${nSlots} and kvDim ${kvDim} must be positive integers`);
  }
  checkKvDim(type, kvDim);
  const units = nSlots * kvRowUnits(type, kvDim);
  return type === "f32" ? new Float32Array(units) : type === "f16" ? new Uint16Array(units) : new Uint8Array(units);
}

export function createRefBackend(): RefBackend {
  return new RefBackend();
}
