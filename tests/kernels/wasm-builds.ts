import { it } from "vitest";
import { WasmBackend, wasmMemory64Available, type WasmBackendOptions } from "../../src/kernels/wasm/index.js";

/** Whether this runtime runs the memory64 kernel builds (Node ≥ 24); the suites below run them only there. */
export const MEMORY64 = wasmMemory64Available();

/** The reason the memory64 cases are skipped on this runtime. */
export const MEMORY64_SKIP_REASON = `memory64 build skipped: Node ${process.version} has no WebAssembly memory64 (Node ≥ 24 has it)`;

/**
 * A suite's wasm backends: each of `options` on the 32-bit build, then, where the runtime has memory64, each again on
 * the memory64 build (the same kernels with 64-bit addresses), so every case runs on both builds.
 */
export function wasmBackendsOnBothBuilds(options: WasmBackendOptions[]): WasmBackend[] {
  const builds = MEMORY64 ? [false, true] : [false];
  return builds.flatMap((memory64) => options.map((o) => new WasmBackend({ ...o, memory64 })));
}

/** A skipped test that says why, where the memory64 build cannot run (so a run on Node 20 shows what it left out). */
export function noteMemory64Skip(): void {
  if (!MEMORY64) it.skip(MEMORY64_SKIP_REASON, () => undefined);
}

/** How a suite names a backend: its kernel build (simd, relaxed, simd64, relaxed64) and threads. */
export function backendLabel(b: Pick<WasmBackend, "kernelBuild" | "threads">): string {
  return `wasm ${b.kernelBuild} ${b.threads} thread(s)`;
}
