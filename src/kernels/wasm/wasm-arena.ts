import {
  createWasmMemory, growWasmMemory, MEMORY64_MAX_PAGES, PAGE_BYTES, WASM32_MAX_PAGES, WasmMemoryError, wasmMemory64Available,
} from "./wasm-memory.js";

export { WasmMemoryError } from "./wasm-memory.js";
/** 4 GiB: the most a WebAssembly memory with 32-bit addresses holds. */
export const WASM_MAX_PAGES = WASM32_MAX_PAGES;

/**
 * One shared WebAssembly.Memory and a bump allocator over it. Everything the kernels touch (weights, activations,
 * the KV cache, scratch) lives here, so kernels and worker threads read it in place. Nothing is freed: a model's
 * buffers are allocated once at load. A memory with 32-bit addresses holds 4 GiB; with `memory64` (the memory64
 * kernel builds, Node ≥ 24) the arena holds up to MEMORY64_MAX_PAGES, and addresses, still plain numbers on this
 * side, pass 2^32.
 */
export class WasmArena {
  readonly memory: WebAssembly.Memory;
  /** Bytes of a pointer the kernels read from memory (a usize word: assembly/attention.ts's params, say). */
  readonly pointerBytes: 4 | 8;
  /** The most bytes this memory can grow to. */
  readonly maxBytes: number;
  private top: number;
  /** Every ArrayBuffer object this memory has exposed (a new one after each grow); views of any of them are ours. */
  private readonly buffers = new Set<ArrayBufferLike>();

  constructor(heapBase: number, initialPages = 256, readonly memory64 = false) {
    this.memory = createWasmMemory(memory64, initialPages);
    this.pointerBytes = memory64 ? 8 : 4;
    this.maxBytes = (memory64 ? MEMORY64_MAX_PAGES : WASM32_MAX_PAGES) * PAGE_BYTES;
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
    if (end > this.maxBytes) throw new WasmMemoryError(this.limitMessage(n));
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      growWasmMemory(this.memory, Math.ceil((end - have) / PAGE_BYTES), this.memory64);
      this.buffers.add(this.memory.buffer);
    }
    this.top = end;
    return ptr;
  }

  private limitMessage(n: number): string {
    const gib = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(2)} GiB`;
    const head = `WebAssembly memory: allocating ${n} bytes would pass the ${gib(this.maxBytes)} limit (in use: ${gib(this.top)})`;
    if (this.memory64) return `${head}, the most a memory64 memory holds in this runtime`;
    const runtime = typeof process === "object" ? `Node ${process.version}` : "this runtime";
    return wasmMemory64Available()
      ? `${head} of 32-bit addresses: a model this large needs the memory64 kernels (WasmBackend option memory64, or memoryBytes with the model's size)`
      : `${head} of 32-bit addresses: a model this large needs the memory64 kernels, which need Node ≥ 24 (${runtime} has no memory64)`;
  }

  /** Writes address `ptr` into words[i] as the usize word the kernels read there (two words in a memory64 arena). */
  storePointer(words: Int32Array, i: number, ptr: number): void {
    words[i] = ptr; // Int32Array stores keep the low 32 bits (ToInt32 wraps), little-endian
    if (this.pointerBytes === 8) words[i + 1] = Math.floor(ptr / 2 ** 32);
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
