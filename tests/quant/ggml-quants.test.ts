import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { quantTraits, rowSizeBytes } from "../../src/quant/registry.js";

// ggml's own reference quantizers, compiled from llama.cpp's source (fixtures/make-ggml-quants.c), for the types
// quant-types.gguf does not cover. 1024 values: uniform, tiny with outliers, an all-zero block, near-ternary.
const fixture = JSON.parse(readFileSync(new URL("fixtures/ggml-quants.json", import.meta.url), "utf8")) as Record<string, string>;
const bytesOf = (key: string): Uint8Array => Uint8Array.from(Buffer.from(fixture[key] ?? "", "hex"));
const input = new Float32Array(bytesOf("input_f32").buffer);

describe("reference quantizers match ggml's bytes", () => {
  for (const type of ["Q8_K", "Q8_1", "TQ1_0", "TQ2_0", "MXFP4"] as const) {
    it(type, () => {
      const traits = quantTraits(type);
      const out = new Uint8Array(rowSizeBytes(traits, input.length));
      traits.quantize?.(input, out, input.length);
      expect(traits.quantize).toBeDefined();
      expect(Buffer.from(out).toString("hex")).toBe(fixture[type]);
    });
  }
});

it("MXFP4 dequantizes as ggml's dequantize_row_mxfp4", () => {
  const out = new Float32Array(input.length);
  quantTraits("MXFP4").dequantize(bytesOf("MXFP4"), out, input.length);
  expect(Buffer.from(out.buffer).toString("hex")).toBe(fixture.MXFP4_dequant_f32);
});
