import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeWithContextLength } from "../helpers/long-context-gguf.js";
import { startServe, STORIES_GGUF } from "./serve-process.js";

// stories-7m's f16 GGUF rewritten to declare 131072 (and 2^20) positions, as long-context models' files do: `serve`
// once died on it ("Start offset -2129603840 is outside the bounds of the buffer"). Without --ctx-size the context
// is fitted to the machine and said so on stderr; the answers stay transformers' greedy text (reference.json).
const reference = JSON.parse(readFileSync("models/stories-7m/reference.json", "utf8")) as { prompts: { prompt: string; greedy_text: string }[] };
const dir = mkdtempSync(join(tmpdir(), "tsinfer-long-ctx-"));
const LONG = join(dir, "stories-131072.gguf");
const HUGE = join(dir, "stories-1048576.gguf");

function tsinfer(...args: string[]): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(process.execPath, ["bin/tsinfer.js", ...args], { encoding: "utf8", timeout: 120_000 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

beforeAll(() => {
  writeWithContextLength(STORIES_GGUF, LONG, 131072);
  writeWithContextLength(STORIES_GGUF, HUGE, 1 << 20);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a GGUF declaring a 131072-token context", () => {
  it("serve starts with a fitted context, says so, and answers with the reference's greedy text", async () => {
    const server = await startServe([], 60_000, {}, ["-m", LONG]);
    try {
      const log = server.output();
      const m = /n_ctx = (\d+), fitted: the model declares 131072 but 8 × 131072 tokens of KV cache \((\d+) MiB\) exceed ([^;]+); KV cache (\d+) tokens/.exec(log);
      expect(m, log).not.toBeNull();
      const ctxLen = Number(m![1]);
      expect(ctxLen).toBeGreaterThanOrEqual(4096);
      expect(ctxLen).toBeLessThan(131072);
      expect(Number(m![2])).toBe((8 * 131072 * 8192) / 2 ** 20); // 8 sequences × 8192 bytes per token (f32 K and V)
      expect(log).toContain(`ctx ${ctxLen},`);
      const models = (await (await fetch(`${server.url}/v1/models`)).json()) as { data: { max_model_len: number }[] };
      expect(models.data[0].max_model_len).toBe(ctxLen);
      const res = await fetch(`${server.url}/v1/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ prompt: reference.prompts[0].prompt, max_tokens: 24, temperature: 0 }),
      });
      expect(res.status).toBe(200);
      const text = ((await res.json()) as { choices: { text: string }[] }).choices[0].text;
      expect(reference.prompts[0].greedy_text.startsWith(text)).toBe(true);
      expect(text.length).toBeGreaterThan(60);
      console.log(`fitted: ${m![0]}`);
    } finally {
      await server.stop();
    }
  }, 90_000);

  it("serve with an explicit --ctx-size of which not even one sequence fits exits with an error naming the sizes", () => {
    const r = tsinfer("serve", "-m", HUGE, "--port", "0", "--ctx-size", "1048576");
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/--ctx-size 1048576 needs a KV cache of 8192 MiB \(8192 bytes per token\), more than the budget of \d+ MiB set by/);
    expect(r.stderr).not.toMatch(/outside the bounds|RangeError|\n\s+at /);
  }, 60_000);

  it("run uses the declared context when one sequence fits, and a fitted one (said on stderr) when not", () => {
    const fits = tsinfer("run", "-m", LONG, "-p", reference.prompts[0].prompt, "--temp", "0", "-n", "24");
    expect(fits.status, fits.stderr).toBe(0);
    expect(reference.prompts[0].greedy_text.startsWith(fits.stdout.trimEnd())).toBe(true);
    expect(fits.stderr).not.toContain("fitted");

    const huge = tsinfer("run", "-m", HUGE, "-p", reference.prompts[0].prompt, "--temp", "0", "-n", "24");
    expect(huge.status, huge.stderr).toBe(0);
    expect(huge.stderr).toMatch(/n_ctx = \d+, fitted: the model declares 1048576 but 1 × 1048576 tokens of KV cache \(8192 MiB\) exceed/);
    expect(huge.stdout.trimEnd()).toBe(fits.stdout.trimEnd());

    const tooBig = tsinfer("run", "-m", HUGE, "-p", "Once", "--ctx-size", "1048576");
    expect(tooBig.status).not.toBe(0);
    expect(tooBig.stderr).toMatch(/--ctx-size 1048576 needs a KV cache of 8192 MiB/);
  }, 120_000);
});
