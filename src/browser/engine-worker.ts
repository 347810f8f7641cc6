import { loadModelFromBlob, type BrowserEngine } from "./browser-engine.js";
import type { EngineRequestMessage, EngineResponseMessage } from "./engine-protocol.js";

/**
 * The engine's Web Worker: a page starts it with
 * `new Worker(new URL(".../src/browser/engine-worker.ts", import.meta.url), { type: "module" })` and talks to it
 * through EngineClient. Running here keeps the page responsive, lets the wasm kernels compile synchronously (a
 * page's main thread may not compile a module over 4 KB that way) and lets kernel threads use Atomics.wait.
 */
interface WorkerScope {
  onmessage: ((event: MessageEvent<EngineRequestMessage>) => void) | null;
  postMessage(message: EngineResponseMessage): void;
}

const scope = globalThis as unknown as WorkerScope;
let engine: BrowserEngine | undefined;
let queue: Promise<void> = Promise.resolve();

scope.onmessage = (event) => {
  const msg = event.data;
  queue = queue.then(() => handle(msg)).catch((err: unknown) => {
    scope.postMessage({ type: "error", message: err instanceof Error ? err.message : String(err) });
  });
};

async function handle(msg: EngineRequestMessage): Promise<void> {
  if (msg.type === "load") {
    const name = (msg.file as { name?: unknown }).name;
    engine = await loadModelFromBlob(msg.file, {
      ...(msg.backend !== undefined ? { backend: msg.backend } : {}),
      ...(msg.threads !== undefined ? { threads: msg.threads } : {}),
      ...(msg.ctxLen !== undefined ? { ctxLen: msg.ctxLen } : {}),
      onProgress: (loadedBytes, totalBytes) => scope.postMessage({ type: "progress", loadedBytes, totalBytes }),
    });
    const c = engine.model.config;
    scope.postMessage({
      type: "loaded",
      info: {
        name: typeof name === "string" ? name : "model.gguf", arch: c.arch, nLayers: c.nLayers, hiddenSize: c.hiddenSize,
        vocabSize: c.vocabSize, ctxLen: c.ctxLen, backend: engine.backendInfo, loadMs: engine.loadMs,
      },
    });
    return;
  }
  if (!engine) throw new Error("no model loaded: choose a GGUF file first");
  const result = await engine.generate(msg.prompt, {
    maxTokens: msg.maxTokens,
    ...(msg.sampling ? { sampling: msg.sampling } : {}),
    ...(msg.stop ? { stop: msg.stop } : {}),
    ...(msg.responseFormat ? { responseFormat: msg.responseFormat } : {}),
    onToken: (id) => scope.postMessage({ type: "token", id }),
    onText: (text) => scope.postMessage({ type: "text", text }),
  });
  scope.postMessage({
    type: "done",
    result: { text: result.text, promptTokens: result.promptTokens, tokenIds: result.tokenIds, finishReason: result.finishReason, timings: result.timings },
  });
}
