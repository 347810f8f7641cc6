import { describe, expect, it } from "vitest";
import { parseKvCacheSize } from "../../src/kv/kv-cache-size.js";

describe("--kv-cache-size", () => {
  it("reads bytes (powers of 1024) or tokens", () => {
    // stories-7m: 2 (K, V) × 8 layers × 4 KV heads × 32 dims × 4 bytes = 8192 bytes per token
    expect(parseKvCacheSize("64MB", 8192)).toBe(8192);
    expect(parseKvCacheSize("1.5GB", 8192)).toBe(196608);
    expect(parseKvCacheSize("4096t", 8192)).toBe(4096);
    expect(parseKvCacheSize("512 KiB", 8192)).toBe(64);
    expect(parseKvCacheSize("32", 8192)).toBe(4096); // no unit: MB
  });

  it("names the bad value", () => {
    expect(() => parseKvCacheSize("lots", 8192)).toThrow(/--kv-cache-size lots/);
    expect(() => parseKvCacheSize("-5MB", 8192)).toThrow(/--kv-cache-size -5MB/);
  });
});
