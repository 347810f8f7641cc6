import { InputError } from "../../errors.js";
import type {
  Activation, AttentionParams, ExpertRouting, KernelBackend, KvBatchView, KvLayer, RopeLayout, Tensor, Weight,
} from "../backend.js";
import { checkKvDim, kvRowBytes, type KvType } from "../kv-layer.js";
import { UnsupportedWeightTypeError } from "../unsupported-weight-type-error.js";
import { GGML_TYPES, type GgmlTypeName } from "../../quant/ggml-type.js";
import { quantTraits } from "../../quant/registry.js";
import { elementwiseWgsl, EW_WG, ropeWgsl, rowWgsl, type EwOp, type RowOp } from "./elementwise-wgsl.js";
import { GpuDispatcher, type Bind, type UniformValue } from "./gpu-dispatcher.js";
import { grid, recordAttention, recordCopyKvSlots, recordKvAppend } from "./gpu-kv-ops.js";
import { GpuMemory, STORAGE } from "./gpu-memory.js";
import { recordMatmulExperts, recordMoeCombine, recordMoeRoute } from "./gpu-moe-ops.js";
import {
  asKvLayer, asRouting, asTensor, gpuKvLayer, gpuRouting, gpuTensor, type GpuRouting, type GpuTensor, type GpuWeight,
} from "./gpu-tensor.js";
import type { GpuDeviceLike, GpuLike } from "./gpu-types.js";
import {
  embedWgsl, GPU_WEIGHT_TYPES, MATMUL_TT, matmulTiledWgsl, matmulWgsl, ROWS_PER_X, TILE_ROWS, TILE_TOKENS, type GpuWeightType,
} from "./matmul-wgsl.js";
import type { BufferSpec } from "./wgsl-bindings.js";


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

/**
 * The WebGPU backend (WGSL kernels over a GPUDevice): weights, activations, KV cache and routing live in GPU
 * buffers; every op is recorded into one command encoder, with the host data it reads staged for upload, and runs
 * at `submit` or at the next read. Semantics are KernelBackend's (src/kernels/backend.ts) op for op; the shared
 * conformance suite (tests/kernels/conformance-*.ts) checks them against the float64 oracles.
 */
export class WebGpuKernels implements KernelBackend {
  readonly name = "webgpu";
  readonly weightTypes: readonly GgmlTypeName[] = GPU_WEIGHT_TYPES;
  readonly subgroups: boolean;
  readonly matvecRows: number;
  private readonly d: GpuDispatcher;
  private readonly mem: GpuMemory;
  private readonly dummy: Bind;
  /** The GPU and adapter objects the device came from: Dawn in Node tears the device down when they are collected. */
  private owners: readonly object[] = [];

  constructor(readonly device: GpuDeviceLike, private readonly options: WebGpuKernelsOptions = {}) {
    this.d = new GpuDispatcher(device);
    this.mem = new GpuMemory(device, this.d);
    this.subgroups = (options.subgroups ?? true) && device.features.has("subgroups");
    this.matvecRows = options.matvecRows ?? 1;
    this.dummy = { buffer: device.createBuffer({ size: 16, usage: STORAGE }), offset: 0 };
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
    const kernels = new WebGpuKernels(await adapter.requestDevice({ requiredFeatures, requiredLimits }), options);
    kernels.owners = [gpu, adapter];
    return kernels;
  }

  /** Submits the recorded work (reads submit by themselves). */
  submit(): void {
    this.d.submit();
  }

  /** Submits and waits for the GPU to finish. */
  finish(): Promise<void> {
    return this.d.finish();
  }

  // ---- memory -------------------------------------------------------------------------------------------------
  /** Uploads a weight's stored bytes (rows × row size of `type`). */
  loadWeight(type: GgmlTypeName, rows: number, cols: number, bytes: Uint8Array): GpuWeight {
    if (!this.weightTypes.includes(type)) throw new UnsupportedWeightTypeError(this.name, type, this.weightTypes);
    const t = type as GpuWeightType;
    const { blockSize: bs, bytesPerBlock: bb } = GGML_TYPES[t];
    const rowBytes = (cols / bs) * bb;
    if (cols % bs !== 0 || bytes.byteLength !== rows * rowBytes) {
      throw new RangeError(`WebGpuKernels.loadWeight: ${type} [${rows}, ${cols}] needs ${rows * rowBytes} bytes in whole blocks of ${bs}, got ${bytes.byteLength}`);
    }
    const buffer = this.mem.storage(bytes.byteLength);
    this.mem.uploadFresh(buffer, bytes);
    return { type: t, rows, cols, rowBytes, buffer };
  }

