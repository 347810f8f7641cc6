import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { quantizeModel } from "../../src/quantize/index.js";

// llama.cpp loads the Q4_K_M file tsinfer writes and generates exactly what it generates from its own Q4_K_M file.
const fixture = JSON.parse(readFileSync(new URL("fixtures/llamacpp-q4_k_m-greedy.json", import.meta.url), "utf8")) as {
  n: number;
  prompts: number[][];
  generated: number[][];
};

it("node-llama-cpp runs tsinfer's Q4_K_M stories-7m with llama.cpp's own greedy tokens", { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "tsinfer-quantize-llamacpp-"));
  try {
    const out = join(dir, "stories-7m-Q4_K_M.gguf");
    quantizeModel("models/stories-7m/stories-7m-f16.gguf", out, "Q4_K_M");
    const stdout = execFileSync(
      "node",
      ["tests/quant/helpers/llamacpp-greedy.mjs", out, JSON.stringify(fixture.prompts), String(fixture.n)],
      { encoding: "utf8", timeout: 60_000 },
    );
    const { generated } = JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as { generated: number[][] };
    expect(generated).toEqual(fixture.generated);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
