import type { KernelBackend } from "../kernels/backend.js";
import { createRefBackend } from "../kernels/ref/ref-backend.js";
import { defaultThreads } from "../kernels/select.js";
import { WasmBackend } from "../kernels/wasm/wasm-backend.js";
import { preloadWasmKernels, type WasmKernelUrls, type WasmSimdLevel } from "./shims/wasm-kernels.js";

export interface BrowserBackendOptions {
  /** "auto" (default): wasm where the page can run it, else ref. */
  readonly backend?: "auto" | "wasm" | "ref";
  /** Kernel threads, the calling thread included (default from navigator.hardwareConcurrency, as the CLI does). */
  readonly threads?: number;
  /** Where the kernel builds are served (default: the assets bundled with tsinfer's browser build). */
  readonly kernelUrls?: WasmKernelUrls;
}

/** Which backend runs, and why when it is not the wasm one. */
export interface BrowserBackendInfo {
  readonly name: "wasm" | "ref";
  readonly simdLevel?: WasmSimdLevel;
  readonly threads: number;
  /** Why wasm was not used (ref only). */
  readonly reason?: string;
}

/**
 * The WebAssembly backend in the page (or in the Web Worker that calls this), else the scalar reference backend
 * where WebAssembly SIMD is missing. The wasm backend keeps every buffer in one shared WebAssembly.Memory, which a
 * browser grants only to cross-origin isolated pages (COOP: same-origin, COEP: require-corp); kernel threads are
 * Web Workers on that memory, and the calling thread waits on them with Atomics.wait, so more than one thread needs
 * this to run in a Web Worker.
 */
export async function createBrowserBackend(options: BrowserBackendOptions = {}): Promise<{ backend: KernelBackend; info: BrowserBackendInfo }> {
  const choice = options.backend ?? "auto";
  const ref = (reason: string): { backend: KernelBackend; info: BrowserBackendInfo } => {
    if (choice === "wasm") throw new Error(`backend wasm: ${reason}`);
    return { backend: createRefBackend(), info: { name: "ref", threads: 1, reason } };
  };
  if (choice === "ref") return ref("the ref backend was asked for");
  if (typeof SharedArrayBuffer !== "function" || globalThis.crossOriginIsolated === false) {
    return ref("the page is not cross-origin isolated (COOP/COEP headers), so WebAssembly memory cannot be shared");
  }
  const level = await preloadWasmKernels(options.kernelUrls);
  if (level === undefined) return ref("this browser has no WebAssembly SIMD");
  const inWorker = typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope === "function";
  const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
  const threads = inWorker ? Math.max(1, options.threads ?? defaultThreads(cores)) : 1;
  const backend = new WasmBackend({ threads });
  await backend.pool.whenReady();
  return { backend, info: { name: "wasm", simdLevel: backend.simdLevel, threads: backend.threads } };
}
