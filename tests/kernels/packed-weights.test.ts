import { afterAll, describe, expect, it } from "vitest";
import type { GgmlTypeName } from "../../src/quant/ggml-type.js";
import { createRefBackend, refQuantizeActivations } from "../../src/kernels/ref/index.js";
import { WasmBackend } from "../../src/kernels/wasm/index.js";
import { expectMatmulConforms, randomWeightBytes, rng } from "./conformance-cases.js";
import { hostView } from "./host-view.js";

// Q8_0, Q4_0 and IQ4_NL weights interleaved four rows at a time at load (src/kernels/wasm/packed-rows.ts):
// products on shapes whose prefill spans several row chunks (wide rows) and whose rows end past the last whole
// group, the one-token pass over pairs of groups split across threads, and embedding lookups of packed rows, each
// against the scalar reference on ggml's layout; and the same products with packing switched off.
const ref = hostView(createRefBackend());
const packed = hostView(new WasmBackend({ threads: 2 }));
const plain = hostView(new WasmBackend({ threads: 2, packWeights: false }));
const simdOnly = hostView(new WasmBackend({ threads: 2, relaxedSimd: false }));
afterAll(async () => {
  await Promise.all([packed.close(), plain.close(), simdOnly.close()]);
});

const TYPES: GgmlTypeName[] = ["Q8_0", "Q4_0", "IQ4_NL"];

/** Random Q8_0 blocks whose quants stay within −127…127, as llama.cpp's quantizer writes them. */
function quantizerRangeQ8_0(rows: number, cols: number, rand: () => number): Uint8Array {
  const bytes = randomWeightBytes("Q8_0", rows, cols, rand);
  for (let b = 0; b < bytes.length; b += 34) for (let i = b + 2; i < b + 34; i++) if (bytes[i] === 0x80) bytes[i] = 0x81;
  return bytes;
}

describe("wasm weights interleaved four rows at a time", () => {
  for (const type of TYPES) {
    for (const backend of [packed, plain]) {
      const label = backend === packed ? "packed" : "ggml layout";
      it(`${type} (${label}): products over several row chunks and a partial group`, () => {
        const rand = rng(type.length * 31 + (backend === packed ? 1 : 2));
        for (const [rows, cols, nTokens] of [[70, 8192, 9], [70, 4096, 1], [26, 96, 6]] as const) {
          expectMatmulConforms(backend, ref, type, rows, cols, nTokens, rand, (x) => refQuantizeActivations("Q8_0", x, nTokens, cols));
        }
      });
    }

    it(`${type}: embedding rows of a packed matrix equal the reference's`, () => {
      const rand = rng(type.length * 97);
      const rows = 11, cols = 64;
      const bytes = randomWeightBytes(type, rows, cols, rand);
      const ids = Int32Array.from([0, 3, 4, 7, 8, 9, 10, 5]);
      const want = new Float32Array(ids.length * cols), got = new Float32Array(ids.length * cols);
      ref.embed(want, ref.loadWeight(type, rows, cols, bytes), ids, ids.length);
      packed.embed(got, packed.loadWeight(type, rows, cols, bytes), ids, ids.length);
      expect(got).toEqual(want);
    });
  }

  // With relaxed SIMD, packed Q8_0 multiplies ±w by |a| (one pmaddubsw per 16 bytes), which holds for quants within
  // −127…127; a −128 anywhere in a packed group sends the matrix to the kernel that widens both to 16 bits.
  for (const backend of [packed, simdOnly]) {
    it(`Q8_0 (${backend.simdLevel}): quantizer-range quants and a −128 each take their kernel and match`, () => {
      const rand = rng(8128);
      for (const [rows, cols, nTokens] of [[70, 8192, 9], [70, 4096, 1], [26, 96, 6], [8, 32, 1]] as const) {
        for (const withMin of [false, true]) {
          const bytes = quantizerRangeQ8_0(rows, cols, rand);
          if (withMin) bytes[34 * Math.floor(rand() * 4) * (cols / 32) + 2 + Math.floor(rand() * 32)] = 0x80;
          const q = (x: Float32Array) => refQuantizeActivations("Q8_0", x, nTokens, cols);
          expectMatmulConforms(backend, ref, "Q8_0", rows, cols, nTokens, rand, q, bytes);
          const w = backend.loadWeight("Q8_0", rows, cols, bytes);
          expect(w.op).toBe(backend.pool.opOf(withMin ? "matmulQ8_0PW" : "matmulQ8_0P"));
        }
      }
    });
  }
});
