import { describe, expect, it } from "vitest";
import { GgmlType } from "../../src/quant/ggml-type.js";
import { allQuantTraits, quantTraits, rowSizeBytes, UnknownTensorTypeError } from "../../src/quant/registry.js";

// gguf-py constants.py GGML_QUANT_SIZES (block size, bytes per block); Q8_1 from ggml-common.h's static_assert
// (2 halves + 32 quants), where gguf-py still says 40.
const ggmlSizes: Record<string, [number, number]> = {
  F32: [1, 4], F16: [1, 2], BF16: [1, 2], I8: [1, 1], I16: [1, 2], I32: [1, 4],
  Q4_0: [32, 18], Q4_1: [32, 20], Q5_0: [32, 22], Q5_1: [32, 24], Q8_0: [32, 34], Q8_1: [32, 36],
  Q2_K: [256, 84], Q3_K: [256, 110], Q4_K: [256, 144], Q5_K: [256, 176], Q6_K: [256, 210], Q8_K: [256, 292],
  IQ2_XXS: [256, 66], IQ2_XS: [256, 74], IQ3_XXS: [256, 98], IQ1_S: [256, 50], IQ4_NL: [32, 18], IQ3_S: [256, 110],
  IQ2_S: [256, 82], IQ4_XS: [256, 136], IQ1_M: [256, 56], TQ1_0: [256, 54], TQ2_0: [256, 66],
  I64: [1, 8], F64: [1, 8], MXFP4: [32, 17],
};

describe("quant registry", () => {
  it("names unknown type ids and names in a typed error", () => {
    expect(() => quantTraits(99)).toThrow(UnknownTensorTypeError);
    expect(() => quantTraits(99)).toThrow("tensor type 99 is not a known ggml type");
    expect(() => quantTraits("Q9_9" as never)).toThrow('tensor type "Q9_9" is not a known ggml type');
  });

  it("covers every type id ggml-type.ts knows", () => {
    for (const id of Object.values(GgmlType)) expect(() => quantTraits(id)).not.toThrow();
  });

  it("finds a type by name or id, and every traits row has ggml's block size and bytes", () => {
    expect(quantTraits("Q4_K")).toBe(quantTraits(12));
    for (const traits of allQuantTraits()) {
      expect([traits.blockSize, traits.bytesPerBlock], traits.name).toEqual(ggmlSizes[traits.name]);
    }
    expect(allQuantTraits().map((t) => t.name)).toContain("IQ1_M");
  });

  it("computes row sizes", () => {
    expect(rowSizeBytes(quantTraits("Q4_K"), 4096)).toBe(16 * 144);
    expect(rowSizeBytes(quantTraits("Q8_0"), 256)).toBe(8 * 34);
    expect(rowSizeBytes(quantTraits("F16"), 10)).toBe(20);
  });
});
