import type { GgmlTypeName } from "../../quant/ggml-type.js";
import { quantTraits } from "../../quant/registry.js";
import type {
  Activation, AttentionParams, KernelBackend, KvBatchView, KvLayer, RopeLayout, Tensor, Weight,
} from "../backend.js";
import { HostBackend } from "../host-backend.js";
import { asTensor, hostF32 as f, hostKvRows } from "../host-tensor.js";
import { RefBackend } from "../ref/ref-backend.js";
import { refEmbed } from "../ref/matmul.js";
import { rowDecoder, type RowDecoder } from "../ref/row-decoder.js";
import { ScratchRegion, WasmArena, WasmMemoryError } from "./wasm-arena.js";
import { loadWasmKernels, type WasmSimdLevel } from "./wasm-binary.js";
import { chooseMemory64 } from "./memory64-choice.js";
import { FLOAT_MATMUL, POOL_KERNELS, Q8K_ACTIVATION_TYPES, QUANT_MATMUL } from "./wasm-kernel-names.js";
import { RopeTable } from "./rope-table.js";
import { WasmThreadPool, type KernelFn } from "./wasm-thread-pool.js";
import { CHUNKS_PER_THREAD, MAX_CHUNKS_PER_THREAD } from "./pool-control.js";
import { PACKED_Q32, packedRowDecoder } from "./packed-rows.js";
import { AttentionStage } from "./attention-stage.js";
import { FloatTileStage } from "./float-tile-stage.js";
import { F16Weights } from "./f16-weights.js";
import { FloatEmbed } from "./float-embed.js";
import type { WasmWeight } from "./wasm-weight.js";
import type { WasmBackendOptions } from "./wasm-backend-options.js";

export type { WasmWeight } from "./wasm-weight.js";

/** The activations assembly/activation.ts computes, by its kind codes. */
const ACTIVATION_KIND: Partial<Record<Activation, number>> = { silu: 0, gelu: 1 };
/** Elements per thread's share of an in-place activation (smaller vectors run on the calling thread). */
const ACTIVATE_GRAIN = 4096;
/** Tokens per thread's share of a KV append (a decode batch's few rows are copied on the calling thread). */
const KV_APPEND_GRAIN = 64;
/** The kernels' own static data sits below this address; the arena allocates above it. */
const STATIC_DATA_BYTES = 65536;

/**
 * The WebAssembly backend: matmul for every weight type, attention, the SiLU/GELU activations and RMSNorm run as
 * AssemblyScript SIMD kernels split across a worker-thread pool over one shared memory; RoPE and the residual adds
 * run in wasm on the calling thread; the rarer row-wise kernels (layer norm, softmax, scaling) run the reference code
 * on views of the same memory, where they cost little next to the products.
 */
export class WasmBackend extends HostBackend implements KernelBackend {
  readonly name = "wasm";
  readonly simdLevel: WasmSimdLevel;
  /** Whether the memory64 build runs (64-bit addresses), picked by chooseMemory64. */
  readonly memory64: boolean;
  readonly arena: WasmArena;
  readonly pool: WasmThreadPool;
  private readonly exports: Record<string, KernelFn>;
  private readonly ref = new RefBackend();
  private readonly quantOp: number;
  private readonly quantKOp: number;
  private readonly kvAppendOp: number;
  private readonly gluOp: number;
  private readonly activateOp: number;
  private readonly rmsNormOp: number;
  private readonly epsBits = new Int32Array(1);
  private readonly epsF32 = new Float32Array(this.epsBits.buffer);
  private readonly q8 = { qs: 0, ds: 0, ss: 0 };
  private readonly q8Region: ScratchRegion;
  private readonly stageX: ScratchRegion;
  /** topK's ids and values. */
  private readonly topKOut: ScratchRegion;
  private readonly stageOut: ScratchRegion;
  private readonly kvIndex: ScratchRegion;
  /** Token embedding of float rows (float-embed.ts). */
  private readonly floatEmbed: FloatEmbed;
  /** F16 matrices' split-out subnormals and prescaled activations (f16-weights.ts). */
  private readonly f16: F16Weights;
  private row = new Float32Array(0);
  private readonly packWeights: boolean;
  private readonly packScratch: ScratchRegion;
  private readonly floatStage: FloatTileStage;
  private readonly ropeTable: RopeTable;
  /** Attention over the paged KV cache (attention-stage.ts). */
  private readonly attentionStage: AttentionStage;

