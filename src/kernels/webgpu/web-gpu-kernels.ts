import { GGML_TYPES } from "../../quant/ggml-type.js";
import type { Activation, AttentionParams, KvBatchView, KvLayer, RopeLayout } from "../backend.js";
import { kvRowBytes, type KvType } from "../kv-layer.js";
import {
  ATT_MAX_HEAD_DIM, ATT_TILE, attentionCombineWgsl, attentionWgsl, FLASH_MAX_HEAD_DIM, FLASH_QT, flashAttentionWgsl, kvAppendWgsl,
} from "./attention-wgsl.js";
import { elementwiseWgsl, EW_WG, ropeWgsl, rowWgsl, type EwOp, type RowOp } from "./elementwise-wgsl.js";
import { GpuDispatcher, type UniformValue } from "./gpu-dispatcher.js";
import type { GpuKvLayer, GpuKvView, GpuTensor, GpuWeight } from "./gpu-tensor.js";
import { BufferUsage, type GpuBufferLike, type GpuDeviceLike, type GpuLike } from "./gpu-types.js";
import {
  embedWgsl, GPU_WEIGHT_TYPES, MATMUL_TT, matmulTiledWgsl, matmulWgsl, ROWS_PER_X, TILE_ROWS, TILE_TOKENS, type GpuWeightType,
} from "./matmul-wgsl.js";
import type { BufferSpec } from "./wgsl-bindings.js";

const STORAGE = BufferUsage.STORAGE | BufferUsage.COPY_DST | BufferUsage.COPY_SRC;

const r = (name: string, elem: BufferSpec["elem"] = "f32"): BufferSpec => ({ name, elem, write: false });
const w = (name: string, elem: BufferSpec["elem"] = "f32"): BufferSpec => ({ name, elem, write: true });

export interface WebGpuKernelsOptions {
  /** Use subgroup reductions when the device has the "subgroups" feature (default true). */
  readonly subgroups?: boolean;
  /** Force split-K attention with this many splits (0 = choose by span, the default). */
  readonly attentionSplits?: number;
  /** Use the flash-style kernel for one-sequence prefill batches of ≥ 16 tokens with headDim ≤ 128 (default true). */
  readonly flashAttention?: boolean;
  /** Rows per workgroup of the matvec kernel: 1 (default; subgroup reduction), 2, 4 or 8 (64 / R threads per row). */
  readonly matvecRows?: 1 | 2 | 4 | 8;
}

/** 1-D dispatch size: x ≤ 32768 workgroups, the rest along y. */
function grid(n: number, wg: number): [number, number] {
  const groups = Math.max(1, Math.ceil(n / wg));
  return groups <= 32768 ? [groups, 1] : [32768, Math.ceil(groups / 32768)];
}

/**
 * The WebGPU kernels (WGSL) over a GPUDevice: weights, activations and KV cache live in GPU buffers; every op is
 * recorded into one command encoder and runs at `submit`/`read*`. Semantics match KernelBackend (src/kernels/backend.ts)
 * op for op; the conformance suite (tests/webgpu) checks them against the ref backend.
 */
export class WebGpuKernels {
  readonly name = "webgpu";
  readonly subgroups: boolean;
  readonly matvecRows: number;
  private readonly d: GpuDispatcher;
  private readonly dummy: GpuBufferLike;
  private scratch: GpuBufferLike | null = null;

  constructor(readonly device: GpuDeviceLike, private readonly options: WebGpuKernelsOptions = {}) {
    this.d = new GpuDispatcher(device);
    this.subgroups = (options.subgroups ?? true) && device.features.has("subgroups");
    this.matvecRows = options.matvecRows ?? 1;
    this.dummy = device.createBuffer({ size: 16, usage: STORAGE });
  }

  /** Requests a high-performance adapter and a device (with subgroups when offered) from `gpu` (navigator.gpu, or webgpu's create([])). */
  static async create(gpu: GpuLike, options: WebGpuKernelsOptions = {}): Promise<WebGpuKernels> {
    const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
    if (!adapter) throw new Error("WebGpuKernels: no WebGPU adapter");
    const requiredFeatures = adapter.features.has("subgroups") && options.subgroups !== false ? ["subgroups"] : [];
    const lim = adapter.limits;
    const requiredLimits: Record<string, number> = {};
    for (const k of ["maxStorageBufferBindingSize", "maxBufferSize", "maxComputeWorkgroupStorageSize"]) {
      if (typeof lim[k] === "number") requiredLimits[k] = lim[k];
    }
    return new WebGpuKernels(await adapter.requestDevice({ requiredFeatures, requiredLimits }), options);
  }

