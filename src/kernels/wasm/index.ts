export { WasmBackend, createWasmBackend, type WasmWeight } from "./wasm-backend.js";
export type { WasmBackendOptions } from "./wasm-backend-options.js";
export { WasmArena, WasmMemoryError, WASM_MAX_PAGES } from "./wasm-arena.js";
export { WasmThreadPool, POOL_STALL_TIMEOUT_MS, type PoolFault } from "./wasm-thread-pool.js";
export { KernelPoolError, type PoolWorkerFailure } from "./kernel-pool-error.js";
export { loadWasmKernels, wasmSimdAvailable, wasmKernelPath, WasmKernelsMissingError, type WasmSimdLevel } from "./wasm-binary.js";
export { wasmMatmulTypes } from "./wasm-kernel-names.js";
export { measureReadBandwidth } from "./bandwidth-probe.js";
