import { closeSync, copyFileSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FormatError } from "../../src/errors.js";
import { openGguf, openSafetensors } from "../../src/formats/index.js";
import { mulberry32 as prng } from "../../src/server/bench/mulberry32.js";

// Deterministic fuzzing: truncations and byte edits of real files, each of which must end in a FormatError or a
// successful read within a second of CPU time — never another exception type, a hang or a huge allocation.
const tmp = "tests/tmp/formats/fuzz";
mkdirSync(tmp, { recursive: true });


interface Outcome {
  ok: number;
  formatErrors: number;
  slowestMs: number;
}

/** Opens `path` with `open`; anything but success or a FormatError fails the test with the case named. */
function attempt(path: string, label: string, open: (p: string) => void, outcome: Outcome): void {
  // CPU time, not wall time: the shared test machine can stall a process for seconds; a hang burns CPU.
  const start = process.cpuUsage();
  try {
    open(path);
    outcome.ok++;
  } catch (err) {
    if (!(err instanceof FormatError)) throw new Error(`${label}: ${String(err)} is not a FormatError`, { cause: err });
    outcome.formatErrors++;
  }
  const used = process.cpuUsage(start);
  const elapsedMs = (used.user + used.system) / 1000;
  outcome.slowestMs = Math.max(outcome.slowestMs, elapsedMs);
  if (elapsedMs > 1000) throw new Error(`${label}: took ${elapsedMs.toFixed(0)} ms of CPU`);
}

interface FuzzPlan {
  source: string;
  seed: number;
  truncations: number;
  edits: number;
  /** Byte edits land in [0, headerEnd): the part a parser reads. */
  headerEnd: number;
  open: (path: string) => void;
}

function fuzz(plan: FuzzPlan): Outcome {
  const random = prng(plan.seed);
  const original = readFileSync(plan.source);
  const name = plan.source.split("/").pop()!;
  const outcome: Outcome = { ok: 0, formatErrors: 0, slowestMs: 0 };
  const cut = `${tmp}/cut-${name}`;
  for (let i = 0; i < plan.truncations; i++) {
    // Half the cuts inside the header, half anywhere.
    const limit = i % 2 === 0 ? plan.headerEnd : original.length;
    const length = Math.floor(random() * limit);
    writeFileSync(cut, original.subarray(0, length));
    attempt(cut, `${name} truncated to ${length} bytes`, plan.open, outcome);
  }
  const edited = `${tmp}/edit-${name}`;
  copyFileSync(plan.source, edited);
  for (let i = 0; i < plan.edits; i++) {
    const edits: { position: number; bytes: Uint8Array }[] = [];
    const count = 1 + Math.floor(random() * 4);
    for (let e = 0; e < count; e++) {
      const position = Math.floor(random() * plan.headerEnd);
      // Mostly single-bit-ish flips; sometimes a run of 0xff (absurd counts, lengths, offsets).
      const bytes =
        random() < 0.25
          ? new Uint8Array(Math.min(8, plan.headerEnd - position)).fill(0xff)
          : Uint8Array.of(original[position]! ^ (1 + Math.floor(random() * 255)));
      edits.push({ position, bytes });
    }
    const fd = openSync(edited, "r+");
    for (const { position, bytes } of edits) writeSync(fd, bytes, 0, bytes.length, position);
    closeSync(fd);
    const label = `${name} edited at ${edits.map((e) => `${e.position}(${e.bytes.length})`).join(",")}`;
    attempt(edited, label, plan.open, outcome);
    const restore = openSync(edited, "r+");
    for (const { position, bytes } of edits) writeSync(restore, original, position, bytes.length, position);
    closeSync(restore);
  }
  return outcome;
}

function openGgufAndRead(path: string): void {
  const gguf = openGguf(path);
  try {
    const first = gguf.tensors[0];
    const last = gguf.tensors[gguf.tensors.length - 1];
    if (first) gguf.readTensorBytes(first);
    if (last) gguf.readTensorBytes(last);
    gguf.getArray("tokenizer.ggml.tokens");
  } finally {
    gguf.close();
  }
}

function openSafetensorsAndRead(path: string): void {
  const st = openSafetensors(path);
  try {
    for (const t of st.tensors) st.readTensorBytes(t);
  } finally {
    st.close();
  }
}

function headerEndOfGguf(path: string): number {
  const gguf = openGguf(path);
  const end = Math.min(gguf.dataOffset, gguf.fileSizeBytes);
  gguf.close();
  return end;
}

function headerEndOfSafetensors(path: string): number {
  return 8 + Number(readFileSync(path).readBigUInt64LE(0));
}

describe("fuzzed model files end in a FormatError or a successful read", () => {
  const cases: [string, Omit<FuzzPlan, "headerEnd">, (p: string) => number][] = [
    ["tests/fixtures/quant/quant-types.gguf", { source: "", seed: 1, truncations: 100, edits: 250, open: openGgufAndRead }, headerEndOfGguf],
    ["tests/fixtures/vocab/ggml-vocab-llama-spm.gguf", { source: "", seed: 2, truncations: 40, edits: 100, open: openGgufAndRead }, headerEndOfGguf],
    ["models/stories-7m/stories-7m-f16.gguf", { source: "", seed: 3, truncations: 40, edits: 120, open: openGgufAndRead }, headerEndOfGguf],
    [
      "tests/fixtures/arch/llama/model.safetensors",
      { source: "", seed: 4, truncations: 100, edits: 250, open: openSafetensorsAndRead },
      headerEndOfSafetensors,
    ],
  ];
  it.each(cases)("%s", (source, plan, headerEnd) => {
    const outcome = fuzz({ ...plan, source, headerEnd: headerEnd(source) });
    expect(outcome.ok + outcome.formatErrors).toBe(plan.truncations + plan.edits);
    // Both outcomes occur: edits in the header are caught, and some (e.g. in string bytes) legitimately read fine.
    expect(outcome.formatErrors).toBeGreaterThan(plan.truncations / 2);
    expect(outcome.slowestMs).toBeLessThan(1000);
  }, 60_000);
});