  // ---- memory -------------------------------------------------------------------------------------------------
  private storage(bytes: number): GpuBufferLike {
    return this.device.createBuffer({ size: Math.max(16, Math.ceil(bytes / 4) * 4), usage: STORAGE });
  }

  private upload(buffer: GpuBufferLike, data: ArrayBufferView): void {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (bytes.byteLength % 4 === 0) this.device.queue.writeBuffer(buffer, 0, bytes);
    else {
      const padded = new Uint8Array(Math.ceil(bytes.byteLength / 4) * 4);
      padded.set(bytes);
      this.device.queue.writeBuffer(buffer, 0, padded);
    }
  }

  /** A float32 tensor of n values (zero-filled), or holding a copy of `data`. */
  tensor(n: number | Float32Array): GpuTensor {
    const length = typeof n === "number" ? n : n.length;
    const buffer = this.storage(length * 4);
    if (typeof n !== "number") this.upload(buffer, n);
    return { buffer, length };
  }

  write(t: GpuTensor, data: Float32Array): void {
    this.upload(t.buffer, data);
  }

  async readF32(t: GpuTensor, n = t.length): Promise<Float32Array> {
    const b = await this.d.readBytes(t.buffer, n * 4);
    return new Float32Array(b.buffer, b.byteOffset, n);
  }

  /** Uploads a weight's stored bytes (rows × row size of `type`). */
  loadWeight(type: string, rows: number, cols: number, bytes: Uint8Array): GpuWeight {
    if (!(GPU_WEIGHT_TYPES as readonly string[]).includes(type)) throw new TypeError(`WebGpuKernels.loadWeight: type ${type} has no WebGPU kernel`);
    const t = type as GpuWeightType;
    const { blockSize: bs, bytesPerBlock: bb } = GGML_TYPES[t];
    const rowBytes = (cols / bs) * bb;
    if (cols % bs !== 0 || bytes.byteLength !== rows * rowBytes) {
      throw new RangeError(`WebGpuKernels.loadWeight: ${type} [${rows}, ${cols}] needs ${rows * rowBytes} bytes in whole blocks of ${bs}, got ${bytes.byteLength}`);
    }
    const buffer = this.storage(bytes.byteLength);
    this.upload(buffer, bytes);
    return { type: t, rows, cols, rowBytes, buffer };
  }

  kvLayer(type: KvType, nSlots: number, kvDim: number): GpuKvLayer {
    return { type, kvDim, nSlots, buffer: this.storage(nSlots * kvRowBytes(type, kvDim)) };
  }

  writeKvLayer(layer: GpuKvLayer, data: KvLayer): void {
    this.upload(layer.buffer, data);
  }

  /** The cache's bytes, as the CPU KvLayer of the same type holds them. */
  async readKvLayer(layer: GpuKvLayer): Promise<KvLayer> {
    const bytes = await this.d.readBytes(layer.buffer, layer.nSlots * kvRowBytes(layer.type, layer.kvDim));
    if (layer.type === "f32") return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    if (layer.type === "f16") return new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
    return bytes;
  }

  /** Uploads a batch's block tables and slot mapping. */
  kvView(kv: KvBatchView): GpuKvView {
    const put = (a: Int32Array): GpuBufferLike => {
      const b = this.storage(a.byteLength);
      this.upload(b, a);
      return b;
    };
    let maxSpan = 0;
    let oneRun = true;
    for (let t = 0; t < kv.nTokens; t++) {
      maxSpan = Math.max(maxSpan, kv.positions[t]! + 1);
      if (t > 0 && (kv.tokenSeq[t] !== kv.tokenSeq[0] || kv.positions[t] !== kv.positions[t - 1]! + 1)) oneRun = false;
    }
    return {
      nTokens: kv.nTokens, blockSize: kv.blockSize, maxBlocksPerSeq: kv.maxBlocksPerSeq, maxSpan, oneRun,
      positions: put(kv.positions), slots: put(kv.slots), tokenSeq: put(kv.tokenSeq), blockTables: put(kv.blockTables),
    };
  }

  submit(): void {
    this.d.submit();
  }

  /** Submits and waits for the GPU to finish. */
  finish(): Promise<void> {
    return this.d.finish();
  }