  constructor(options: WasmBackendOptions = {}) {
    super();
    this.memory64 = chooseMemory64(options);
    const { level, module } = loadWasmKernels(options.relaxedSimd ?? true, this.memory64);
    this.simdLevel = level;
    this.arena = new WasmArena(STATIC_DATA_BYTES, undefined, this.memory64);
    const instance = new WebAssembly.Instance(module, { env: { memory: this.arena.memory, abort: wasmAbort } });
    this.exports = instance.exports as unknown as Record<string, KernelFn>;
    const heapBase = this.exports["heapBase"]!() as unknown as number;
    if (heapBase > STATIC_DATA_BYTES) throw new WasmMemoryError(`wasm kernels' static data ends at ${heapBase}, past the ${STATIC_DATA_BYTES} bytes reserved`);
    const fns = POOL_KERNELS.map((n) => this.exports[n]!);
    this.pool = new WasmThreadPool(this.arena.memory, module, POOL_KERNELS, fns, options.threads ?? 1, options.spinLimit,
      options.stallTimeoutMs);
    this.quantOp = this.pool.opOf("quantizeQ8");
    this.quantKOp = this.pool.opOf("quantizeQ8K");
    this.kvAppendOp = this.pool.opOf("kvAppend");
    this.gluOp = this.pool.opOf("glu");
    this.activateOp = this.pool.opOf("activate");
    this.rmsNormOp = this.pool.opOf("rmsNorm");
    this.q8Region = new ScratchRegion(this.arena);
    this.stageX = new ScratchRegion(this.arena);
    this.topKOut = new ScratchRegion(this.arena);
    this.stageOut = new ScratchRegion(this.arena);
    this.kvIndex = new ScratchRegion(this.arena);
    this.floatEmbed = new FloatEmbed(this.arena, this.exports);
    this.f16 = new F16Weights(this.arena, this.exports, this.pool);
    this.packWeights = options.packWeights ?? true;
    this.packScratch = new ScratchRegion(this.arena);
    this.floatStage = new FloatTileStage(this.arena, this.pool, this.exports["floatTileSlotBytes"]!);
    this.ropeTable = new RopeTable(this.arena);
    this.attentionStage = new AttentionStage(this.arena, this.pool, this.exports["attentionPrefillSlotBytes"]!,
      this.exports["attentionRowsSlotBytes"]!);
  }

  get threads(): number {
    return this.pool.nThreads;
  }

  /** The kernel build running, as its file is named (build/kernels-<name>.wasm): simd, relaxed, simd64, relaxed64. */
  get kernelBuild(): string {
    return `${this.simdLevel}${this.memory64 ? "64" : ""}`;
  }

  /**
   * n bytes of WebAssembly memory for a weight's stored bytes: a loader that reads the file straight into this
   * view hands it to `loadWeight`, which then keeps it in place (no second copy).
   */
  allocBytes(n: number): Uint8Array {
    return this.arena.u8(this.arena.alloc(n), n);
  }

  loadWeight(type: GgmlTypeName, rows: number, cols: number, bytes: Uint8Array): WasmWeight {
    let decode = rowDecoder(type);
    let ptr = this.arena.addressOf(bytes);
    let held = bytes;
    if (ptr < 0) {
      held = this.allocBytes(bytes.byteLength);
      held.set(bytes);
      ptr = held.byteOffset;
    }
    const floatName = FLOAT_MATMUL[type];
    const quantName = QUANT_MATMUL[type];
    const name = floatName ?? quantName;
    const blockSize = floatName ? 1 : quantTraits(type).blockSize;
    // Types without a wasm kernel, or rows the kernels' block layout cannot take, use the reference product.
    let op = name && cols % blockSize === 0 && (floatName || cols % 32 === 0) ? this.pool.opOf(name) : -1;
    if (this.row.length < cols) this.row = new Float32Array(cols);
    const actOp = Q8K_ACTIVATION_TYPES.has(type) ? this.quantKOp : this.quantOp;
    const packed = PACKED_Q32[type];
    let grain = 4;
    if (packed && op >= 0 && this.packWeights && rows >= 4) {
      const rowBytes = (cols / 32) * packed.blockBytes;
      const fullRange = this.exports["packQ32"]!(ptr, packed.kind, cols, this.packScratch.ensure(4 * rowBytes), 0, rows >> 2);
      decode = packedRowDecoder(decode, packed.blockBytes, rows, cols);
      op = this.pool.opOf(fullRange && packed.fullRangeKernel ? packed.fullRangeKernel : packed.kernel);
      grain = 8;
    }
    const sparse = type === "F16" && op >= 0 ? this.f16.splitSubnormals(ptr, rows, cols) : 0;
    return { type, rows, cols, ptr, bytes: held, decode, op, quantized: quantName !== undefined, actOp, grain, sparse };
  }

