import type { WasmBackendOptions } from "./wasm-backend-options.js";
import { MEMORY64_MAX_PAGES, PAGE_BYTES, WASM32_MAX_PAGES, WasmMemoryError, wasmMemory64Available } from "./wasm-memory.js";

/** What a 32-bit memory holds for a model: 4 GiB less the kernels' static data below the arena. */
export const WASM32_ROOM_BYTES = WASM32_MAX_PAGES * PAGE_BYTES - 65536;

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
}

function runtimeName(): string {
  return typeof process === "object" ? `Node ${process.version}` : "this runtime";
}

/**
 * Whether the backend runs the memory64 kernels (64-bit addresses). Where the caller leaves it to us ("auto"), only
 * when the model needs more than a 32-bit memory holds: the 32-bit build is the one measured fastest, and small
 * models lose nothing by it. A model that needs more than this runtime can address gets a WasmMemoryError that says
 * how much it needs and what lifts the limit, before anything is loaded.
 */
export function chooseMemory64(options: Pick<WasmBackendOptions, "memory64" | "memoryBytes">,
  available = wasmMemory64Available()): boolean {
  const asked = options.memory64 ?? "auto";
  const need = options.memoryBytes ?? 0;
  if (asked === false) return false;
  if (asked === "auto" && need <= WASM32_ROOM_BYTES) return false;
  const why = asked === true ? "memory64 kernels were asked for" : `the model needs about ${gib(need)} of WebAssembly memory (weights, KV cache, scratch), more than the 4 GiB of 32-bit addresses`;
  if (!available) throw new WasmMemoryError(`${why}, and ${runtimeName()} has no WebAssembly memory64: run it on Node ≥ 24`);
  const max = MEMORY64_MAX_PAGES * PAGE_BYTES;
  if (need > max) throw new WasmMemoryError(`the model needs about ${gib(need)} of WebAssembly memory, more than the ${gib(max)} one memory64 memory holds in ${runtimeName()}`);
  return true;
}
