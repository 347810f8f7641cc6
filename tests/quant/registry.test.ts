import { describe, expect, it } from "vitest";
import { GgmlType } from "../../src/quant/ggml-type.js";
import { allQuantTraits, quantTraits, rowSizeBytes, UnknownTensorTypeError } from "../../src/quant/registry.js";

describe("quant registry", () => {
  it("names unknown type ids and names in a typed error", () => {
    expect(() => quantTraits(99)).toThrow(UnknownTensorTypeError);
    expect(() => quantTraits(99)).toThrow("tensor type 99 is not a known ggml type");
    expect(() => quantTraits("Q9_9" as never)).toThrow('tensor type "Q9_9" is not a known ggml type');
  });

  it("covers every type id ggml-type.ts knows", () => {
    for (const id of Object.values(GgmlType)) expect(() => quantTraits(id)).not.toThrow();
  });

  // Each traits row's block size and bytes are checked against gguf-py in ggml-type-table.test.ts.
  it("finds a type by name or id", () => {
    expect(quantTraits("Q4_K")).toBe(quantTraits(12));
    expect(quantTraits("Q4_K").name).toBe("Q4_K");
    expect(allQuantTraits().map((t) => t.name)).toContain("IQ1_M");
  });

  it("computes row sizes", () => {
    expect(rowSizeBytes(quantTraits("Q4_K"), 4096)).toBe(16 * 144);
    expect(rowSizeBytes(quantTraits("Q8_0"), 256)).toBe(8 * 34);
    expect(rowSizeBytes(quantTraits("F16"), 10)).toBe(20);
  });
});
