import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { KldBaseReader } from "../../src/eval/kld-base-file.js";

// References: llama-perplexity's own logs for stories-7m (models/stories-7m/llama-quantize, llama.cpp 80fb11ac):
// `-c 256 -b 256` over tests/fixtures/data/tinystories-heldout.txt. The F16 log prints the running perplexity after
// every chunk ("[1]45.7785,[2]17.5893,…"); the Q4_K_M log prints per-chunk running PPL(Q) and mean KLD against F16.
const model = "models/stories-7m/stories-7m-f16.gguf";
const text = "tests/fixtures/data/tinystories-heldout.txt";
const logs = "models/stories-7m/llama-quantize";
const tmp = "tests/tmp/perplexity";
const cli = (...args: string[]): string => execFileSync("node", ["bin/tsinfer.js", ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

function llamaRunningPpl(): number[] {
  const log = readFileSync(`${logs}/ppl-F16.log`, "utf8");
  return [...log.matchAll(/\[(\d+)\](\d+\.\d+),/g)].map((m) => Number(m[2]));
}

interface KldRow {
  ppl: number;
  kld: number;
  sameTopPct: number;
}

function llamaKldRows(file: string): KldRow[] {
  const rows: KldRow[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m = /^\s*(\d+)\s+([\d.]+) ±\s+[\d.]+\s+[-\d.]+ ±\s+[\d.]+\s+([\d.]+) ±\s+[\d.]+\s+[\d.]+ ±\s+[\d.]+ %\s+([\d.]+) ±/.exec(line);
    if (m) rows[Number(m[1]) - 1] = { ppl: Number(m[2]), kld: Number(m[3]), sameTopPct: Number(m[4]) };
  }
  return rows;
}

describe("tsinfer perplexity against llama-perplexity", () => {
  mkdirSync(tmp, { recursive: true });
  const chunks = 6;
  let f16Ppl = 0;

  it("reproduces llama.cpp's running perplexity of the F16 model chunk by chunk within 0.1 %", () => {
    const reference = llamaRunningPpl();
    expect(reference.length).toBe(388);
    const out = cli("perplexity", "-m", model, "-f", text, "-c", "256", "--chunks", String(chunks), "--kl-divergence-base", `${tmp}/base.bin`, "--json");
    const result = JSON.parse(out) as { nChunks: number; scoredTokens: number; ppl: number; pplStderr: number };
    expect(result.nChunks).toBe(chunks);
    expect(result.scoredTokens).toBe(chunks * 127);
    expect(Math.abs(result.ppl / reference[chunks - 1]! - 1)).toBeLessThan(1e-3);
    expect(result.pplStderr).toBeGreaterThan(0);
    f16Ppl = result.ppl;
  });

  it("writes llama.cpp's KL-divergence base format, and a model compared with its own base diverges by ~0", () => {
    const reader = new KldBaseReader(`${tmp}/base.bin`);
    expect(reader.header).toMatchObject({ nCtx: 256, vocabSize: 4096, nChunks: chunks });
    // llama.cpp tokenizes the text whole with BOS first; "Once upon a time" → 421 429 261 398 (models/README).
    expect(Array.from(reader.header.tokens.slice(0, 1))).toEqual([1]);
    reader.close();
    const same = JSON.parse(cli("perplexity", "-m", model, "-c", "256", "--kl-divergence-base", `${tmp}/base.bin`, "--kl-divergence", "--json")) as {
      kld: { kld: { mean: number }; sameTop: { mean: number }; pplQ: { mean: number }; pplBase: { mean: number } };
    };
    expect(Math.abs(same.kld.kld.mean)).toBeLessThan(1e-5);
    expect(same.kld.sameTop.mean).toBe(1);
    // PPL(Q) is the plain perplexity again; PPL(base) comes from the 16-bit log-probabilities, which clamp those below
    // max - 16 (llama.cpp's own F16 base reads 12.378 against a plain 12.975), so it is lower.
    expect(Math.abs(same.kld.pplQ.mean / f16Ppl - 1)).toBeLessThan(1e-6);
    expect(same.kld.pplBase.mean).toBeLessThan(same.kld.pplQ.mean);
  });

  it("Q4_K_M (quantized by tsinfer) against the F16 base: running PPL and KLD near llama.cpp's per-chunk log", () => {
    cli("quantize", model, `${tmp}/q4km.gguf`, "Q4_K_M");
    const out = cli("perplexity", "-m", `${tmp}/q4km.gguf`, "-c", "256", "--kl-divergence-base", `${tmp}/base.bin`, "--kl-divergence", "--json");
    const r = JSON.parse(out) as { kld: { count: number; pplQ: { mean: number }; kld: { mean: number }; sameTop: { mean: number } } };
    const ref = llamaKldRows(`${logs}/ppl-Q4_K_M.log`)[chunks - 1]!;
    expect(r.kld.count).toBe(chunks * 127);
    // Over only 762 scored tokens the two engines' rounding (llama.cpp quantizes activations to 8 bits, F16 ones to
    // half) moves these by up to a few percent; the full-text comparison is in bench/quality (README table).
    expect(Math.abs(r.kld.pplQ.mean / ref.ppl - 1)).toBeLessThan(0.01);
    expect(Math.abs(r.kld.kld.mean / ref.kld - 1)).toBeLessThan(0.05);
    expect(Math.abs(100 * r.kld.sameTop.mean - ref.sameTopPct)).toBeLessThan(1.5);
  });
});
