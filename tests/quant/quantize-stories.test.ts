import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openGguf } from "../../src/formats/index.js";
import { ggmlTypeName } from "../../src/quant/ggml-type.js";
import { quantizeModel } from "../../src/quantize/index.js";

// llama.cpp's llama-quantize (no imatrix) turned stories-7m-f16.gguf into 16 files; tsinfer must produce the
// same tensors: names in the same order, types (the per-tensor mixes), shapes and SHA-256 of the stored bytes.
const modelDir = new URL("../../models/stories-7m/", import.meta.url).pathname;
const reference = JSON.parse(readFileSync(`${modelDir}llama-quantize/tensor-hashes.json`, "utf8")) as Record<
  string,
  { file_type: number; tensors: { name: string; type: string; shape: number[]; sha256: string }[] }
>;
const outDir = mkdtempSync(join(tmpdir(), "tsinfer-quantize-test-"));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe("tsinfer quantize reproduces llama-quantize on stories-7m", () => {
  for (const [file, want] of Object.entries(reference)) {
    const type = /^stories-7m-(.+)\.gguf$/.exec(file)?.[1] ?? "";
    it(type, { timeout: 120_000 }, () => {
      const outPath = join(outDir, file);
      const result = quantizeModel(`${modelDir}stories-7m-f16.gguf`, outPath, type);
      expect(result.fileType).toBe(want.file_type);
      const gguf = openGguf(outPath);
      try {
        expect(gguf.getNumber("general.file_type")).toBe(want.file_type);
        expect(gguf.getNumber("general.quantization_version")).toBe(2);
        const got = gguf.tensors.map((t) => ({
          name: t.name,
          type: ggmlTypeName(t.type),
          shape: t.shape,
          sha256: createHash("sha256").update(gguf.readTensorBytes(t)).digest("hex"),
        }));
        expect(got).toEqual(want.tensors);
      } finally {
        gguf.close();
        rmSync(outPath, { force: true });
      }
    });
  }
});
