import { TsinferError } from "../../errors.js";

const PAGE_BYTES = 65536;
/** 4 GiB: WebAssembly memory has 32-bit addresses (memory64 is not in Node 20). */
export const WASM_MAX_PAGES = 65536;

export class WasmMemoryError extends TsinferError {}

/**
 * One shared WebAssembly.Memory and a bump allocator over it. Everything the kernels touch (weights, activations,
 * the KV cache, scratch) lives here, so kernels and worker threads read it in place. Nothing is freed: a model's
 * buffers are allocated once at load. Above 4 GiB a model would be split across instances (each worker holding
 * a row shard of every matrix in its own memory); this arena holds one instance's share.
 */
export class WasmArena {
  readonly memory: WebAssembly.Memory;
  private top: number;
  /** Every ArrayBuffer object this memory has exposed (a new one after each grow); views of any of them are ours. */
  private readonly buffers = new Set<ArrayBufferLike>();

  constructor(heapBase: number, initialPages = 256) {
    this.memory = new WebAssembly.Memory({ initial: initialPages, maximum: WASM_MAX_PAGES, shared: true });
    this.top = Math.max(heapBase, 1024);
    this.buffers.add(this.memory.buffer);
  }

  get sizeBytes(): number {
    return this.memory.buffer.byteLength;
  }

  get usedBytes(): number {
    return this.top;
  }

  /** Reserves n bytes aligned to `align` (a power of two) and returns their address. */
  alloc(n: number, align = 64): number {
    // Arithmetic, not `& ~(align - 1)`: bitwise operators work on int32, and addresses pass 2 GiB.
    const ptr = Math.ceil(this.top / align) * align;
    const end = ptr + n;
    if (end > WASM_MAX_PAGES * PAGE_BYTES) {
      throw new WasmMemoryError(`WebAssembly memory: allocating ${n} bytes would pass the 4 GiB limit (in use: ${this.top} bytes)`);
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      this.memory.grow(Math.ceil((end - have) / PAGE_BYTES));
      this.buffers.add(this.memory.buffer);
    }
    this.top = end;
    return ptr;
  }

  f32(ptr: number, n: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, n);
  }

  u8(ptr: number, n: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, ptr, n);
  }

  i32(ptr: number, n: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, n);
  }

  /** The address of a view's first byte when the view lies in this memory, else -1. */
  addressOf(view: ArrayBufferView): number {
    return this.buffers.has(view.buffer) ? view.byteOffset : -1;
  }
}

/**
 * A scratch region that grows (by reallocation, keeping the old one: growth is rare and bounded by the largest
 * batch) to hold at least n bytes.
 */
export class ScratchRegion {
  ptr = 0;
  sizeBytes = 0;
  /** An Int32Array over the whole region, remade only when the region grows (no allocation per call). */
  words: Int32Array<ArrayBufferLike> = new Int32Array(0);
  constructor(private readonly arena: WasmArena) {}

  ensure(n: number): number {
    if (n > this.sizeBytes) {
      this.sizeBytes = Math.max(n, this.sizeBytes * 2);
      this.ptr = this.arena.alloc(this.sizeBytes);
      this.words = this.arena.i32(this.ptr, this.sizeBytes >> 2);
    }
    return this.ptr;
  }

  /**
   * Room for one scratch slot per thread, as the kernels that take one expect it (assembly/thread-slot.ts): slots
   * of slotBytes from byte 64, thread i's at 64 + i · slotBytes.
   */
  threadSlots(nThreads: number, slotBytes: number): number {
    return this.ensure(64 + nThreads * slotBytes);
  }
}
