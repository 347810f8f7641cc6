import { InputError } from "../errors.js";
import type { KernelBackend } from "./backend.js";
import { createRefBackend } from "./ref/ref-backend.js";
import { WasmBackend } from "./wasm/wasm-backend.js";
import { wasmSimdAvailable } from "./wasm/wasm-binary.js";

export type BackendName = "ref" | "wasm";
export const BACKEND_NAMES: readonly BackendName[] = ["ref", "wasm"];

export interface BackendChoice {
  /** "auto" (default): wasm where WebAssembly SIMD validates, else ref. */
  backend?: BackendName | "auto";
  /** Threads for the wasm backend (default: `defaultThreads()`). */
  threads?: number;
  /** The wasm backend's address width: "auto" (default) picks memory64 only past what a 32-bit memory holds. */
  memory64?: boolean | "auto";
  /** Bytes the model needs in the kernels' memory (weights, KV cache, activations), for the wasm build choice. */
  memoryBytes?: number;
}

/**
 * Every core on machines with at most two (on the 2-core development machine two threads beat one in every row of
 * bench/vs-llamacpp, prefill and decode, since the pool hands out chunks as threads come free; llama.cpp uses both
 * too); with more cores, all but one, leaving one for the rest of the process (HTTP, tokenizer, event loop), at most 8.
 */
export function defaultThreads(availableCores: number): number {
  return availableCores <= 2 ? Math.max(1, availableCores) : Math.min(8, availableCores - 1);
}

export function parseBackendName(value: string): BackendName | "auto" {
  if (value === "auto" || value === "ref" || value === "wasm") return value;
  throw new InputError(`--backend: unknown backend "${value}" (expected auto, ref or wasm)`);
}

/** The backend to run: `ref` is the scalar oracle (and the fallback where WebAssembly SIMD is missing). */
export async function selectBackend(choice: BackendChoice = {}, availableCores = 1): Promise<KernelBackend> {
  const name = choice.backend ?? "auto";
  if (name === "ref") return createRefBackend();
  if (!wasmSimdAvailable()) {
    if (name === "wasm") throw new InputError("--backend wasm: this runtime has no WebAssembly SIMD");
    return createRefBackend();
  }
  const backend = new WasmBackend({
    threads: choice.threads ?? defaultThreads(availableCores),
    ...(choice.memory64 !== undefined ? { memory64: choice.memory64 } : {}),
    ...(choice.memoryBytes !== undefined ? { memoryBytes: choice.memoryBytes } : {}),
  });
  await backend.pool.whenReady();
  return backend;
}
