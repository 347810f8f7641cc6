import { afterAll, describe, expect, it } from "vitest";
import type { GgmlTypeName } from "../../src/quant/ggml-type.js";
import { quantTraits } from "../../src/quant/registry.js";
import { createRefBackend, refQuantizeActivations, type ActivationQuant } from "../../src/kernels/ref/index.js";
import { rowDecoder } from "../../src/kernels/ref/row-decoder.js";
import { f32ToF16 } from "../../src/quant/half.js";
import { expectMatmulConforms, matmulErrorBound, randomF32, randomWeightBytes, rng } from "./conformance-cases.js";
import { backendLabel, noteMemory64Skip, wasmBackendsOnBothBuilds } from "./wasm-builds.js";

// Every matmul weight type of every fast backend against the scalar oracle (kernels/ref: ggml's reference
// dequantize from quant/, float64 dot). The quantized types take 8-bit activations as llama.cpp's CPU backend
// does (Q8_K blocks for the K-quants and IQ4_XS, Q8_0 blocks with an f16 scale for the others): the oracle gets
// the same activations through refQuantizeActivations, so only float rounding separates the two. Shapes: odd row counts, column counts that are not a multiple of the
// SIMD width (float types) or that hold odd numbers of blocks, token counts around the 4-token tile.
const ref = createRefBackend();
const backends = wasmBackendsOnBothBuilds([
  { threads: 1, relaxedSimd: false },
  { threads: 2, relaxedSimd: true },
  { threads: 3, relaxedSimd: true },
]);
noteMemory64Skip();
afterAll(async () => {
  await Promise.all(backends.map((b) => b.close()));
});