  /** Dequantized on the host (quant/'s reference conversion) and uploaded: vectors are small. */
  loadVector(type: GgmlTypeName, n: number, bytes: Uint8Array): Tensor {
    const values = new Float32Array(n);
    quantTraits(type).dequantize(bytes, values, n);
    return this.tensorFrom(values);
  }

  allocTensor(n: number): Tensor {
    return asTensor({ buffer: this.mem.storage(n * 4), offset: 0, length: n });
  }

  tensorFrom(values: Float32Array): Tensor {
    const buffer = this.mem.storage(values.byteLength);
    this.mem.uploadFresh(buffer, values);
    return asTensor({ buffer, offset: 0, length: values.length });
  }

  /** Same buffer, another element offset: kernels add it in their accessors, so any offset works. */
  view(t: Tensor, offset: number, length: number): Tensor {
    const g = gpuTensor(t);
    if (!(Number.isInteger(offset) && Number.isInteger(length) && offset >= 0 && length >= 0 && offset + length <= g.length)) {
      throw new InputError(`WebGpuKernels.view: [${offset}, ${offset + length}) outside a tensor of ${g.length} values`);
    }
    return asTensor({ buffer: g.buffer, offset: g.offset + offset, length });
  }

  write(t: Tensor, values: Float32Array, offset = 0): void {
    const g = gpuTensor(t);
    if (!(offset >= 0 && offset + values.length <= g.length)) {
      throw new InputError(`WebGpuKernels.write: [${offset}, ${offset + values.length}) outside a tensor of ${g.length} values`);
    }
    this.mem.writeOrdered(g.buffer, (g.offset + offset) * 4, values);
  }

  readF32(t: Tensor, n: number): Promise<Float32Array> {
    return this.mem.readF32(this.checked(t, n, "readF32"), n);
  }

  snapshot(t: Tensor, n: number): Promise<Float32Array> {
    return this.mem.snapshot(this.checked(t, n, "snapshot"), n);
  }

  private checked(t: Tensor, n: number, what: string): GpuTensor {
    const g = gpuTensor(t);
    if (!(n >= 0 && n <= g.length)) throw new InputError(`WebGpuKernels.${what}: ${n} values of a tensor of ${g.length}`);
    return g;
  }

  allocKvLayer(type: KvType, nSlots: number, kvDim: number): KvLayer {
    if (!(Number.isInteger(nSlots) && nSlots >= 1 && Number.isInteger(kvDim) && kvDim >= 1)) {
      throw new InputError(`WebGpuKernels.allocKvLayer: nSlots ${nSlots} and kvDim ${kvDim} must be positive integers`);
    }
    checkKvDim(type, kvDim);
    return asKvLayer({ type, kvDim, nSlots, buffer: this.mem.storage(nSlots * kvRowBytes(type, kvDim)) });
  }

  copyKvSlots(layer: KvLayer, src: number, dst: number, nSlots: number): void {
    recordCopyKvSlots(this.d, this.mem, gpuKvLayer(layer), src, dst, nSlots);
  }

  readKvLayer(layer: KvLayer): Promise<Uint8Array> {
    const l = gpuKvLayer(layer);
    return this.d.readBytes(l.buffer, 0, l.nSlots * kvRowBytes(l.type, l.kvDim));
  }

  writeKvLayer(layer: KvLayer, bytes: Uint8Array): void {
    const l = gpuKvLayer(layer);
    const size = l.nSlots * kvRowBytes(l.type, l.kvDim);
    if (bytes.byteLength !== size) throw new InputError(`WebGpuKernels.writeKvLayer: ${bytes.byteLength} bytes for a ${l.type} layer of ${size}`);
    let words = bytes;
    if (size % 4 !== 0) {
      words = new Uint8Array(Math.ceil(size / 4) * 4);
      words.set(bytes);
    }
    this.mem.writeOrdered(l.buffer, 0, words);
  }

  allocRouting(maxTokens: number, k: number): ExpertRouting {
    if (!(Number.isInteger(maxTokens) && maxTokens >= 1 && Number.isInteger(k) && k >= 1)) {
      throw new InputError(`WebGpuKernels.allocRouting: maxTokens ${maxTokens} and k ${k} must be positive integers`);
    }
    const routing: GpuRouting = { maxTokens, k, ids: this.mem.storage(maxTokens * k * 4), weights: this.mem.storage(maxTokens * k * 4) };
    return asRouting(routing);
  }

