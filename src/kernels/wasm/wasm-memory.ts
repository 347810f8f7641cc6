import { TsinferError } from "../../errors.js";

/** WebAssembly memory cannot hold what was asked: past its limit, or 64-bit addresses where the runtime has none. */
export class WasmMemoryError extends TsinferError {}

/** Bytes in a WebAssembly page. */
export const PAGE_BYTES = 65536;
/** 4 GiB: the most a memory with 32-bit addresses holds. */
export const WASM32_MAX_PAGES = 65536;
/**
 * 16 GiB: the most pages V8 gives a memory64 memory (Node 24: "value 262145 is above the upper bound 262144"); the
 * memory64 kernel builds declare the same maximum (assembly/asconfig.json).
 */
export const MEMORY64_MAX_PAGES = 262144;

/**
 * The smallest module declaring a shared memory with 64-bit addresses (limits flag 0x07: a maximum, shared, i64; one
 * page of at most one): valid only where the runtime has memory64 (Node ≥ 24 without flags).
 */
const MEMORY64_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 5, 4, 1, 7, 1, 1]);

let memory64Available: boolean | undefined;

/** Whether this runtime runs memory64 kernels: it validates a 64-bit memory and its JS API makes one (address "i64"). */
export function wasmMemory64Available(): boolean {
  if (memory64Available === undefined) {
    memory64Available = false;
    if (typeof WebAssembly === "object" && WebAssembly.validate(MEMORY64_PROBE)) {
      try {
        createMemory64(1, 1);
        memory64Available = true;
      } catch {
        // A runtime that validates memory64 modules but spells the JS API otherwise (an older V8 took `index: "i64"`).
      }
    }
  }
  return memory64Available;
}

/** WebAssembly.Memory's descriptor for 64-bit addresses (the memory64 JS API; TypeScript's lib does not have it yet). */
interface Memory64Descriptor {
  initial: bigint;
  maximum: bigint;
  address: "i64";
  shared: true;
}
type Memory64Constructor = new (descriptor: Memory64Descriptor) => WebAssembly.Memory;
type Grow64 = (this: WebAssembly.Memory, deltaPages: bigint) => bigint;

function createMemory64(initialPages: number, maximumPages: number): WebAssembly.Memory {
  const Memory = WebAssembly.Memory as unknown as Memory64Constructor;
  return new Memory({ initial: BigInt(initialPages), maximum: BigInt(maximumPages), address: "i64", shared: true });
}

/** The shared memory the kernels import: 32-bit addresses (up to 4 GiB), or 64-bit (memory64, up to 16 GiB). */
export function createWasmMemory(memory64: boolean, initialPages: number): WebAssembly.Memory {
  if (!memory64) return new WebAssembly.Memory({ initial: initialPages, maximum: WASM32_MAX_PAGES, shared: true });
  if (!wasmMemory64Available()) throw new WasmMemoryError("this runtime has no WebAssembly memory64 (Node ≥ 24 has it)");
  return createMemory64(initialPages, MEMORY64_MAX_PAGES);
}

/** Grows a memory by `pages` (a memory64 memory takes the count as a BigInt). */
export function growWasmMemory(memory: WebAssembly.Memory, pages: number, memory64: boolean): void {
  if (memory64) (memory.grow as unknown as Grow64).call(memory, BigInt(pages));
  else memory.grow(pages);
}
