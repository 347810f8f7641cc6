import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { registerLogitsCommand } from "../../src/cli/commands/logits.js";
import { maxAbsDiff, readF32 } from "./helpers.js";

function run(args: string[]): Promise<unknown> {
  const program = new Command().exitOverride();
  registerLogitsCommand(program);
  return program.parseAsync(["node", "tsinfer", "logits", ...args]);
}

describe("tsinfer logits", () => {
  const out = join(mkdtempSync(join(tmpdir(), "tsinfer-logits-")), "logits.f32");

  it("writes transformers' logits for the gemma2 fixture, in chunks of 5", async () => {
    const dir = "tests/fixtures/arch/gemma2";
    const ref = JSON.parse(readFileSync(`${dir}/reference.json`, "utf8")) as { input_ids: number[] };
    await run(["-m", dir, "--tokens", ref.input_ids.join(","), "--out", out, "--chunk-size", "5"]);
    expect(maxAbsDiff(readF32(out), readF32(`${dir}/logits.f32`))).toBeLessThanOrEqual(1e-3);
  });

  it("writes stories-7m prompt 0 logits from the GGUF", async () => {
    await run(["-m", "models/stories-7m/stories-7m-f16.gguf", "--tokens", "1,421,429,261,398", "--out", out]);
    expect(maxAbsDiff(readF32(out), readF32("models/stories-7m/prompt0_logits.f32"))).toBeLessThanOrEqual(1e-3);
  });

  it("rejects bad token lists, out-of-vocabulary ids and bad chunk sizes", async () => {
    const m = ["-m", "tests/fixtures/arch/llama", "--out", out];
    await expect(run([...m, "--tokens", "1,x,3"])).rejects.toThrow(/entry 1 is "x"/);
    await expect(run([...m, "--tokens", "1,512"])).rejects.toThrow(/token 1 is 512, outside the vocabulary \[0, 512\)/);
    await expect(run([...m, "--tokens", "1,2", "--chunk-size", "0"])).rejects.toThrow(/--chunk-size 0/);
  });
});
