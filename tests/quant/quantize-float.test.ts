import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openGguf } from "../../src/formats/index.js";
import { ggmlTypeName } from "../../src/quant/ggml-type.js";
import { quantizeModel } from "../../src/quantize/index.js";

// The float targets: llama-quantize keeps 1-D tensors as they are and converts every matrix to the target type.
const input = "models/stories-7m/stories-7m-f16.gguf";
const dir = mkdtempSync(join(tmpdir(), "tsinfer-quantize-float-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// SHA-256 of the tensors as gguf-py computes them (GGUFReader data -> float32 -> gguf.quants.quantize).
const expected: Record<"F32" | "BF16", Record<string, string>> = {
  F32: {
    "token_embd.weight": "72129af6d9d6394ea4ff56583e585e86cbdf816d968cde7be01d59028402ef47",
    "blk.3.ffn_down.weight": "71a015630c220c6261ec8589d8758cbeb45da8816fd6cd83e7b7705268b46ace",
  },
  BF16: {
    "token_embd.weight": "a57b6f15e61b6974ea930feb83c22f1ff3e45ed478f4bc072123c81936acf7f7",
    "blk.3.ffn_down.weight": "f87f5f46162838e64d719c2615d2937f30e53a7dd08c9e7d12c72e71ae17f487",
  },
};

describe("quantize to F16 / F32 / BF16", () => {
  it("F16 from F16 copies every tensor byte for byte and moves the two quantize keys last", () => {
    const out = join(dir, "f16.gguf");
    expect(quantizeModel(input, out, "F16").fileType).toBe(1);
    const src = openGguf(input);
    const dst = openGguf(out);
    try {
      expect(dst.kvs.slice(-2).map((kv) => [kv.key, kv.value])).toEqual([
        ["general.quantization_version", 2],
        ["general.file_type", 1],
      ]);
      expect(dst.kvs.length).toBe(src.kvs.length);
      for (const t of dst.tensors) {
        const s = src.tensor(t.name);
        expect(s && Buffer.from(src.readTensorBytes(s)).equals(Buffer.from(dst.readTensorBytes(t)))).toBe(true);
      }
    } finally {
      src.close();
      dst.close();
    }
  });

  it("F32 and BF16 widen or round the F16 matrices and keep the F32 norms", { timeout: 60_000 }, () => {
    for (const [type, fileType] of [["F32", 0], ["BF16", 32]] as const) {
      const out = join(dir, `${type}.gguf`);
      expect(quantizeModel(input, out, type).fileType).toBe(fileType);
      const dst = openGguf(out);
      try {
        const types = new Set(dst.tensors.map((t) => `${t.shape.length === 1 ? "1d" : "2d"}:${ggmlTypeName(t.type)}`));
        expect([...types].sort()).toEqual(["1d:F32", `2d:${type}`]);
        for (const name of ["token_embd.weight", "blk.3.ffn_down.weight"]) {
          const info = dst.tensor(name);
          const sha256 = info ? createHash("sha256").update(dst.readTensorBytes(info)).digest("hex") : "";
          expect(sha256, `${type} ${name}`).toBe(expected[type][name]);
        }
      } finally {
        dst.close();
      }
    }
  });
});