  // Tensors are Float32Array views of WebAssembly memory (host-tensor.ts), where the kernels read them in place.
  allocTensor(n: number): Tensor {
    return asTensor(this.arena.f32(this.arena.alloc(n * 4), n));
  }

  matmul(outT: Tensor, xT: Tensor, w: Weight, nTokens: number): void {
    const out = f(outT), x = f(xT);
    const ww = w as WasmWeight;
    const { rows, cols } = ww;
    if (ww.op < 0) {
      this.ref.matmul(outT, xT, ww, nTokens);
      return;
    }
    const xPtr = this.input(x, nTokens * cols, this.stageX);
    let outPtr = this.arena.addressOf(out);
    if (outPtr < 0) outPtr = this.stageOut.ensure(nTokens * rows * 4);
    const pool = this.pool;
    if (ww.quantized) {
      const q = this.q8Buffers(nTokens, cols);
      pool.setArgs(xPtr, cols, q.qs, q.ds, q.ss, 0);
      pool.run(ww.actOp, 6, nTokens);
      pool.setArgs(ww.ptr, q.qs, q.ds, q.ss, outPtr, rows, cols, nTokens);
      pool.run(ww.op, 8, rows, ww.grain);
    } else {
      // F16, one to three tokens: against x × 2^112 where it may be, so the conversion skips its multiply.
      const xs = ww.type === "F16" && nTokens < 4 ? this.f16.scaleActivations(xPtr, nTokens * cols) : 0;
      if (xs !== 0) {
        pool.setArgs(ww.ptr, xPtr, 0, outPtr, rows, cols, nTokens, 0, ww.sparse, xs);
        pool.run(this.f16.scaledOp, 12, rows, 4, CHUNKS_PER_THREAD);
      } else {
        const stage = this.floatStage;
        stage.prepare(xPtr, cols, nTokens);
        pool.setArgs(ww.ptr, xPtr, stage.xp, outPtr, rows, cols, nTokens, stage.scratch, ww.sparse);
        pool.run(ww.op, 12, rows, 4, nTokens >= 4 ? MAX_CHUNKS_PER_THREAD : CHUNKS_PER_THREAD);
      }
    }
    if (this.arena.addressOf(out) < 0) out.set(this.arena.f32(outPtr, nTokens * rows));
  }

  // Float rows in wasm (float-embed.ts); block types through the reference decoder.
  embed(out: Tensor, w: Weight, ids: Int32Array, nTokens: number): void {
    const ww = w as WasmWeight;
    if (this.floatEmbed.run(f(out), ww, ids, nTokens)) return;
    if (this.row.length < ww.cols) this.row = new Float32Array(ww.cols);
    refEmbed(f(out), ww.bytes, ww.decode, ww.rows, ww.cols, ids, nTokens, this.row);
  }

  rmsNorm(out: Tensor, x: Tensor, w: Tensor | null, nRows: number, n: number, eps: number, addOne: boolean): void {
    const arena = this.arena;
    const oPtr = arena.addressOf(f(out)), xPtr = arena.addressOf(f(x)), wPtr = w ? arena.addressOf(f(w)) : 0;
    if (oPtr < 0 || xPtr < 0 || wPtr < 0) {
      this.ref.rmsNorm(out, x, w, nRows, n, eps, addOne);
      return;
    }
    this.epsF32[0] = eps;
    this.pool.setArgs(oPtr, xPtr, wPtr, n, (w ? 1 : 0) | (addOne ? 2 : 0), this.epsBits[0]!);
    this.pool.run(this.rmsNormOp, 6, nRows);
  }

