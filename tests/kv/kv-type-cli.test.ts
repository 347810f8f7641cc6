import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

// --kv-type through the built CLI (npm test builds dist/ first). References: models/stories-7m/reference.json
// (transformers' greedy text) and the f32 run of the same command (the q8_0 perplexity must stay within 2 %).
const model = "models/stories-7m/stories-7m-f16.gguf";
const heldout = "tests/fixtures/data/tinystories-heldout.txt";
const ref = JSON.parse(readFileSync("models/stories-7m/reference.json", "utf8")) as { prompts: { prompt: string; greedy_text: string }[] };

function tsinfer(...args: string[]): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync("node", ["bin/tsinfer.js", ...args], { encoding: "utf8", timeout: 240_000 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

describe("tsinfer --kv-type", () => {
  it("run --kv-type f16 --temp 0 decodes the reference greedy text and reports the KV bytes per token", () => {
    const p = ref.prompts[0]!;
    const r = tsinfer("run", "-m", model, "-p", p.prompt, "-n", "64", "--temp", "0", "--kv-type", "f16", "--json");
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { text: string; kvType: string; kvBytesPerToken: number };
    expect(out.text).toBe(p.greedy_text);
    expect(out.kvType).toBe("f16");
    expect(out.kvBytesPerToken).toBe(8 * 2 * 128 * 2);
    const s = tsinfer("run", "-m", model, "-p", p.prompt, "-n", "4", "--temp", "0", "--kv-type", "q8_0");
    expect(s.status, s.stderr).toBe(0);
    expect(s.stderr).toContain("KV cache: q8_0, 2.13 KiB/token (2176 bytes per token)");
  }, 240_000);

  it("perplexity with a q8_0 KV cache is within 2 % of f32's (first 4 chunks of 256 tokens)", () => {
    const run = (kvType: string): { ppl: number; kvType: string; kvBytesPerToken: number } => {
      const r = tsinfer("perplexity", "-m", model, "-f", heldout, "-c", "256", "--chunks", "4", "--kv-type", kvType, "--json");
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { ppl: number; kvType: string; kvBytesPerToken: number };
    };
    const [f32, q8] = [run("f32"), run("q8_0")];
    expect([f32.kvType, f32.kvBytesPerToken, q8.kvType, q8.kvBytesPerToken]).toEqual(["f32", 8192, "q8_0", 2176]);
    expect(Math.abs(q8.ppl / f32.ppl - 1)).toBeLessThan(0.02);
  }, 240_000);

  it("bench --json reports kvType and kvBytesPerToken", () => {
    const r = tsinfer("bench", "-m", model, "-p", "8", "-n", "4", "--reps", "1", "--kv-type", "f16", "--json");
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { kvType: string; kvBytesPerToken: number };
    expect([out.kvType, out.kvBytesPerToken]).toEqual(["f16", 4096]);
  }, 240_000);

  it("an unknown type is one error line and exit 1", () => {
    const r = tsinfer("run", "-m", model, "-p", "hi", "--kv-type", "q4_0");
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/--kv-type.*q4_0/);
  });
});
