import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { quantTraits, rowSizeBytes } from "../../src/quant/registry.js";
import { ggmlTypeName } from "../../src/quant/ggml-type.js";
import type { GgmlTypeName } from "../../src/quant/ggml-type.js";
import { readFixtureGguf } from "./read-fixture-gguf.js";

// gguf-py's dequantization of every deq.<TYPE> tensor is the reference: results must match bit for bit.
const dir = new URL("../fixtures/quant/", import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(`${dir}quant-types.json`, "utf8")) as {
  tensors: { tensor: string; type: GgmlTypeName; shape: number[]; source: string | null; dequant_offset_floats: number; n_floats: number }[];
};
const referenceBytes = readFileSync(`${dir}quant-types.dequant.f32`);
const reference = new Uint32Array(referenceBytes.buffer.slice(referenceBytes.byteOffset, referenceBytes.byteOffset + referenceBytes.byteLength));
const tensors = new Map(readFixtureGguf(`${dir}quant-types.gguf`).map((t) => [t.name, t]));

describe("dequantize matches gguf-py bit for bit", () => {
  for (const entry of manifest.tensors) {
    it(entry.type, () => {
      const tensor = tensors.get(entry.tensor);
      expect(tensor, entry.tensor).toBeDefined();
      if (!tensor) return;
      expect(ggmlTypeName(tensor.type)).toBe(entry.type);
      expect(tensor.shape).toEqual(entry.shape);
      const traits = quantTraits(entry.type);
      const out = new Float32Array(entry.n_floats);
      traits.dequantize(tensor.bytes, out, entry.n_floats);
      const got = new Uint32Array(out.buffer);
      const want = reference.subarray(entry.dequant_offset_floats, entry.dequant_offset_floats + entry.n_floats);
      let mismatches = 0;
      let first = -1;
      for (let i = 0; i < entry.n_floats; i++) {
        if (got[i] !== want[i]) {
          mismatches++;
          if (first < 0) first = i;
        }
      }
      expect({ mismatches, first }).toEqual({ mismatches: 0, first: -1 });
      // The same bytes at an odd offset of a larger buffer, written past the start of dst.
      const padded = new Uint8Array(tensor.bytes.length + 7);
      padded.set(tensor.bytes, 7);
      const shifted = new Float32Array(entry.n_floats + 5);
      traits.dequantize(padded, shifted, entry.n_floats, 7, 5);
      expect(Buffer.from(shifted.buffer, 20).equals(Buffer.from(out.buffer))).toBe(true);
    });
  }
});

describe("reference quantizers reproduce ggml's bytes", () => {
  for (const entry of manifest.tensors.filter((t) => t.source !== null)) {
    it(entry.type, () => {
      const source = tensors.get(entry.source ?? "");
      const expected = tensors.get(entry.tensor);
      expect(source && expected).toBeTruthy();
      if (!source || !expected) return;
      expect(ggmlTypeName(source.type)).toBe("F32");
      const values = new Float32Array(source.bytes.buffer.slice(source.bytes.byteOffset, source.bytes.byteOffset + 4 * entry.shape[0] * entry.shape[1]));
      const traits = quantTraits(entry.type);
      const sizeBytes = (values.length / entry.shape[1]) * rowSizeBytes(traits, entry.shape[1]);
      const out = new Uint8Array(sizeBytes);
      expect(traits.quantize).toBeDefined();
      traits.quantize?.(values, out, values.length);
      const want = expected.bytes.subarray(0, sizeBytes);
      let firstDiff = -1;
      for (let i = 0; i < sizeBytes && firstDiff < 0; i++) if (out[i] !== want[i]) firstDiff = i;
      expect(firstDiff).toBe(-1);
    });
  }
});