  // ---- ops (same contracts as KernelBackend) -------------------------------------------------------------------
  /** Up to 8 tokens: the matvec kernel (a workgroup per row and 8 tokens); more: the workgroup-memory tiled kernel. */
  matmul(out: GpuTensor, x: GpuTensor, wt: GpuWeight, nTokens: number): void {
    const sg = this.subgroups;
    const units = Math.ceil(wt.cols / 32);
    if (nTokens > MATMUL_TT) {
      this.d.dispatch(`matmulTiled.${wt.type}`, (b) => matmulTiledWgsl(wt.type, b), [r("w", "u32"), r("x"), w("out")],
        [wt.buffer, x.buffer, out.buffer], [wt.rows, wt.cols, nTokens, wt.rowBytes, units],
        [Math.ceil(wt.rows / TILE_ROWS), Math.ceil(nTokens / TILE_TOKENS)]);
      return;
    }
    const rpw = this.matvecRows;
    const blocks = Math.ceil(wt.rows / rpw);
    this.d.dispatch(`matmul.${wt.type}.${sg}.${rpw}`, (b) => matmulWgsl(wt.type, b, sg, rpw), [r("w", "u32"), r("x"), w("out")],
      [wt.buffer, x.buffer, out.buffer], [wt.rows, wt.cols, nTokens, wt.rowBytes, units],
      [Math.min(blocks, ROWS_PER_X), Math.ceil(nTokens / MATMUL_TT), Math.ceil(blocks / ROWS_PER_X)]);
  }

  embed(out: GpuTensor, wt: GpuWeight, ids: GpuBufferLike, nTokens: number): void {
    this.d.dispatch(`embed.${wt.type}`, (b) => embedWgsl(wt.type, b), [r("w", "u32"), r("ids", "i32"), w("out")],
      [wt.buffer, ids, out.buffer], [wt.rows, wt.cols, nTokens, wt.rowBytes, Math.ceil(wt.cols / 32)], [nTokens]);
  }

  private row(op: RowOp, specs: BufferSpec[], bufs: GpuBufferLike[], nRows: number, n: number, flags: number, eps: number): void {
    this.d.dispatch(`row.${op}`, (b) => rowWgsl(op, b), specs, bufs, [nRows, n, flags, { f: eps }],
      [Math.min(nRows, 32768), Math.ceil(nRows / 32768)]);
  }

  rmsNorm(out: GpuTensor, x: GpuTensor, wt: GpuTensor | null, nRows: number, n: number, eps: number, addOne: boolean): void {
    this.row("rmsNorm", [r("x"), r("w"), w("out")], [x.buffer, wt?.buffer ?? this.dummy, out.buffer], nRows, n,
      wt === null ? 0 : addOne ? 2 : 1, eps);
  }

  layerNorm(out: GpuTensor, x: GpuTensor, wt: GpuTensor, b: GpuTensor | null, nRows: number, n: number, eps: number): void {
    this.row("layerNorm", [r("x"), r("w"), r("b"), w("out")], [x.buffer, wt.buffer, b?.buffer ?? this.dummy, out.buffer],
      nRows, n, b === null ? 0 : 1, eps);
  }

  softmax(x: GpuTensor, nRows: number, n: number): void {
    this.row("softmax", [w("x")], [x.buffer], nRows, n, 0, 0);
  }

  /** positions: int32 [nTokens] on the GPU (e.g. GpuKvView.positions); invFreq: nRot/2 float32. */
  rope(x: GpuTensor, nTokens: number, nHeads: number, headDim: number, nRot: number, positions: GpuBufferLike,
    invFreq: GpuTensor, layout: RopeLayout, attnFactor: number): void {
    const half = nRot / 2;
    this.d.dispatch("rope", (b) => ropeWgsl(b), [w("x"), r("pos", "i32"), r("freq")], [x.buffer, positions, invFreq.buffer],
      [nTokens, nHeads, headDim, half, layout === "neox" ? 1 : 0, { f: attnFactor }], grid(nTokens * nHeads * half, EW_WG));
  }

  private ew(op: EwOp, act: Activation, specs: BufferSpec[], bufs: GpuBufferLike[], n: number, u: UniformValue[]): void {
    this.d.dispatch(`ew.${op}.${act}`, (b) => elementwiseWgsl(op, b, act), specs, bufs, [n, ...u], grid(n, EW_WG));
  }

  activate(x: GpuTensor, n: number, act: Activation): void {
    this.ew("activate", act, [w("x")], [x.buffer], n, []);
  }

  /** Gated unit; gate and up may be the same tensor (fused gate-up) read from offsets gateOff / upOff. */
  glu(out: GpuTensor, gate: GpuTensor, up: GpuTensor, nRows: number, n: number, stride: number, act: Activation,
    gateOff = 0, upOff = 0): void {
    this.ew("glu", act, [r("gate"), r("up"), w("out")], [gate.buffer, up.buffer, out.buffer], nRows * n, [n, stride, gateOff, upOff]);
  }

  add(out: GpuTensor, a: GpuTensor, b: GpuTensor, n: number): void {
    this.ew("add", "silu", [r("a"), r("b"), w("out")], [a.buffer, b.buffer, out.buffer], n, []);
  }

  addRows(x: GpuTensor, bias: GpuTensor, nRows: number, n: number): void {
    this.ew("addRows", "silu", [w("x"), r("v")], [x.buffer, bias.buffer], nRows * n, [n]);
  }