  layerNorm(out: Tensor, x: Tensor, w: Tensor, b: Tensor | null, nRows: number, n: number, eps: number): void {
    this.ref.layerNorm(out, x, w, b, nRows, n, eps);
  }

  // assembly/rope.ts on the calling thread, the cos/sin table kept across a pass's calls (rope-table.ts).
  rope(x: Tensor, nTokens: number, nHeads: number, headDim: number, nRot: number, positions: Int32Array,
    invFreq: Tensor, layout: RopeLayout, attnFactor: number): void {
    const xPtr = this.arena.addressOf(f(x));
    if (xPtr < 0 || nRot % 2 !== 0) {
      this.ref.rope(x, nTokens, nHeads, headDim, nRot, positions, invFreq, layout, attnFactor);
      return;
    }
    const table = this.ropeTable.prepare(positions, nTokens, f(invFreq), nRot, attnFactor);
    this.exports["ropeRotate"]!(xPtr, nTokens, nHeads, headDim, nRot, layout === "neox" ? 1 : 0, table);
  }

  softmax(x: Tensor, nRows: number, n: number): void {
    this.ref.softmax(x, nRows, n);
  }

  // SiLU and tanh-GELU run in wasm (assembly/activation.ts, a polynomial exponential); erf-GELU in the reference.
  activate(x: Tensor, n: number, act: Activation): void {
    const xPtr = this.arena.addressOf(f(x));
    const kind = ACTIVATION_KIND[act];
    if (kind === undefined || xPtr < 0) {
      this.ref.activate(x, n, act);
      return;
    }
    this.pool.setArgs(xPtr, kind, 0, 0, 0, 0);
    this.pool.run(this.activateOp, 6, n, ACTIVATE_GRAIN);
  }

  glu(out: Tensor, gate: Tensor, up: Tensor, nRows: number, n: number, stride: number, act: Activation): void {
    const arena = this.arena;
    const oPtr = arena.addressOf(f(out)), gPtr = arena.addressOf(f(gate)), uPtr = arena.addressOf(f(up));
    const kind = ACTIVATION_KIND[act];
    if (kind === undefined || oPtr < 0 || gPtr < 0 || uPtr < 0) {
      this.ref.glu(out, gate, up, nRows, n, stride, act);
      return;
    }
    this.pool.setArgs(oPtr, gPtr, uPtr, n, stride, kind);
    this.pool.run(this.gluOp, 6, nRows);
  }

  add(out: Tensor, a: Tensor, b: Tensor, n: number): void {
    const arena = this.arena;
    const oPtr = arena.addressOf(f(out)), aPtr = arena.addressOf(f(a)), bPtr = arena.addressOf(f(b));
    if (oPtr < 0 || aPtr < 0 || bPtr < 0) {
      this.ref.add(out, a, b, n);
      return;
    }
    this.exports["addF32"]!(oPtr, aPtr, bPtr, n);
  }

  copyColumns(dst: Tensor, src: Tensor, nRows: number, srcCols: number, c0: number, width: number): void {
    const dPtr = this.arena.addressOf(f(dst)), sPtr = this.arena.addressOf(f(src));
    if (dPtr < 0 || sPtr < 0) {
      this.ref.copyColumns(dst, src, nRows, srcCols, c0, width);
      return;
    }
    this.exports["copyColumns"]!(dPtr, sPtr, nRows, srcCols, c0, width);
  }

  addRows(x: Tensor, bias: Tensor, nRows: number, n: number): void {
    this.ref.addRows(x, bias, nRows, n);
  }

  mulRows(x: Tensor, w: Tensor, nRows: number, n: number): void {
    this.ref.mulRows(x, w, nRows, n);
  }

  scale(x: Tensor, n: number, s: number): void {
    this.ref.scale(x, n, s);
  }

  softcap(x: Tensor, n: number, cap: number): void {
    this.ref.softcap(x, n, cap);
  }

  // assembly/log-sum-exp.ts on the calling thread (about 10 µs for 4096 logits).
  logSumExp(x: Float32Array, n: number): number {
    return this.exports["logSumExp"]!(this.input(x, n, this.stageX), n) as number;
  }

