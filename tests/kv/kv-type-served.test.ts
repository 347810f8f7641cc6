import { describe, expect, it } from "vitest";
import { createRefBackend } from "../../src/kernels/ref/index.js";
import { loadServedModel } from "../../src/server/load-served-model.js";

// tsinfer serve's model loader with --kv-type: the byte budget of --kv-cache-size buys tokens at the stored size.
describe("served model with a quantized KV cache", () => {
  it.each([["f32", 8192], ["f16", 4096], ["q8_0", 2176]] as const)("%s: %d bytes per token, 1 MiB holds 1 MiB / that many tokens", (kvType, perToken) => {
    const served = loadServedModel({ modelPath: "models/stories-7m/stories-7m-f16.gguf", parallel: 2, ctxSize: 64, maxBatchTokens: 16, kvCacheSize: "1MiB", kvType, backend: createRefBackend() });
    const info = served.info();
    expect(info["kvType"]).toBe(kvType);
    expect(info["kvBytesPerToken"]).toBe(perToken);
    expect(served.model.numBlocks).toBe(Math.ceil(Math.floor(2 ** 20 / perToken) / served.model.blockSize));
  });
});