  mulRows(x: GpuTensor, wt: GpuTensor, nRows: number, n: number): void {
    this.ew("mulRows", "silu", [w("x"), r("v")], [x.buffer, wt.buffer], nRows * n, [n]);
  }

  scale(x: GpuTensor, n: number, s: number): void {
    this.ew("scale", "silu", [w("x")], [x.buffer], n, [0, 0, 0, 0, { f: s }]);
  }

  softcap(x: GpuTensor, n: number, cap: number): void {
    this.ew("softcap", "silu", [w("x")], [x.buffer], n, [0, 0, 0, 0, { f: cap }]);
  }

  kvAppend(kCache: GpuKvLayer, vCache: GpuKvLayer, k: GpuTensor, v: GpuTensor, kvDim: number, kv: GpuKvView): void {
    for (const [cache, src] of [[kCache, k], [vCache, v]] as const) {
      const per = cache.type === "f32" ? 1 : cache.type === "f16" ? 2 : 32;
      if (kvDim % per !== 0) throw new RangeError(`WebGpuKernels.kvAppend: kvDim ${kvDim} is not a multiple of ${per} (${cache.type})`);
      this.d.dispatch(`kvAppend.${cache.type}`, (b) => kvAppendWgsl(cache.type, b),
        [r("src"), r("slots", "i32"), w("cache", cache.type === "q8_0" ? "atomic" : "u32")], [src.buffer, kv.slots, cache.buffer],
        [kv.nTokens, kvDim], grid((kv.nTokens * kvDim) / per, 64));
    }
  }

  attention(out: GpuTensor, q: GpuTensor, kCache: GpuKvLayer, vCache: GpuKvLayer, p: AttentionParams, kv: GpuKvView): void {
    if (p.headDim > ATT_MAX_HEAD_DIM) throw new RangeError(`WebGpuKernels.attention: headDim ${p.headDim} > ${ATT_MAX_HEAD_DIM}`);
    const span = p.window > 0 ? Math.min(p.window, kv.maxSpan) : kv.maxSpan;
    let nSplit = this.options.attentionSplits ?? 0;
    if (nSplit <= 0) nSplit = kv.nTokens * p.nHeads < 128 && span > 512 ? Math.min(32, Math.ceil(span / 256)) : 1;
    const chunk = nSplit === 1 ? 0x7fffffff : Math.ceil(span / nSplit / ATT_TILE) * ATT_TILE;
    const kvDim = p.nKvHeads * p.headDim;
    const u: UniformValue[] = [p.nHeads, p.nKvHeads, p.headDim, kvDim, { f: p.scale }, { f: p.softcap }, p.window,
      kv.blockSize, kv.maxBlocksPerSeq, nSplit, chunk, p.nHeads * p.headDim, kv.nTokens];
    const kvSpecs = [r("q"), r("k", "u32"), r("v", "u32"), r("positions", "i32"), r("tokenSeq", "i32"), r("blockTables", "i32")];
    const kvBufs = [q.buffer, kCache.buffer, vCache.buffer, kv.positions, kv.tokenSeq, kv.blockTables];
    const key = `attention.${kCache.type}.${vCache.type}`;
    const wgsl = (b: string): string => attentionWgsl(kCache.type, vCache.type, b);
    if ((this.options.flashAttention ?? true) && kv.oneRun && kv.nTokens >= FLASH_QT && p.headDim <= FLASH_MAX_HEAD_DIM && p.headDim % 4 === 0) {
      this.d.dispatch(`flash.${kCache.type}.${vCache.type}`, (b) => flashAttentionWgsl(kCache.type, vCache.type, b),
        [...kvSpecs, w("out")], [...kvBufs, out.buffer], u, [p.nHeads, Math.ceil(kv.nTokens / FLASH_QT)]);
      return;
    }
    if (nSplit === 1) {
      this.d.dispatch(key, wgsl, [...kvSpecs, w("out"), w("part")], [...kvBufs, out.buffer, this.dummy], u, [p.nHeads, kv.nTokens, 1]);
      return;
    }
    const partBytes = kv.nTokens * p.nHeads * nSplit * (p.headDim + 2) * 4;
    if (!this.scratch || this.scratch.size < partBytes) {
      this.scratch?.destroy();
      this.scratch = this.storage(partBytes * 2);
    }
    this.d.dispatch(key, wgsl, [...kvSpecs, w("out"), w("part")], [...kvBufs, this.dummy, this.scratch], u, [p.nHeads, kv.nTokens, nSplit]);
    this.d.dispatch("attention.combine", attentionCombineWgsl, [r("part"), w("out")], [this.scratch, out.buffer], u, [p.nHeads, kv.nTokens]);
  }
}
