import { InputError } from "../../errors.js";
import type { AttentionParams, KvBatchView } from "../backend.js";
import { kvRowBytes } from "../kv-layer.js";
import {
  ATT_MAX_HEAD_DIM, ATT_TILE, attentionCombineWgsl, attentionWgsl, FLASH_MAX_HEAD_DIM, FLASH_QT, flashAttentionWgsl, kvAppendWgsl,
} from "./attention-wgsl.js";
import { copyBytesWgsl } from "./copy-wgsl.js";
import type { Bind, GpuDispatcher, UniformValue } from "./gpu-dispatcher.js";
import type { GpuMemory } from "./gpu-memory.js";
import type { GpuKvLayer, GpuTensor } from "./gpu-tensor.js";
import type { BufferSpec } from "./wgsl-bindings.js";

const r = (name: string, elem: BufferSpec["elem"] = "f32"): BufferSpec => ({ name, elem, write: false });
const w = (name: string, elem: BufferSpec["elem"] = "f32"): BufferSpec => ({ name, elem, write: true });
const whole = (buffer: GpuKvLayer["buffer"]): Bind => ({ buffer, offset: 0 });

/** 1-D dispatch size: x ≤ 32768 workgroups, the rest along y. */
export function grid(n: number, wg: number): [number, number] {
  const groups = Math.max(1, Math.ceil(n / wg));
  return groups <= 32768 ? [groups, 1] : [32768, Math.ceil(groups / 32768)];
}

export interface AttentionOptions {
  readonly attentionSplits?: number;
  readonly flashAttention?: boolean;
}

/** kvAppend: each layer's new rows go to kv.slots (uploaded with the op), converted to the layer's type. */
export function recordKvAppend(d: GpuDispatcher, mem: GpuMemory, kCache: GpuKvLayer, vCache: GpuKvLayer, k: GpuTensor, v: GpuTensor,
  kvDim: number, kv: KvBatchView): void {
  const slots = mem.indices(kv.slots, kv.nTokens);
  for (const [cache, src] of [[kCache, k], [vCache, v]] as const) {
    const per = cache.type === "f32" ? 1 : cache.type === "f16" ? 2 : 32;
    if (kvDim % per !== 0) throw new RangeError(`WebGpuKernels.kvAppend: kvDim ${kvDim} is not a multiple of ${per} (${cache.type})`);
    if (cache.kvDim !== kvDim) throw new InputError(`WebGpuKernels.kvAppend: kvDim ${kvDim}, but the cache layer holds rows of ${cache.kvDim}`);
    d.run(`kvAppend.${cache.type}`, (b) => kvAppendWgsl(cache.type, b),
      [r("src"), r("slots", "i32"), w("cache", cache.type === "q8_0" ? "atomic" : "u32")], [src, slots, whole(cache.buffer)],
      [kv.nTokens, kvDim], grid((kv.nTokens * kvDim) / per, 64));
  }
}

/**
 * Paged attention: the batch's positions, sequence rows and block tables are uploaded with the op; the kernel is
 * chosen from host facts (flash for one sequence at consecutive positions, split-K for few long decode rows).
 */
