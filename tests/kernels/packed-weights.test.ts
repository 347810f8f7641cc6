import { afterAll, describe, expect, it } from "vitest";
import type { GgmlTypeName } from "../../src/quant/ggml-type.js";
import { createRefBackend, refQuantizeActivations } from "../../src/kernels/ref/index.js";
import { WasmBackend } from "../../src/kernels/wasm/index.js";
import { expectMatmulConforms, randomWeightBytes, rng } from "./conformance-cases.js";

// Q8_0, Q4_0 and IQ4_NL weights interleaved four rows at a time at load (src/kernels/wasm/packed-rows.ts):
// products on shapes whose prefill spans several row chunks (wide rows) and whose rows end past the last whole
// group, the one-token pass over pairs of groups split across threads, and embedding lookups of packed rows, each
// against the scalar reference on ggml's layout; and the same products with packing switched off.
const ref = createRefBackend();
const packed = new WasmBackend({ threads: 2 });
const plain = new WasmBackend({ threads: 2, packWeights: false });
afterAll(async () => {
  await Promise.all([packed.close(), plain.close()]);
});

const TYPES: GgmlTypeName[] = ["Q8_0", "Q4_0", "IQ4_NL"];

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
});
