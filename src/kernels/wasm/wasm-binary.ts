import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { TsinferError } from "../../errors.js";

/** Which build of the AssemblyScript kernels runs: plain SIMD128, or SIMD128 + relaxed SIMD (fused multiply-add, i8 dot). */
export type WasmSimdLevel = "simd" | "relaxed";

export class WasmKernelsMissingError extends TsinferError {
  constructor(path: string) {
    super(`WebAssembly kernels not found at ${path}: run \`npm run build:wasm\` (asc builds assembly/ into build/)`);
  }
}

// This file sits at src/kernels/wasm/ (tests) or dist/kernels/wasm/ (the package): the package root is three up.
const packageRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** The build file: kernels-simd.wasm, kernels-relaxed.wasm, or their memory64 builds kernels-simd64.wasm, kernels-relaxed64.wasm. */
export function wasmKernelPath(level: WasmSimdLevel, memory64 = false): string {
  return join(packageRoot, "build", `kernels-${level}${memory64 ? "64" : ""}.wasm`);
}

/** The smallest module using a SIMD128 instruction (v128.const, drop): valid only where the runtime has SIMD. */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 23, 1, 21, 0, 253, 12,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 26, 11,
]);

export function wasmSimdAvailable(): boolean {
  return typeof WebAssembly === "object" && WebAssembly.validate(SIMD_PROBE);
}

/**
 * Loads the fastest kernel build this runtime validates, with 32-bit or (`memory64`, which the caller has checked
 * with wasmMemory64Available) 64-bit addresses. Relaxed SIMD sits behind a V8 flag on Node 20
 * (--experimental-wasm-relaxed-simd); it is switched on here when `allowRelaxed` (V8 flags are process-wide, so
 * worker threads see it too), and the plain-SIMD build is the fallback when validation still fails.
 */
export function loadWasmKernels(allowRelaxed: boolean, memory64 = false): { level: WasmSimdLevel; module: WebAssembly.Module } {
  if (allowRelaxed) {
    const path = wasmKernelPath("relaxed", memory64);
    if (!existsSync(path)) throw new WasmKernelsMissingError(path);
    const bytes = readFileSync(path);
    if (!WebAssembly.validate(bytes)) setFlagsFromString("--experimental-wasm-relaxed-simd");
    if (WebAssembly.validate(bytes)) return { level: "relaxed", module: new WebAssembly.Module(bytes) };
  }
  const path = wasmKernelPath("simd", memory64);
  if (!existsSync(path)) throw new WasmKernelsMissingError(path);
  return { level: "simd", module: new WebAssembly.Module(readFileSync(path)) };
}
