/**
 * browser/: tsinfer in a web page. Nothing here (or below it, once bundled with web/engine-demo/vite.config.ts's
 * aliases for the wasm loader, the thread pool and node:timers) imports a Node module.
 *
 *   const engine = await loadModelFromBlob(file);                 // or loadModelFromBuffer(name, arrayBuffer)
 *   engine.backendInfo                                             // { name: "wasm" | "ref", simdLevel, threads, reason? }
 *   const r = await engine.generate("Once upon a time", { maxTokens: 32, sampling: { temperature: 0 }, onText });
 *
 * In a page, run the engine in a Web Worker (engine-worker.ts) through EngineClient.
 */
export { loadModelFromBuffer, loadModelFromBlob, type BrowserEngine, type BrowserLoadOptions, type BrowserGenerateOptions } from "./browser-engine.js";
export { createBrowserBackend, type BrowserBackendInfo, type BrowserBackendOptions } from "./browser-backend.js";
export { blobByteSource, fileReaderSyncAvailable } from "./blob-byte-source.js";
export { EngineClient } from "./engine-client.js";
export type { EngineRequestMessage, EngineResponseMessage, GenerationSummary, LoadedModelInfo } from "./engine-protocol.js";
export { preloadWasmKernels, bundledWasmKernelUrls, type WasmKernelUrls } from "./shims/wasm-kernels.js";
export { memoryByteSource, type ByteSource } from "../formats/byte-source.js";
export { openGgufFromBytes, openGgufSource } from "../formats/gguf-reader.js";
export { loadModelFromGguf } from "../model/load-model-from-gguf.js";
export { tokenizerFromGguf } from "../tokenizer/llamacpp/gguf-tokenizer.js";
