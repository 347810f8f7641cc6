import { describe, expect, it } from "vitest";
import { fitContext } from "../../src/kv/fit-context.js";

const MiB = 2 ** 20;
const GiB = 2 ** 30;
// stories-7m: 8 layers × 2 (K and V) × 128 values × 4 bytes (f32) = 8192 bytes per token.
const base = { source: "m.gguf", parallel: 8, kvBytesPerToken: 8192, freeMemoryBytes: 16 * GiB, blockSize: 16 };

describe("fitContext", () => {
  it("keeps the declared context when parallel whole contexts fit", () => {
    const f = fitContext({ ...base, declaredCtxLen: 512 });
    expect([f.ctxLen, f.capacityTokens]).toEqual([512, 4096]);
    expect(f.reason).toBe("n_ctx = 512 (the model's declared context), KV cache 4096 tokens = 32 MiB for 8 sequences");
  });

  it("fits a huge declared context to half the free memory or the backend's room, whichever is less", () => {
    const byMemory = fitContext({ ...base, declaredCtxLen: 131072, freeMemoryBytes: 2 * GiB });
    // 1 GiB / 8192 bytes = 131072 tokens for 8 sequences: 16384 each.
    expect([byMemory.ctxLen, byMemory.capacityTokens]).toEqual([16384, 131072]);
    expect(byMemory.budgetBytes).toBe(GiB);
    expect(byMemory.reason).toMatch(/^n_ctx = 16384, fitted: the model declares 131072 but 8 × 131072 tokens of KV cache \(8192 MiB\) exceed half the free memory \(1024 MiB\)/);

    const byBackend = fitContext({ ...base, declaredCtxLen: 131072, backendRoomBytes: 4 * GiB - 100 * MiB });
    expect(byBackend.budgetBytes).toBe(4 * GiB - 164 * MiB);
    expect(byBackend.ctxLen % 256).toBe(0);
    expect(byBackend.ctxLen * 8 * 8192).toBeLessThanOrEqual(byBackend.budgetBytes);
    expect(byBackend.capacityTokens * 8192).toBeLessThanOrEqual(byBackend.budgetBytes);
    expect(byBackend.reason).toContain("the backend's memory");
  });

  it("never goes below min(declared, 4096) per sequence while that fits, sharing the cache between sequences", () => {
    const f = fitContext({ ...base, declaredCtxLen: 131072, parallel: 64, freeMemoryBytes: 256 * MiB });
    // 128 MiB = 16384 tokens: 256 per sequence would be all, so one context of 4096 shared by 64 sequences.
    expect([f.ctxLen, f.capacityTokens]).toEqual([4096, 16384]);
    expect(f.reason).toContain("shared by 64 sequences");
  });

  it("refuses when not even a small context fits, naming the sizes", () => {
    expect(() => fitContext({ ...base, declaredCtxLen: 4096, freeMemoryBytes: 2 * MiB })).toThrow("m.gguf: not even 256 tokens of KV cache (8192 bytes each) fit the budget of 1 MiB set by half the free memory (1 MiB)");
  });

  it("takes an explicit --ctx-size as asked (capped at the declared context), shrinking only the shared capacity", () => {
    expect(fitContext({ ...base, declaredCtxLen: 512, requestedCtxLen: 4096 }).ctxLen).toBe(512);
    const f = fitContext({ ...base, declaredCtxLen: 131072, requestedCtxLen: 65536, freeMemoryBytes: 2 * GiB });
    expect([f.ctxLen, f.capacityTokens]).toEqual([65536, 131072]);
    expect(() => fitContext({ ...base, declaredCtxLen: 131072, requestedCtxLen: 131072, freeMemoryBytes: 1 * GiB })).toThrow(
      "m.gguf: --ctx-size 131072 needs a KV cache of 1024 MiB (8192 bytes per token), more than the budget of 512 MiB set by half the free memory (512 MiB): pass a smaller --ctx-size (or --kv-cache-size, or --kv-type q8_0)",
    );
  });

  it("checks an explicit --kv-cache-size against one context and the budget", () => {
    expect(() => fitContext({ ...base, declaredCtxLen: 512, requestedCapacityTokens: 100, requestedCapacityText: "100t" })).toThrow("--kv-cache-size 100t: holds 100 tokens, less than one context of 512");
    expect(() => fitContext({ ...base, declaredCtxLen: 512, requestedCapacityTokens: 10_000_000, requestedCapacityText: "80GB", freeMemoryBytes: GiB })).toThrow(/--kv-cache-size 80GB \(10000000 tokens\) needs a KV cache of 78125 MiB/);
    expect(fitContext({ ...base, declaredCtxLen: 512, requestedCapacityTokens: 1000 }).capacityTokens).toBe(1000);
  });
});
