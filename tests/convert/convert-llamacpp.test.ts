import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

// Each fixture (Hugging Face transformers references, tests/fixtures/arch) is converted by `tsinfer convert
// --type f32`; llama.cpp (node-llama-cpp 3.21.1, run by llamacpp-greedy.mjs) must then continue reference.json's
// greedy_prompt with its greedy_tokens, up to the first step whose top-1/top-2 margin is ≤ 1e-3 (where float32
// engines may legitimately disagree).
// gemma2 is not in this list: its fixture has an untied lm_head, and llama.cpp's gemma2 graph always reads the
// output projection from token_embd (it rejects a file with output.weight), so no GGUF can make llama.cpp match it.
const fixtures = ["llama", "qwen2-tied-bias", "phi3-partial-rotary"];

const tmp = join("tests", "tmp", "convert-llamacpp");
mkdirSync(tmp, { recursive: true });
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Reference {
  greedy_prompt: number[];
  greedy_tokens: number[];
  greedy_margins: number[];
}

describe("tsinfer convert --type f32 → llama.cpp greedy tokens equal transformers'", () => {
  for (const name of fixtures) {
    it(name, () => {
      const dir = join("tests", "fixtures", "arch", name);
      const ref = JSON.parse(readFileSync(join(dir, "reference.json"), "utf8")) as Reference;
      const out = join(tmp, `${name}.gguf`);
      execFileSync("node", ["bin/tsinfer.js", "convert", dir, out, "--type", "f32"], { stdio: ["ignore", "ignore", "pipe"] });
      const stdout = execFileSync(
        "node",
        ["tests/convert/llamacpp-greedy.mjs", "--model", out, "--tokens", ref.greedy_prompt.join(","), "--n", String(ref.greedy_tokens.length), "--threads", "1"],
        { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
      );
      const generated = (JSON.parse(stdout) as { generated: number[] }).generated;
      const firstTight = ref.greedy_margins.findIndex((m) => m <= 1e-3);
      const n = firstTight < 0 ? ref.greedy_tokens.length : firstTight;
      expect(n).toBeGreaterThan(8);
      expect(generated.slice(0, n)).toEqual(ref.greedy_tokens.slice(0, n));
    }, 120_000);
  }
});
