import { generate, type GenerateOptions, type GenerationResult } from "../engine/generate.js";
import type { ByteSource } from "../formats/byte-source.js";
import { memoryByteSource } from "../formats/byte-source.js";
import type { GgufFile } from "../formats/gguf-file.js";
import { openGgufSource } from "../formats/gguf-reader.js";
import type { LoadProgress } from "../model/load-weights.js";
import type { Model } from "../model/load-model.js";
import { loadModelFromGguf } from "../model/load-model-from-gguf.js";
import { tokenizerFromGguf } from "../tokenizer/llamacpp/gguf-tokenizer.js";
import type { Tokenizer } from "../tokenizer/tokenizer.js";
import { blobByteSource, fileReaderSyncAvailable } from "./blob-byte-source.js";
import { createBrowserBackend, type BrowserBackendInfo, type BrowserBackendOptions } from "./browser-backend.js";

/** A browser tab holds less than a server: the KV cache is sized for at most this many positions unless asked. */
const defaultBrowserCtxLen = 2048;

export interface BrowserLoadOptions extends BrowserBackendOptions {
  readonly onProgress?: LoadProgress;
  /** KV cache positions per generation (default min(model context, 2048)). */
  readonly ctxLen?: number;
}

export type BrowserGenerateOptions = Omit<GenerateOptions, "ctxSize" | "yieldBetweenTokens">;

/** A model, its tokenizer (from the GGUF metadata) and the backend running it, ready to generate in a page. */
export interface BrowserEngine {
  readonly model: Model;
  readonly tokenizer: Tokenizer;
  readonly backendInfo: BrowserBackendInfo;
  readonly loadMs: number;
  /** Greedy or sampled generation (the sampling chain and streaming detokenizer of `generate`). */
  generate(prompt: string | readonly number[], options: BrowserGenerateOptions): Promise<GenerationResult>;
}

/** Loads a GGUF held in memory (an ArrayBuffer from fetch() or File.arrayBuffer(), or a view of one). */
export async function loadModelFromBuffer(name: string, bytes: ArrayBuffer | Uint8Array,
  options: BrowserLoadOptions = {}): Promise<BrowserEngine> {
  return loadFromSource(memoryByteSource(name, bytes), options);
}

/**
 * Loads a GGUF from a Blob or File: read by position in a Web Worker (no copy of the whole file), read whole into
 * memory elsewhere.
 */
export async function loadModelFromBlob(blob: Blob, options: BrowserLoadOptions = {}): Promise<BrowserEngine> {
  const name = (blob as { name?: unknown }).name;
  const label = typeof name === "string" ? name : "model.gguf";
  if (fileReaderSyncAvailable()) return loadFromSource(blobByteSource(label, blob), options);
  return loadModelFromBuffer(label, await blob.arrayBuffer(), options);
}

async function loadFromSource(source: ByteSource, options: BrowserLoadOptions): Promise<BrowserEngine> {
  const startMs = performance.now();
  const { backend, info } = await createBrowserBackend(options);
  let gguf: GgufFile | undefined;
  try {
    gguf = openGgufSource(source);
    const tokenizer = tokenizerFromGguf(gguf);
    const model = loadModelFromGguf(gguf, { backend, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
    // Every generation is sized alike, so generate() reuses the model's one runner (KV store) across requests.
    const ctxSize = Math.min(options.ctxLen ?? defaultBrowserCtxLen, model.config.ctxLen);
    return {
      model,
      tokenizer,
      backendInfo: info,
      loadMs: performance.now() - startMs,
      generate: (prompt, opts) => generate(model, tokenizer, prompt, { ...opts, ctxSize }),
    };
  } finally {
    // The weights now live in the backend; the metadata stays readable. Closing drops the file bytes.
    if (gguf) gguf.close();
    else source.close();
  }
}
