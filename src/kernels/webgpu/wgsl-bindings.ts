import type { GpuBufferLike } from "./gpu-types.js";

/** Element type of a storage binding; "atomic" = array<atomic<u32>> (byte-wise stores into packed caches). */
export type ElemType = "f32" | "u32" | "i32" | "atomic";

/** A kernel's logical buffer: read through `ld_<name>(i)`, written through `st_<name>(i, v)` or `setbyte_<name>`. */
export interface BufferSpec {
  readonly name: string;
  readonly elem: ElemType;
  readonly write: boolean;
}

/** Logical buffers a dispatch may name: their element offsets travel in one uniform array<vec4<u32>, 4>. */
export const MAX_LOGICAL_BUFFERS = 16;

export interface BoundBuffers {
  /**
   * WGSL declarations of the storage bindings (1…n), of the offsets uniform (binding n + 1, `offs`) and of the
   * accessors of every logical buffer.
   */
  readonly wgsl: string;
  /** The distinct buffers, in binding order from 1. */
  readonly buffers: GpuBufferLike[];
  /** Binding number of the offsets uniform (buffers.length + 1). */
  readonly offsetsBinding: number;
  /** Which logical buffers share a binding, e.g. "0.1.1" — part of the pipeline cache key. */
  readonly key: string;
}

/**
 * WebGPU forbids binding one buffer twice in a dispatch when either binding is writable, but the kernel contract
 * lets `out` alias an input and views share their tensor's buffer. So logical buffers that are the same GPU buffer
 * share one binding of the whole buffer (read_write when any of them writes), and each gets accessors named after it
 * that add its own element offset (from the uniform `offs`, so a view needs no 256-byte binding alignment and no new
 * pipeline); the shader body is written against the accessors only.
 */
export function bindBuffers(specs: readonly BufferSpec[], actual: readonly GpuBufferLike[]): BoundBuffers {
  if (specs.length !== actual.length) throw new RangeError(`bindBuffers: ${specs.length} specs, ${actual.length} buffers`);
  if (specs.length > MAX_LOGICAL_BUFFERS) throw new RangeError(`bindBuffers: ${specs.length} logical buffers (max ${MAX_LOGICAL_BUFFERS})`);
  const buffers: GpuBufferLike[] = [];
  const slotOf: number[] = [];
  for (const b of actual) {
    let k = buffers.indexOf(b);
    if (k < 0) k = buffers.push(b) - 1;
    slotOf.push(k);
  }
  const decl: string[] = [];
  for (let k = 0; k < buffers.length; k++) {
    const mine = specs.filter((_, i) => slotOf[i] === k);
    const elem = mine[0]!.elem;
    for (const s of mine) {
      if (s.elem !== elem) throw new TypeError(`bindBuffers: "${s.name}" (${s.elem}) shares a buffer with "${mine[0]!.name}" (${elem})`);
    }
    const write = mine.some((s) => s.write);
    const ty = elem === "atomic" ? "atomic<u32>" : elem;
    decl.push(`@group(0) @binding(${k + 1}) var<storage, ${write ? "read_write" : "read"}> b${k}: array<${ty}>;`);
  }
  const offsetsBinding = buffers.length + 1;
  decl.push(`@group(0) @binding(${offsetsBinding}) var<uniform> offs: array<vec4<u32>, ${MAX_LOGICAL_BUFFERS / 4}>;`);
  specs.forEach((s, i) => {
    const b = `b${slotOf[i]}`;
    const off = `offs[${i >> 2}][${i & 3}]`;
    if (s.elem === "atomic") {
      decl.push(`fn setbyte_${s.name}(a: u32, v: u32) { let w = ${off} + (a >> 2u); let sh = (a & 3u) * 8u; ` +
        `atomicAnd(&${b}[w], ~(0xffu << sh)); atomicOr(&${b}[w], (v & 0xffu) << sh); }`);
      return;
    }
    decl.push(`fn ld_${s.name}(i: u32) -> ${s.elem} { return ${b}[${off} + i]; }`);
    if (s.write) decl.push(`fn st_${s.name}(i: u32, v: ${s.elem}) { ${b}[${off} + i] = v; }`);
  });
  return { wgsl: decl.join("\n"), buffers, offsetsBinding, key: slotOf.join(".") };
}
