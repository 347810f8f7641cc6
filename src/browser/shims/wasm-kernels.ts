import { TsinferError } from "../../errors.js";

/**
 * Stands in for kernels/wasm/wasm-binary.ts in the browser bundle (see web/engine-demo/vite.config.ts): a page
 * cannot read build/*.wasm synchronously, so `preloadWasmKernels` fetches and compiles the kernels first and
 * `loadWasmKernels` (which WasmBackend calls in its constructor) hands out the compiled module.
 */
export type WasmSimdLevel = "simd" | "relaxed";

export class WasmKernelsMissingError extends TsinferError {
  constructor(detail: string) {
    super(`WebAssembly kernels not available: ${detail}`);
  }
}

export interface WasmKernelUrls {
  readonly relaxed: string | URL;
  readonly simd: string | URL;
}

/** The kernel builds as assets of the bundle (Vite copies them from build/ and rewrites these URLs). */
export const bundledWasmKernelUrls: WasmKernelUrls = {
  relaxed: new URL("../../../build/kernels-relaxed.wasm", import.meta.url),
  simd: new URL("../../../build/kernels-simd.wasm", import.meta.url),
};

let preloaded: { level: WasmSimdLevel; module: WebAssembly.Module } | undefined;

/**
 * Fetches the relaxed-SIMD build and keeps it where this browser validates it, else the plain-SIMD build; returns
 * the level, or undefined where neither validates (no WebAssembly SIMD: the caller falls back to the ref backend).
 */
export async function preloadWasmKernels(urls: WasmKernelUrls = bundledWasmKernelUrls,
  allowRelaxed = true): Promise<WasmSimdLevel | undefined> {
  if (typeof WebAssembly !== "object") return undefined;
  const levels: WasmSimdLevel[] = allowRelaxed ? ["relaxed", "simd"] : ["simd"];
  for (const level of levels) {
    const url = urls[level];
    const response = await fetch(url);
    if (!response.ok) throw new WasmKernelsMissingError(`GET ${String(url)} answered ${response.status}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (!WebAssembly.validate(bytes)) continue;
    preloaded = { level, module: await WebAssembly.compile(bytes) };
    return level;
  }
  return undefined;
}

export function wasmSimdAvailable(): boolean {
  return preloaded !== undefined;
}

/** The module `preloadWasmKernels` compiled; `allowRelaxed` was decided there. The bundle has no memory64 build yet. */
export function loadWasmKernels(allowRelaxed: boolean, memory64 = false): { level: WasmSimdLevel; module: WebAssembly.Module } {
  if (memory64) throw new WasmKernelsMissingError("the browser bundle has the 32-bit kernel builds only, not the memory64 ones");
  if (!preloaded) throw new WasmKernelsMissingError("call preloadWasmKernels() before creating a WasmBackend in a browser");
  if (!allowRelaxed && preloaded.level === "relaxed") {
    throw new WasmKernelsMissingError("the relaxed-SIMD build was preloaded; preload with allowRelaxed = false for plain SIMD");
  }
  return preloaded;
}
