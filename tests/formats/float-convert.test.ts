import { describe, expect, it } from "vitest";
import { safetensorsToFloat32 } from "../../src/formats/index.js";

// Bit patterns from the IEEE 754 binary16 / bfloat16 definitions, written out by hand.
const le16 = (...words: number[]): Uint8Array => new Uint8Array(new Uint16Array(words).buffer);

describe("safetensorsToFloat32", () => {
  it("F16: normal, negative, zero, -0, infinities, largest, smallest subnormal, NaN", () => {
    const out = safetensorsToFloat32("F16", le16(0x3c00, 0xc000, 0x0000, 0x8000, 0x7c00, 0xfc00, 0x7bff, 0x0001, 0x7e00));
    expect([...out.slice(0, 8)]).toEqual([1, -2, 0, -0, Infinity, -Infinity, 65504, 2 ** -24]);
    expect(Number.isNaN(out[8])).toBe(true);
  });

  it("BF16: the top half of a float32", () => {
    const out = safetensorsToFloat32("BF16", le16(0x3f80, 0xc040, 0x7f80, 0x0001, 0x3eaa));
    expect([...out]).toEqual([1, -3, Infinity, 2 ** -133, Math.fround(0.33203125)]);
  });

  it("integer dtypes and F64, with a byte offset into a larger buffer", () => {
    const backing = new Uint8Array(9);
    backing.set([0xff, 0x80, 0x7f, 0x01], 1);
    expect([...safetensorsToFloat32("I8", backing.subarray(1, 5))]).toEqual([-1, -128, 127, 1]);
    expect([...safetensorsToFloat32("U8", backing.subarray(1, 5))]).toEqual([255, 128, 127, 1]);
    expect([...safetensorsToFloat32("I32", new Uint8Array(new Int32Array([-7, 1 << 20]).buffer))]).toEqual([-7, 1 << 20]);
    expect([...safetensorsToFloat32("F64", new Uint8Array(new Float64Array([0.1, -1e300]).buffer))]).toEqual([Math.fround(0.1), -Infinity]);
    expect(() => safetensorsToFloat32("F8_E4M3", new Uint8Array(1), "w", "m.safetensors")).toThrow(/m.safetensors: tensor w has dtype F8_E4M3/);
  });
});
