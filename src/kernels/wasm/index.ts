export { WasmBackend, createWasmBackend, type WasmBackendOptions, type WasmWeight } from "./wasm-backend.js";
export { WasmArena, WasmMemoryError, WASM_MAX_PAGES } from "./wasm-arena.js";
export { WasmThreadPool } from "./wasm-thread-pool.js";
export { loadWasmKernels, wasmSimdAvailable, wasmKernelPath, WasmKernelsMissingError, type WasmSimdLevel } from "./wasm-binary.js";
export { wasmMatmulTypes } from "./wasm-kernel-names.js";
export { measureReadBandwidth } from "./bandwidth-probe.js";