  // ---- ops ------------------------------------------------------------------------------------------------------
  /** Up to 8 tokens: the matvec kernel (a workgroup per row and 8 tokens); more: the workgroup-memory tiled kernel. */
  matmul(out: Tensor, x: Tensor, weight: Weight, nTokens: number): void {
    const wt = weight as GpuWeight;
    const u = [wt.rows, wt.cols, nTokens, wt.rowBytes, Math.ceil(wt.cols / 32)];
    const binds = [{ buffer: wt.buffer, offset: 0 }, gpuTensor(x), gpuTensor(out)];
    if (nTokens > MATMUL_TT) {
      this.d.run(`matmulTiled.${wt.type}`, (b) => matmulTiledWgsl(wt.type, b), [r("w", "u32"), r("x"), w("out")], binds, u,
        [Math.ceil(wt.rows / TILE_ROWS), Math.ceil(nTokens / TILE_TOKENS)]);
      return;
    }
    const sg = this.subgroups, rpw = this.matvecRows;
    const blocks = Math.ceil(wt.rows / rpw);
    this.d.run(`matmul.${wt.type}.${sg}.${rpw}`, (b) => matmulWgsl(wt.type, b, sg, rpw), [r("w", "u32"), r("x"), w("out")], binds, u,
      [Math.min(blocks, ROWS_PER_X), Math.ceil(nTokens / MATMUL_TT), Math.ceil(blocks / ROWS_PER_X)]);
  }

  embed(out: Tensor, weight: Weight, ids: Int32Array, nTokens: number): void {
    const wt = weight as GpuWeight;
    for (let t = 0; t < nTokens; t++) {
      const id = ids[t]!;
      if (!(id >= 0 && id < wt.rows)) throw new RangeError(`embed: token id ${id} outside the vocabulary [0, ${wt.rows})`);
    }
    this.d.run(`embed.${wt.type}`, (b) => embedWgsl(wt.type, b), [r("w", "u32"), r("ids", "i32"), w("out")],
      [{ buffer: wt.buffer, offset: 0 }, this.mem.indices(ids, nTokens), gpuTensor(out)],
      [wt.rows, wt.cols, nTokens, wt.rowBytes, Math.ceil(wt.cols / 32)], [nTokens]);
  }

  private row(op: RowOp, specs: BufferSpec[], binds: Bind[], nRows: number, n: number, flags: number, eps: number): void {
    this.d.run(`row.${op}`, (b) => rowWgsl(op, b), specs, binds, [nRows, n, flags, { f: eps }],
      [Math.min(nRows, 32768), Math.ceil(nRows / 32768)]);
  }

  rmsNorm(out: Tensor, x: Tensor, wt: Tensor | null, nRows: number, n: number, eps: number, addOne: boolean): void {
    this.row("rmsNorm", [r("x"), r("w"), w("out")], [gpuTensor(x), wt ? gpuTensor(wt) : this.dummy, gpuTensor(out)], nRows, n,
      wt === null ? 0 : addOne ? 2 : 1, eps);
  }

  layerNorm(out: Tensor, x: Tensor, wt: Tensor, b: Tensor | null, nRows: number, n: number, eps: number): void {
    this.row("layerNorm", [r("x"), r("w"), r("b"), w("out")], [gpuTensor(x), gpuTensor(wt), b ? gpuTensor(b) : this.dummy, gpuTensor(out)],
      nRows, n, b === null ? 0 : 1, eps);
  }

  softmax(x: Tensor, nRows: number, n: number): void {
    this.row("softmax", [w("x")], [gpuTensor(x)], nRows, n, 0, 0);
  }

  rope(x: Tensor, nTokens: number, nHeads: number, headDim: number, nRot: number, positions: Int32Array,
    invFreq: Tensor, layout: RopeLayout, attnFactor: number): void {
    const half = nRot / 2;
    this.d.run("rope", ropeWgsl, [w("x"), r("pos", "i32"), r("freq")], [gpuTensor(x), this.mem.indices(positions, nTokens), gpuTensor(invFreq)],
      [nTokens, nHeads, headDim, half, layout === "neox" ? 1 : 0, { f: attnFactor }], grid(nTokens * nHeads * half, EW_WG));
  }

  private ew(op: EwOp, act: Activation, specs: BufferSpec[], binds: Bind[], n: number, u: UniformValue[]): void {
    this.d.run(`ew.${op}.${act}`, (b) => elementwiseWgsl(op, b, act), specs, binds, [n, ...u], grid(n, EW_WG));
  }

  activate(x: Tensor, n: number, act: Activation): void {
    this.ew("activate", act, [w("x")], [gpuTensor(x)], n, []);
  }

