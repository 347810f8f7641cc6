import type { GgmlTypeName } from "../../quant/ggml-type.js";
import type {
  Activation, AttentionParams, KernelBackend, KvBatchView, KvLayer, RopeLayout, Weight,
} from "../backend.js";
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
 * type and are decoded a row at a time; dot products and reductions accumulate in float64.
 */
export class RefBackend implements KernelBackend {
  readonly name = "ref";
  private row = new Float32Array(0);
  private scores = new Float64Array(0);

  loadWeight(type: GgmlTypeName, rows: number, cols: number, bytes: Uint8Array): RefWeight {
    const traits = quantTraits(type);
    if (cols % traits.blockSize !== 0 || bytes.byteLength !== rows * rowSizeBytes(traits, cols)) {
      throw new RangeError(`loadWeight: ${type} [${rows}, ${cols}] needs ${rows * rowSizeBytes(traits, cols)} bytes in whole blocks of ${traits.blockSize}, got ${bytes.byteLength}`);
    }
    const decode = rowDecoder(type);
    if (this.row.length < cols) this.row = new Float32Array(cols);
    return { type, rows, cols, bytes, decode };
  }

  loadVector(type: GgmlTypeName, n: number, bytes: Uint8Array): Float32Array {
    const out = this.allocF32(n);
    rowDecoder(type)(bytes, 0, n, out);
    return out;
  }

  allocF32(n: number): Float32Array {
    return new Float32Array(n);
  }

  matmul(out: Float32Array, x: Float32Array, w: Weight, nTokens: number): void {
    const rw = w as RefWeight;
    refMatmul(out, x, rw.bytes, rw.decode, rw.rows, rw.cols, nTokens, this.row);
  }

  embed(out: Float32Array, w: Weight, ids: Int32Array, nTokens: number): void {
    const rw = w as RefWeight;
    refEmbed(out, rw.bytes, rw.decode, rw.rows, rw.cols, ids, nTokens, this.row);
  }

  rmsNorm(out: Float32Array, x: Float32Array, w: Float32Array | null, nRows: number, n: number, eps: number,
    addOne: boolean): void {
    refRmsNorm(out, x, w, nRows, n, eps, addOne);
  }

  layerNorm(out: Float32Array, x: Float32Array, w: Float32Array, b: Float32Array | null, nRows: number, n: number,
    eps: number): void {
    refLayerNorm(out, x, w, b, nRows, n, eps);
  }

  rope(x: Float32Array, nTokens: number, nHeads: number, headDim: number, nRot: number, positions: Int32Array,
    invFreq: Float32Array, layout: RopeLayout, attnFactor: number): void {
    refRope(x, nTokens, nHeads, headDim, nRot, positions, invFreq, layout, attnFactor);
  }

  softmax(x: Float32Array, nRows: number, n: number): void {
    refSoftmax(x, nRows, n);
  }

  activate(x: Float32Array, n: number, act: Activation): void {
    refActivate(x, n, act);
  }

  glu(out: Float32Array, gate: Float32Array, up: Float32Array, nRows: number, n: number, stride: number,
    act: Activation): void {
    refGlu(out, gate, up, nRows, n, stride, act);
  }

  add(out: Float32Array, a: Float32Array, b: Float32Array, n: number): void {
    refAdd(out, a, b, n);
  }

  copyColumns(dst: Float32Array, src: Float32Array, nRows: number, srcCols: number, c0: number, width: number): void {
    refCopyColumns(dst, src, nRows, srcCols, c0, width);
  }

  addRows(x: Float32Array, bias: Float32Array, nRows: number, n: number): void {
    refAddRows(x, bias, nRows, n);
  }

  mulRows(x: Float32Array, w: Float32Array, nRows: number, n: number): void {
    refMulRows(x, w, nRows, n);
  }

  scale(x: Float32Array, n: number, s: number): void {
    refScale(x, n, s);
  }

  softcap(x: Float32Array, n: number, cap: number): void {
    refSoftcap(x, n, cap);
  }

  kvAppend(kCache: KvLayer, vCache: KvLayer, k: Float32Array, v: Float32Array, kvDim: number,
    kv: KvBatchView): void {
    refKvAppend(kCache, vCache, k, v, kvDim, kv);
  }

  attention(out: Float32Array, q: Float32Array, kCache: KvLayer, vCache: KvLayer, p: AttentionParams,
    kv: KvBatchView): void {
    let span = 0;
    for (let t = 0; t < kv.nTokens; t++) span = Math.max(span, kv.positions[t]! + 1);
    if (this.scores.length < span) this.scores = new Float64Array(Math.max(span, 2 * this.scores.length));
    refAttention(out, q, kCache, vCache, p, kv, this.scores);
  }
}

export function createRefBackend(): RefBackend {
  return new RefBackend();
}
