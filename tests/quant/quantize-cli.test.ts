import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openGguf } from "../../src/formats/index.js";
import { ggmlTypeName } from "../../src/quant/ggml-type.js";
import { quantizeModel } from "../../src/quantize/index.js";

// The CLI command and the Hugging Face input path, checked against llama-quantize's Q8_0 hashes (fast to make).
const reference = JSON.parse(readFileSync("models/stories-7m/llama-quantize/tensor-hashes.json", "utf8")) as Record<
  string,
  { file_type: number; tensors: { name: string; type: string; shape: number[]; sha256: string }[] }
>;
const dir = mkdtempSync(join(tmpdir(), "tsinfer-quantize-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tensorHashes(path: string): { name: string; type: string | undefined; shape: number[]; sha256: string }[] {
  const gguf = openGguf(path);
  try {
    return gguf.tensors.map((t) => ({
      name: t.name,
      type: ggmlTypeName(t.type),
      shape: t.shape,
      sha256: createHash("sha256").update(gguf.readTensorBytes(t)).digest("hex"),
    }));
  } finally {
    gguf.close();
  }
}

describe("tsinfer quantize", () => {
  it("writes llama.cpp's Q8_0 file from the command line", { timeout: 60_000 }, () => {
    const out = join(dir, "cli-q8_0.gguf");
    const stderr = execFileSync("node", ["bin/tsinfer.js", "quantize", "models/stories-7m/stories-7m-f16.gguf", out, "q8_0"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    expect(stderr).toBe("");
    expect(tensorHashes(out)).toEqual(reference["stories-7m-Q8_0.gguf"]!.tensors);
  });

  it("fails with one line naming the bad type", () => {
    const run = spawnSync("node", ["bin/tsinfer.js", "quantize", "models/stories-7m/stories-7m-f16.gguf", join(dir, "x.gguf"), "Q9_K"], {
      encoding: "utf8",
    });
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toContain('quantization type "Q9_K" is not one of F32, F16, BF16, Q4_0');
  });

  it("quantizes a Hugging Face directory (converted to F16 first) to the same bytes", { timeout: 120_000 }, () => {
    const out = join(dir, "hf-q8_0.gguf");
    const result = quantizeModel("models/stories-7m/hf", out, "Q8_0");
    expect(result.fileType).toBe(7);
    expect(tensorHashes(out)).toEqual(reference["stories-7m-Q8_0.gguf"]!.tensors);
  });

  it("refuses to requantize an already quantized file unless asked", { timeout: 60_000 }, () => {
    const q8 = join(dir, "base-q8_0.gguf");
    quantizeModel("models/stories-7m/stories-7m-f16.gguf", q8, "Q8_0");
    expect(() => quantizeModel(q8, join(dir, "re.gguf"), "Q4_0")).toThrow(/tensor token_embd\.weight is already Q8_0; requantizing is disabled/);
  });
});