  topK(x: Float32Array, n: number, k: number, ids: Int32Array): void {
    const m = Math.min(k, n);
    if (m <= 0) return;
    const out = this.topKOut.ensure(8 * m);
    this.exports["topK"]!(this.input(x, n, this.stageX), n, m, out, out + 4 * m);
    const words = this.topKOut.words; // ids at the region's start, no view made per call
    for (let i = 0; i < m; i++) ids[i] = words[i]!;
  }

  // f32 and f16 rows in wasm (assembly/kv-append.ts); q8_0 in the reference writer.
  kvAppend(kCache: KvLayer, vCache: KvLayer, k: Tensor, v: Tensor, kvDim: number, kv: KvBatchView): void {
    const arena = this.arena;
    const kcPtr = arena.addressOf(hostKvRows(kCache)), vcPtr = arena.addressOf(hostKvRows(vCache));
    const kPtr = arena.addressOf(f(k)), vPtr = arena.addressOf(f(v));
    if (kCache.type === "q8_0" || kcPtr < 0 || vcPtr < 0 || kPtr < 0 || vPtr < 0) {
      this.ref.kvAppend(kCache, vCache, k, v, kvDim, kv);
      return;
    }
    const nT = kv.nTokens;
    const slots = this.kvIndex.ensure(nT * 4);
    const idx = this.kvIndex.words;
    for (let t = 0; t < nT; t++) idx[t] = kv.slots[t]!;
    this.pool.setArgs(kcPtr, vcPtr, kPtr, vPtr, slots, kvDim, kCache.type === "f16" ? 1 : 0, 0);
    this.pool.run(this.kvAppendOp, 8, nT, KV_APPEND_GRAIN);
  }

  attention(out: Tensor, q: Tensor, kCache: KvLayer, vCache: KvLayer, p: AttentionParams, kv: KvBatchView): void {
    const element = kCache.type; // f32, f16 (halves) or q8_0 (blocks; whole blocks per head)
    const arena = this.arena;
    const oPtr = arena.addressOf(f(out)), qPtr = arena.addressOf(f(q));
    const kPtr = arena.addressOf(hostKvRows(kCache)), vPtr = arena.addressOf(hostKvRows(vCache));
    if (p.headDim % (element === "q8_0" ? 32 : 4) !== 0 || oPtr < 0 || qPtr < 0 || kPtr < 0 || vPtr < 0) {
      this.ref.attention(out, q, kCache, vCache, p, kv);
      return;
    }
    this.attentionStage.run(oPtr, qPtr, kPtr, vPtr, element, p, kv);
  }

  /** Resolves once the pool's threads are up (again, after a worker failure); rejects when they cannot be. */
  whenReady(): Promise<void> {
    return this.pool.whenReady();
  }

  memoryUsedBytes(): number {
    return this.arena.sizeBytes;
  }

  memoryRoomBytes(): number {
    return this.arena.maxBytes - this.arena.usedBytes;
  }

  /** Stops the worker threads. */
  close(): Promise<void> {
    return this.pool.close();
  }

  private input(x: Float32Array, n: number, stage: ScratchRegion): number {
    const ptr = this.arena.addressOf(x);
    if (ptr >= 0) return ptr;
    const s = stage.ensure(n * 4);
    this.arena.f32(s, n).set(x.subarray(0, n));
    return s;
  }

  // Sized for both block layouts: Q8_0 has an f32 scale and an f32 sum per 32 values, Q8_K an f32 scale per 256
  // and an i16 sum per 16 (cols/8 bytes, the same as the Q8_0 sums).
  private q8Buffers(nTokens: number, cols: number): { qs: number; ds: number; ss: number } {
    const nb = nTokens * (cols / 32);
    const qsBytes = (nTokens * cols + 63) & ~63;
    const base = this.q8Region.ensure(qsBytes + 8 * nb + 64);
    this.q8.qs = base;
    this.q8.ds = base + qsBytes;
    this.q8.ss = this.q8.ds + 4 * nb;
    return this.q8;
  }
}

function wasmAbort(): never {
  throw new Error("wasm kernel aborted");
}

/** A wasm backend with `threads` threads (default 1); call `close()` when done to stop its workers. */
export function createWasmBackend(options: WasmBackendOptions = {}): WasmBackend {
  return new WasmBackend(options);
}
