import { afterAll, describe, expect, it } from "vitest";
import type { GgmlTypeName } from "../../src/quant/ggml-type.js";
import { createRefBackend, refQuantizeActivations } from "../../src/kernels/ref/index.js";
import { WasmBackend } from "../../src/kernels/wasm/index.js";
import { matmulErrorBound, randomF32, randomWeightBytes, rng } from "./conformance-cases.js";

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
          const bytes = randomWeightBytes(type, rows, cols, rand);
          const x = randomF32(nTokens * cols, rand);
          const xq = refQuantizeActivations("Q8_0", x, nTokens, cols);
          const want = new Float32Array(nTokens * rows);
          ref.matmul(want, xq, ref.loadWeight(type, rows, cols, bytes), nTokens);
          const w = backend.loadWeight(type, rows, cols, bytes);
          const xb = backend.allocF32(nTokens * cols);
          xb.set(x);
          const got = backend.allocF32(nTokens * rows);
          backend.matmul(got, xb, w, nTokens);
          const bound = matmulErrorBound(type, bytes, rows, cols, xq, nTokens);
          for (let i = 0; i < want.length; i++) {
            const err = Math.abs(got[i]! - want[i]!);
            if (!(err <= bound[i]!)) expect.fail(`${type} ${rows}×${cols} n=${nTokens} [${i}]: got ${got[i]}, want ${want[i]}`);
          }
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