  glu(out: Tensor, gate: Tensor, up: Tensor, nRows: number, n: number, stride: number, act: Activation): void {
    this.ew("glu", act, [r("gate"), r("up"), w("out")], [gpuTensor(gate), gpuTensor(up), gpuTensor(out)], nRows * n, [n, stride]);
  }

  add(out: Tensor, a: Tensor, b: Tensor, n: number): void {
    this.ew("add", "silu", [r("a"), r("b"), w("out")], [gpuTensor(a), gpuTensor(b), gpuTensor(out)], n, []);
  }

  /** copyBufferToBuffer; within one buffer (views) through scratch, since WebGPU copies only between two buffers. */
  copy(dst: Tensor, src: Tensor, n: number): void {
    const s = gpuTensor(src), t = gpuTensor(dst);
    if (s.buffer !== t.buffer) {
      this.d.copy(s.buffer, s.offset * 4, t.buffer, t.offset * 4, n * 4);
      return;
    }
    if (s.offset === t.offset) return;
    const scratch = this.mem.scratch("copy", n * 4);
    this.d.copy(s.buffer, s.offset * 4, scratch, 0, n * 4);
    this.d.copy(scratch, 0, t.buffer, t.offset * 4, n * 4);
  }

  copyColumns(dst: Tensor, src: Tensor, nRows: number, srcCols: number, c0: number, width: number): void {
    this.ew("copyColumns", "silu", [r("src"), w("out")], [gpuTensor(src), gpuTensor(dst)], nRows * width, [width, srcCols, c0]);
  }

  gatherRows(dst: Tensor, src: Tensor, rows: Int32Array, nRows: number, n: number): void {
    const s = gpuTensor(src);
    const have = Math.floor(s.length / n);
    for (let i = 0; i < nRows; i++) {
      if (!(rows[i]! >= 0 && rows[i]! < have)) throw new InputError(`WebGpuKernels.gatherRows: row ${rows[i]} outside the ${have} rows of the source`);
    }
    this.ew("gatherRows", "silu", [r("src"), r("rows", "i32"), w("out")], [s, this.mem.indices(rows, nRows), gpuTensor(dst)], nRows * n, [n]);
  }

  addRows(x: Tensor, bias: Tensor, nRows: number, n: number): void {
    this.ew("addRows", "silu", [w("x"), r("v")], [gpuTensor(x), gpuTensor(bias)], nRows * n, [n]);
  }

  mulRows(x: Tensor, wt: Tensor, nRows: number, n: number): void {
    this.ew("mulRows", "silu", [w("x"), r("v")], [gpuTensor(x), gpuTensor(wt)], nRows * n, [n]);
  }

  scale(x: Tensor, n: number, s: number): void {
    this.ew("scale", "silu", [w("x")], [gpuTensor(x)], n, [0, 0, 0, 0, { f: s }]);
  }

  softcap(x: Tensor, n: number, cap: number): void {
    this.ew("softcap", "silu", [w("x")], [gpuTensor(x)], n, [0, 0, 0, 0, { f: cap }]);
  }

  moeRoute(routing: ExpertRouting, probs: Tensor, nTokens: number, nExperts: number, k: number, normTopK: boolean): void {
    recordMoeRoute(this.d, gpuRouting(routing), gpuTensor(probs), nTokens, nExperts, k, normTopK);
  }

  matmulExperts(out: Tensor, x: Tensor, experts: readonly Weight[], routing: ExpertRouting, nTokens: number, xPerSlot: boolean): void {
    recordMatmulExperts(this.d, this.subgroups, gpuTensor(out), gpuTensor(x), experts as readonly GpuWeight[], gpuRouting(routing),
      nTokens, xPerSlot);
  }

  moeCombine(out: Tensor, y: Tensor, routing: ExpertRouting, nTokens: number, n: number): void {
    recordMoeCombine(this.d, gpuTensor(out), gpuTensor(y), gpuRouting(routing), nTokens, n);
  }

  kvAppend(kCache: KvLayer, vCache: KvLayer, k: Tensor, v: Tensor, kvDim: number, kv: KvBatchView): void {
    recordKvAppend(this.d, this.mem, gpuKvLayer(kCache), gpuKvLayer(vCache), gpuTensor(k), gpuTensor(v), kvDim, kv);
  }

  attention(out: Tensor, q: Tensor, kCache: KvLayer, vCache: KvLayer, p: AttentionParams, kv: KvBatchView): void {
    recordAttention(this.d, this.mem, this.options, this.dummy, gpuTensor(out), gpuTensor(q), gpuKvLayer(kCache), gpuKvLayer(vCache), p, kv);
  }
}
