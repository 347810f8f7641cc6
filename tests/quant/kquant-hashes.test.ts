import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { openGguf } from "../../src/formats/index.js";
import { ggmlTypeName } from "../../src/quant/ggml-type.js";
import type { GgmlTypeName } from "../../src/quant/ggml-type.js";
import { quantTraits, rowSizeBytes } from "../../src/quant/registry.js";

// Every (tensor, type) pair that llama.cpp's llama-quantize produced from stories-7m-f16.gguf (no imatrix):
// the reference quantizer of that type must give the same bytes (SHA-256).
const modelDir = new URL("../../models/stories-7m/", import.meta.url).pathname;
const hashes = JSON.parse(readFileSync(`${modelDir}llama-quantize/tensor-hashes.json`, "utf8")) as Record<
  string,
  { tensors: { name: string; type: GgmlTypeName; shape: number[]; sha256: string }[] }
>;
const byType = new Map<GgmlTypeName, Map<string, string>>();
for (const file of Object.values(hashes)) {
  for (const t of file.tensors) {
    if (t.type === "F32") continue;
    const forType = byType.get(t.type) ?? new Map<string, string>();
    forType.set(t.name, t.sha256);
    byType.set(t.type, forType);
  }
}
const gguf = openGguf(`${modelDir}stories-7m-f16.gguf`);
afterAll(() => gguf.close());

function sourceValues(name: string): Float32Array {
  const info = gguf.tensor(name);
  if (!info) throw new Error(`no tensor ${name}`);
  const n = info.shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(n);
  quantTraits(info.type).dequantize(gguf.readTensorBytes(info), values, n);
  return values;
}

describe("reference quantizers reproduce llama-quantize's stories-7m tensors", () => {
  for (const [type, tensors] of byType) {
    it(`${type} (${tensors.size} tensors)`, () => {
      const traits = quantTraits(type);
      const mismatched: string[] = [];
      for (const [name, sha256] of tensors) {
        const values = sourceValues(name);
        const info = gguf.tensor(name);
        const cols = info?.shape[0] ?? 0;
        const out = new Uint8Array((values.length / cols) * rowSizeBytes(traits, cols));
        traits.quantize?.(values, out, values.length);
        if (createHash("sha256").update(out).digest("hex") !== sha256) mismatched.push(name);
      }
      expect(ggmlTypeName(traits.id)).toBe(type);
      expect(mismatched).toEqual([]);
    });
  }
});
