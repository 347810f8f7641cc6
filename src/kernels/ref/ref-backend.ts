import type { GgmlTypeName } from "../../quant/ggml-type.js";
import type {
  Activation, AttentionParams, KernelBackend, KvBatchView, KvLayer, RopeLayout, Tensor, Weight,
} from "../backend.js";
import { HostBackend } from "../host-backend.js";
import { asTensor, hostF32 as f, hostKvRows } from "../host-tensor.js";
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
 * Float32Arrays (host-backend.ts).
 */
export class RefBackend extends HostBackend implements KernelBackend {
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

  allocTensor(n: number): Tensor {
    return asTensor(new Float32Array(n));
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

  copyColumns(dst: Tensor, src: Tensor, nRows: number, srcCols: number, c0: number, width: number): void {
    refCopyColumns(f(dst), f(src), nRows, srcCols, c0, width);
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

export function createRefBackend(): RefBackend {
  return new RefBackend();
}
