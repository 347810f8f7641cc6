import { describe, expect, it } from "vitest";
import { ggmlTensorSizeBytes } from "../../src/formats/ggml-type-size.js";
import { Q8_0_BLOCK, Q8_0_BLOCK_BYTES } from "../../src/kernels/kv-layer.js";
import { PACKED_Q32 } from "../../src/kernels/wasm/packed-rows.js";
import { GGML_TYPES, GgmlType, ggmlTypeId, ggmlTypeName, ggmlTypeRow, ggmlTypeRowById, type GgmlTypeName } from "../../src/quant/ggml-type.js";
import { allQuantTraits, quantTraits } from "../../src/quant/registry.js";

// Reference: gguf-py (the gguf Python package), gguf-py/gguf/constants.py in llama.cpp at commit
// 0024aa7417efd50a7c2a79e049dfbbbceb0beaaf: class GGMLQuantizationType (ids) and GGML_QUANT_SIZES (block size,
// type size), copied with their arithmetic (Python's // written as /, every quotient exact). NVFP4 (40) and Q1_0
// (41) are left out: tsinfer does not know them.
const QK_K = 256;
const ggufPyTypeIds: Record<string, number> = {
  F32: 0, F16: 1, Q4_0: 2, Q4_1: 3, Q5_0: 6, Q5_1: 7, Q8_0: 8, Q8_1: 9, Q2_K: 10, Q3_K: 11, Q4_K: 12, Q5_K: 13,
  Q6_K: 14, Q8_K: 15, IQ2_XXS: 16, IQ2_XS: 17, IQ3_XXS: 18, IQ1_S: 19, IQ4_NL: 20, IQ3_S: 21, IQ2_S: 22, IQ4_XS: 23,
  I8: 24, I16: 25, I32: 26, I64: 27, F64: 28, IQ1_M: 29, BF16: 30, TQ1_0: 34, TQ2_0: 35, MXFP4: 39,
};
const ggufPyQuantSizes: Record<string, readonly [number, number]> = {
  F32: [1, 4],
  F16: [1, 2],
  Q4_0: [32, 2 + 16],
  Q4_1: [32, 2 + 2 + 16],
  Q5_0: [32, 2 + 4 + 16],
  Q5_1: [32, 2 + 2 + 4 + 16],
  Q8_0: [32, 2 + 32],
  Q8_1: [32, 4 + 4 + 32],
  Q2_K: [256, 2 + 2 + QK_K / 16 + QK_K / 4],
  Q3_K: [256, 2 + QK_K / 4 + QK_K / 8 + 12],
  Q4_K: [256, 2 + 2 + QK_K / 2 + 12],
  Q5_K: [256, 2 + 2 + QK_K / 2 + QK_K / 8 + 12],
  Q6_K: [256, 2 + QK_K / 2 + QK_K / 4 + QK_K / 16],
  Q8_K: [256, 4 + QK_K + QK_K / 8],
  IQ2_XXS: [256, 2 + QK_K / 4],
  IQ2_XS: [256, 2 + QK_K / 4 + QK_K / 32],
  IQ3_XXS: [256, 2 + QK_K / 4 + QK_K / 8],
  IQ1_S: [256, 2 + QK_K / 8 + QK_K / 16],
  IQ4_NL: [32, 2 + 16],
  IQ3_S: [256, 2 + QK_K / 4 + QK_K / 8 + QK_K / 32 + 4],
  IQ2_S: [256, 2 + QK_K / 4 + QK_K / 16],
  IQ4_XS: [256, 2 + 2 + QK_K / 2 + QK_K / 64],
  I8: [1, 1],
  I16: [1, 2],
  I32: [1, 4],
  I64: [1, 8],
  F64: [1, 8],
  IQ1_M: [256, QK_K / 8 + QK_K / 16 + QK_K / 32],
  BF16: [1, 2],
  TQ1_0: [256, 2 + 4 * 13],
  TQ2_0: [256, 2 + 64],
  MXFP4: [32, 1 + 16],
};
// gguf-py's Q8_1 still has the old float d and s (40 bytes); ggml itself (ggml-common.h, same commit) stores two
// halves: static_assert(sizeof(block_q8_1) == 2*sizeof(ggml_half) + QK8_1), 36 bytes, which ggml's type_traits use.
const ggmlCommonOverrides: Record<string, readonly [number, number]> = { Q8_1: [32, 2 * 2 + 32] };
const reference = (name: string): readonly [number, number] | undefined => ggmlCommonOverrides[name] ?? ggufPyQuantSizes[name];

const names = Object.keys(GGML_TYPES) as GgmlTypeName[];

describe("GGML_TYPES, the one table of tensor block layouts", () => {
  it("has gguf-py's id, block size and bytes per block for every type tsinfer knows", () => {
    expect(names.length).toBe(32);
    for (const name of names) {
      const row = GGML_TYPES[name];
      expect(row.id, name).toBe(ggufPyTypeIds[name]);
      expect([row.blockSize, row.bytesPerBlock], name).toEqual(reference(name));
    }
    expect(reference("Q8_1")).toEqual([32, 36]);
  });

  it("finds rows by name and by id, and names no row for an id ggml removed", () => {
    for (const name of names) {
      const row = ggmlTypeRow(name);
      expect(row.name).toBe(name);
      expect(ggmlTypeRowById(ggufPyTypeIds[name]!)).toBe(row);
      expect(GgmlType[name]).toBe(ggufPyTypeIds[name]);
      expect(ggmlTypeName(ggufPyTypeIds[name]!)).toBe(name);
      expect(ggmlTypeId(name.toLowerCase())).toBe(ggufPyTypeIds[name]);
    }
    expect(ggmlTypeRowById(4)).toBeUndefined(); // Q4_2, removed from ggml
    expect(ggmlTypeId("Q4_2")).toBeUndefined();
  });

  it("is what the quant traits carry", () => {
    expect(allQuantTraits().map((t) => t.name).sort()).toEqual([...names].sort());
    for (const traits of allQuantTraits()) {
      expect(traits.id, traits.name).toBe(ggufPyTypeIds[traits.name]);
      expect([traits.blockSize, traits.bytesPerBlock], traits.name).toEqual(reference(traits.name));
    }
  });

  it("sizes GGUF tensors", () => {
    for (const name of names) {
      const [blockSize, bytesPerBlock] = reference(name)!;
      expect(ggmlTensorSizeBytes(ggufPyTypeIds[name]!, [3 * blockSize, 5, 2]), name).toBe(3 * bytesPerBlock * 10);
      if (blockSize > 1) expect(ggmlTensorSizeBytes(ggufPyTypeIds[name]!, [blockSize + 1])).toMatch(/not a multiple of the block size/);
    }
    expect(ggmlTensorSizeBytes(4, [32])).toBe("type 4, which no known format uses");
  });

  it("gives the wasm repacking and the q8_0 KV cache their block bytes", () => {
    const packed = Object.entries(PACKED_Q32);
    expect(packed.map(([name]) => name).sort()).toEqual(["IQ4_NL", "Q4_0", "Q8_0"]);
    for (const [name, p] of packed) expect(p!.blockBytes, name).toBe(reference(name)![1]);
    expect([Q8_0_BLOCK, Q8_0_BLOCK_BYTES]).toEqual(reference("Q8_0"));
    expect(quantTraits("Q8_0").bytesPerBlock).toBe(Q8_0_BLOCK_BYTES);
  });
});