export function recordAttention(d: GpuDispatcher, mem: GpuMemory, options: AttentionOptions, dummy: Bind, out: GpuTensor, q: GpuTensor,
  kCache: GpuKvLayer, vCache: GpuKvLayer, p: AttentionParams, kv: KvBatchView): void {
  if (p.headDim > ATT_MAX_HEAD_DIM) throw new RangeError(`WebGpuKernels.attention: headDim ${p.headDim} > ${ATT_MAX_HEAD_DIM}`);
  let maxSpan = 0;
  let oneRun = true;
  for (let t = 0; t < kv.nTokens; t++) {
    maxSpan = Math.max(maxSpan, kv.positions[t]! + 1);
    if (t > 0 && (kv.tokenSeq[t] !== kv.tokenSeq[0] || kv.positions[t] !== kv.positions[t - 1]! + 1)) oneRun = false;
  }
  const span = p.window > 0 ? Math.min(p.window, maxSpan) : maxSpan;
  let nSplit = options.attentionSplits ?? 0;
  if (nSplit <= 0) nSplit = kv.nTokens * p.nHeads < 128 && span > 512 ? Math.min(32, Math.ceil(span / 256)) : 1;
  const chunk = nSplit === 1 ? 0x7fffffff : Math.ceil(span / nSplit / ATT_TILE) * ATT_TILE;
  const kvDim = p.nKvHeads * p.headDim;
  const u: UniformValue[] = [p.nHeads, p.nKvHeads, p.headDim, kvDim, { f: p.scale }, { f: p.softcap }, p.window,
    kv.blockSize, kv.maxBlocksPerSeq, nSplit, chunk, p.nHeads * p.headDim, kv.nTokens];
  const kvSpecs = [r("q"), r("k", "u32"), r("v", "u32"), r("positions", "i32"), r("tokenSeq", "i32"), r("blockTables", "i32")];
  const kvBinds = [q, whole(kCache.buffer), whole(vCache.buffer), mem.indices(kv.positions, kv.nTokens), mem.indices(kv.tokenSeq, kv.nTokens),
    mem.indices(kv.blockTables)];
  const key = `attention.${kCache.type}.${vCache.type}`;
  const wgsl = (b: string): string => attentionWgsl(kCache.type, vCache.type, b);
  if ((options.flashAttention ?? true) && oneRun && kv.nTokens >= FLASH_QT && p.headDim <= FLASH_MAX_HEAD_DIM && p.headDim % 4 === 0) {
    d.run(`flash.${kCache.type}.${vCache.type}`, (b) => flashAttentionWgsl(kCache.type, vCache.type, b),
      [...kvSpecs, w("out")], [...kvBinds, out], u, [p.nHeads, Math.ceil(kv.nTokens / FLASH_QT)]);
    return;
  }
  if (nSplit === 1) {
    d.run(key, wgsl, [...kvSpecs, w("out"), w("part")], [...kvBinds, out, dummy], u, [p.nHeads, kv.nTokens, 1]);
    return;
  }
  const part = whole(mem.scratch("attention", kv.nTokens * p.nHeads * nSplit * (p.headDim + 2) * 4));
  d.run(key, wgsl, [...kvSpecs, w("out"), w("part")], [...kvBinds, dummy, part], u, [p.nHeads, kv.nTokens, nSplit]);
  d.run("attention.combine", attentionCombineWgsl, [r("part"), w("out")], [part, out], u, [p.nHeads, kv.nTokens]);
}

/**
 * Cache rows [src, src + nSlots) → [dst, dst + nSlots) of one layer. copyBufferToBuffer may not copy within one
 * buffer and rows need not start on a word, so the source bytes are staged in scratch and a byte-merging kernel
 * writes the destination (overlapping ranges included).
 */
export function recordCopyKvSlots(d: GpuDispatcher, mem: GpuMemory, layer: GpuKvLayer, src: number, dst: number, nSlots: number): void {
  for (const [what, v] of [["src", src], ["dst", dst], ["nSlots", nSlots]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new InputError(`WebGpuKernels.copyKvSlots: ${what} ${v} is not a slot count`);
  }
  if (src + nSlots > layer.nSlots || dst + nSlots > layer.nSlots) {
    throw new InputError(`WebGpuKernels.copyKvSlots: rows [${src}, ${src + nSlots}) → [${dst}, ${dst + nSlots}) outside the layer's ${layer.nSlots} slots`);
  }
  if (nSlots === 0 || src === dst) return;
  const rowBytes = kvRowBytes(layer.type, layer.kvDim);
  const srcByte = src * rowBytes, dstByte = dst * rowBytes, nBytes = nSlots * rowBytes;
  const firstSrcWord = Math.floor(srcByte / 4);
  const srcWords = Math.ceil((srcByte + nBytes) / 4) - firstSrcWord;
  const staged = mem.scratch("kvCopy", srcWords * 4);
  d.copy(layer.buffer, firstSrcWord * 4, staged, 0, srcWords * 4);
  const firstWord = Math.floor(dstByte / 4);
  const nWords = Math.ceil((dstByte + nBytes) / 4) - firstWord;
  d.run("copyBytes", copyBytesWgsl, [r("src", "u32"), w("dst", "u32")], [whole(staged), whole(layer.buffer)],
    [srcByte - firstSrcWord * 4, dstByte, nBytes, firstWord, nWords], grid(nWords, 256));
}