const FLOAT_TYPES: GgmlTypeName[] = ["F32", "F16", "BF16"];
const BLOCK32_TYPES: GgmlTypeName[] = ["Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "IQ4_NL"];
const K_TYPES: GgmlTypeName[] = ["Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_XS"];

/** The activations a product of `type` sees: quantized as llama.cpp does for the quantized types. */
function activationsFor(type: GgmlTypeName, x: Float32Array, nTokens: number, cols: number): Float32Array {
  if (FLOAT_TYPES.includes(type)) return x;
  const kind: ActivationQuant = K_TYPES.includes(type) ? "Q8_K" : "Q8_0";
  return refQuantizeActivations(kind, x, nTokens, cols);
}

function colsFor(type: GgmlTypeName): number[] {
  if (FLOAT_TYPES.includes(type)) return [1, 7, 33, 100];
  const bs = quantTraits(type).blockSize;
  return bs === 32 ? [32, 96, 160] : [256, 768];
}

for (const backend of backends) {
  describe(`matmul conformance: ${backendLabel(backend)}`, () => {
    for (const type of [...FLOAT_TYPES, ...BLOCK32_TYPES, ...K_TYPES]) {
      it(`${type}`, () => {
        const rand = rng(type.length * 7919 + backend.threads);
        for (const cols of colsFor(type)) {
          for (const [rows, nTokens] of [[1, 1], [7, 3], [33, 5], [13, 9], [64, 4]] as const) {
            expectMatmulConforms(backend, ref, type, rows, cols, nTokens, rand, (x) => activationsFor(type, x, nTokens, cols));
          }
        }
      });
    }

    // Float products from four tokens on run 2-row × 4-token tiles over chunks of converted rows (matmul-float.ts):
    // last groups of two and three tokens, a last token alone, odd rows, columns not a multiple of four, chunks of
    // 16 rows (256 columns) down to one pair (2050 columns), and row ranges split across threads.
    it("float tiles: partial token groups, odd rows and columns, chunk edges", () => {
      const rand = rng(4099 + backend.threads);
      for (const type of FLOAT_TYPES) {
        for (const [rows, cols, nTokens] of [[35, 100, 6], [18, 37, 7], [5, 2050, 8], [40, 256, 13], [3, 4, 4], [66, 9, 10]] as const) {
          expectMatmulConforms(backend, ref, type, rows, cols, nTokens, rand, (x) => x);
        }
      }
    });

    // F16 matrices whose subnormal halves are split out at load into per-row lists (assembly/f16-subnormals.ts) and
    // added after the dense sums: about 1 % of the values subnormal (and a whole row of them when there are 64 rows
    // or more; under the 1/32 past which nothing is split), every pass (one
    // token, one group in place, chunked tiles, a last token alone), row ranges split across threads.
    it("F16 with subnormal weights split out at load", () => {
      const rand = rng(6007 + backend.threads);
      for (const [rows, cols, nTokens] of [[35, 100, 1], [35, 100, 3], [18, 37, 5], [5, 2050, 8], [40, 256, 13], [66, 9, 10], [64, 256, 4]] as const) {
        const bytes = randomWeightBytes("F16", rows, cols, rand);
        const halves = new Uint16Array(bytes.buffer);
        for (let i = 0; i < halves.length; i++) if (rand() < 0.01) halves[i] = (1 + Math.floor(rand() * 0x3ff)) | (rand() < 0.5 ? 0x8000 : 0);
        if (rows >= 64) for (let c = 0; c < cols; c++) halves[3 * cols + c] = 0x0001 + c % 0x3ff;
        expectMatmulConforms(backend, ref, "F16", rows, cols, nTokens, rand, (x) => x, bytes);
      }
    });

    // One to three tokens of F16 run against x × 2^112 (matmulF16Scaled, no rebasing multiply in the conversion)
    // when every |x| < 2^15, else the plain kernel. Both must give the same bits as the plain one-token pass, which
    // a fifth token (after a tile of four) still takes; activations from 1e-30 to past 2^15, subnormals split out.
    it("F16 one-token products against prescaled activations equal the plain pass bit for bit", () => {
      const rand = rng(8111 + backend.threads);
      const rows = 37, cols = 203;
      const bytes = randomWeightBytes("F16", rows, cols, rand);
      const halves = new Uint16Array(bytes.buffer);
      for (let i = 0; i < halves.length; i += 97) halves[i] = 1 + (i % 0x3ff);
      const w = backend.loadWeight("F16", rows, cols, bytes);
      for (const big of [1, 30000, 40000, 1e6]) {
        for (const nTokens of [1, 2, 3]) {
          const x = randomF32(nTokens * cols, rand);
          for (let i = 0; i < x.length; i += 7) x[i] = x[i]! * 1e-30;
          x[cols - 1] = big;
          const got = backend.allocF32(nTokens * rows);
          backend.matmul(got, x, w, nTokens);
          for (let t = 0; t < nTokens; t++) {
            // Token t as the fifth of five: four copies ahead of it go through a tile, it through the plain pass.
            const x5 = new Float32Array(5 * cols);
            for (let k = 0; k < 5; k++) x5.set(x.subarray(t * cols, (t + 1) * cols), k * cols);
            const plain = backend.allocF32(5 * rows);
            backend.matmul(plain, x5, w, 5);
            for (let r = 0; r < rows; r++) {
              if (!Object.is(got[t * rows + r], plain[4 * rows + r])) {
                expect.fail(`big ${big}, ${nTokens} token(s), token ${t} row ${r}: ${got[t * rows + r]} against the plain pass's ${plain[4 * rows + r]}`);
              }
            }
          }
          expectMatmulConforms(backend, ref, "F16", rows, cols, nTokens, rand, (xx) => xx, bytes);
        }
      }
    });

    // IQ4_XS codes at the table's −127 times activations at −128 (Q8_K maps a block's largest magnitude to −128): four
    // such products in a 16-bit lane reach 65024, past i16 (the kernels must widen before summing two groups).
    it("IQ4_XS at the extremes of its codes and activations", () => {
      const rows = 5, cols = 512, nTokens = 5;
      const bytes = new Uint8Array(rows * (cols / 256) * 136);
      for (let b = 0; b < bytes.length; b += 136) bytes[b + 1] = 0x3c; // d = 1, scales 0 → −32, codes 0 → −127
      const x = new Float32Array(nTokens * cols).fill(1);
      const xq = refQuantizeActivations("Q8_K", x, nTokens, cols);
      const want = new Float32Array(nTokens * rows), got = backend.allocF32(nTokens * rows);
      ref.matmul(want, xq, ref.loadWeight("IQ4_XS", rows, cols, bytes), nTokens);
      backend.matmul(got, x, backend.loadWeight("IQ4_XS", rows, cols, bytes), nTokens);
      const bound = matmulErrorBound("IQ4_XS", bytes, rows, cols, xq, nTokens);
      for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(bound[i]!);
    });

    it("takes inputs and outputs outside its memory (staged copies)", () => {
      const rand = rng(5);
      const bytes = randomWeightBytes("Q4_0", 9, 64, rand);
      const x = randomF32(2 * 64, rand);
      const want = new Float32Array(18), got = new Float32Array(18);
      const xq = activationsFor("Q4_0", x, 2, 64);
      ref.matmul(want, xq, ref.loadWeight("Q4_0", 9, 64, bytes), 2);
      backend.matmul(got, x, backend.loadWeight("Q4_0", 9, 64, bytes), 2);
      const bound = matmulErrorBound("Q4_0", bytes, 9, 64, xq, 2);
      for (let i = 0; i < 18; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(bound[i]!);
    });
  });
}

// Every subnormal half (both signs) among normal ones, few enough to be split out at load (f16-subnormals.ts):
// with x the identity the product must give each value exactly, through the lists, in every pass.
describe("float matmul: F16 subnormals split out, exact", () => {
  it("every subnormal bit pattern", () => {
    const sub: number[] = [];
    for (let m = 1; m < 0x400; m++) sub.push(m, m | 0x8000);
    const cols = 4, rows = 64 * Math.ceil(sub.length / 4); // subnormals 1/64 of the values
    const halves = new Uint16Array(rows * cols);
    const rand = rng(77);
    for (let i = 0; i < halves.length; i++) halves[i] = f32ToF16(rand() * 2 - 1);
    sub.forEach((h, i) => { halves[i * 64 + (i % 4)] = h; });
    const bytes = new Uint8Array(halves.buffer);
    const want = new Float32Array(rows * cols);
    rowDecoder("F16")(bytes, 0, rows * cols, want);
    for (const backend of backends) {
      const w = backend.loadWeight("F16", rows, cols, bytes);
      for (const nTokens of [1, 4, 9]) {
        const x = backend.allocF32(nTokens * cols);
        for (let t = 0; t < nTokens; t++) x[t * cols + (t % cols)] = 1;
        const got = backend.allocF32(nTokens * rows);
        backend.matmul(got, x, w, nTokens);
        for (let t = 0; t < nTokens; t++) {
          for (let r = 0; r < rows; r++) {
            if (got[t * rows + r] !== want[r * cols + (t % cols)]) {
              expect.fail(`${backend.threads} thread(s) nTokens=${nTokens}: half 0x${halves[r * cols + (t % cols)]!.toString(16)} gave ${got[t * rows + r]}, want ${want[r * cols + (t % cols)]}`);
            }
          }
        }
      }
    }
  });
});

// Every finite F16 and BF16 bit pattern (subnormals and both zeros included) through the wasm float product (F16:
// subnormals are 3.2 % of the patterns, past the 1/32 under which they are split out, so the dense conversion runs):
// with x the identity, out[t][r] = w[r][t] exactly, so the kernels' half → float conversion must equal the
// reference decoder bit for bit, in the 4-token pass (nTokens 4) and the one-token pass (nTokens 1).
describe("float matmul: exact half → float conversion", () => {
  for (const type of ["F16", "BF16"] as const) {
    it(`${type}: every finite bit pattern`, () => {
      const expBits = type === "F16" ? 0x7c00 : 0x7f80;
      const halves: number[] = [];
      for (let h = 0; h < 0x10000; h++) if ((h & expBits) !== expBits) halves.push(h);
      while (halves.length % 4 !== 0) halves.push(0);
      const rows = halves.length / 4, cols = 4;
      const bytes = new Uint8Array(Uint16Array.from(halves).buffer);
      const want = new Float32Array(rows * cols);
      rowDecoder(type)(bytes, 0, rows * cols, want); // the whole matrix as one row
      for (const backend of backends.filter((b) => b.threads < 3)) {
        const w = backend.loadWeight(type, rows, cols, bytes);
        for (const nTokens of [4, 1]) {
          const x = backend.allocF32(nTokens * cols);
          for (let t = 0; t < nTokens; t++) x[t * cols + t] = 1;
          const got = backend.allocF32(nTokens * rows);
          backend.matmul(got, x, w, nTokens);
          for (let t = 0; t < nTokens; t++) {
            for (let r = 0; r < rows; r++) {
              if (got[t * rows + r] !== want[r * cols + t]) {
                expect.fail(`${type} ${backend.kernelBuild} nTokens=${nTokens}: half 0x${halves[r * cols + t]!.toString(16)} gave ${got[t * rows + r]}, want ${want[r * cols + t]}`);
              }
            }
          }
        }
      }
    });
  }
});
