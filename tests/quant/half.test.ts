import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { bf16Traits } from "../../src/quant/bf16.js";
import { f16Traits } from "../../src/quant/f16.js";
import { bf16ToF32, bitsToF32, f16ToF32, f32ToBf16, f32ToBits, f32ToF16 } from "../../src/quant/half.js";

// numpy's IEEE float32 -> float16 cast and gguf-py's bf16 rule (fixtures/make-half-rounding.py) are the reference.
const fixture = JSON.parse(readFileSync(new URL("fixtures/half-rounding.json", import.meta.url), "utf8")) as {
  f32_bits: number[];
  f16_bits: (number | null)[];
  bf16_bits: number[];
};

describe("f32ToF16 rounds like ggml's GGML_FP32_TO_FP16 (IEEE round-to-nearest-even)", () => {
  it(`matches numpy on ${fixture.f32_bits.length} values: ties, subnormals, overflow, signed zeros`, () => {
    const wrong = fixture.f32_bits.filter((bits, i) => {
      const want = fixture.f16_bits[i];
      return want !== null && f32ToF16(bitsToF32(bits)) !== want;
    });
    expect(wrong).toEqual([]);
  });
  it("turns NaN into ggml's quiet NaN 0x7e00, keeping the sign", () => {
    expect(f32ToF16(bitsToF32(0x7fc00000))).toBe(0x7e00);
    expect(f32ToF16(bitsToF32(0xffc00001))).toBe(0xfe00);
  });
  it("widens F16 tensors bit-exactly, NaN payloads shifted into place as numpy (gguf-py) does", () => {
    const out = new Float32Array(3);
    f16Traits.dequantize(new Uint8Array([0x01, 0x7c, 0x00, 0x3c, 0x01, 0x00]), out, 3);
    expect([...new Uint32Array(out.buffer)]).toEqual([0x7f802000, 0x3f800000, 0x33800000]);
  });
  it("round-trips every non-NaN half exactly", () => {
    let bad = 0;
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0) continue;
      if (f32ToF16(f16ToF32(h)) !== h) bad++;
    }
    expect(bad).toBe(0);
  });
});

describe("f32ToBf16 as ggml_compute_fp32_to_bf16", () => {
  it(`matches gguf-py's rule on ${fixture.f32_bits.length} values, NaNs included`, () => {
    const wrong = fixture.f32_bits.filter((bits, i) => f32ToBf16(bitsToF32(bits)) !== fixture.bf16_bits[i]);
    expect(wrong).toEqual([]);
  });
  it("widens bf16 by appending 16 zero bits, NaN payloads included", () => {
    expect(f32ToBits(bf16ToF32(0x3f80))).toBe(0x3f800000);
    const out = new Float32Array(2);
    bf16Traits.dequantize(new Uint8Array([0x81, 0xff, 0x80, 0xbf]), out, 2);
    expect([...new Uint32Array(out.buffer)]).toEqual([0xff810000, 0xbf800000]);
  });
});
