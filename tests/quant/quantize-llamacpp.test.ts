import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { quantizeModel } from "../../src/quantize/index.js";

// llama.cpp loads the Q4_K_M file tsinfer writes and generates exactly what it generates from its own Q4_K_M file.
// Both files run through llama.cpp in this test, on this machine: llama.cpp picks a different CPU build on each
// processor (AVX2, AVX-512, AMX), whose float sums differ, so tokens recorded elsewhere are no reference here.
// llama.cpp's own file: models/stories-7m/llama-quantize/stories-7m-Q4_K_M.gguf (llama-quantize at 80fb11ac, see the
// README beside it).
const prompts = (JSON.parse(readFileSync("models/stories-7m/reference.json", "utf8")) as { prompts: { ids: number[] }[] })
  .prompts.map((p) => p.ids);
const theirs = "models/stories-7m/llama-quantize/stories-7m-Q4_K_M.gguf";
const n = 32;

function llamacppGreedy(path: string): number[][] {
  const stdout = execFileSync("node", ["tests/quant/helpers/llamacpp-greedy.mjs", path, JSON.stringify(prompts), String(n)], {
    encoding: "utf8",
    timeout: 60_000,
  });
  return (JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as { generated: number[][] }).generated;
}

const sha256 = (path: string): string => createHash("sha256").update(readFileSync(path)).digest("hex");

it("node-llama-cpp runs tsinfer's Q4_K_M stories-7m with the greedy tokens of llama.cpp's own file", { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "tsinfer-quantize-llamacpp-"));
  try {
    const ours = join(dir, "stories-7m-Q4_K_M.gguf");
    quantizeModel("models/stories-7m/stories-7m-f16.gguf", ours, "Q4_K_M");
    const expected = llamacppGreedy(theirs);
    expect(expected).toHaveLength(prompts.length);
    for (const tokens of expected) expect(tokens).toHaveLength(n);
    expect(llamacppGreedy(ours)).toEqual(expected);
    expect(sha256(ours)).toBe(sha256(theirs));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
