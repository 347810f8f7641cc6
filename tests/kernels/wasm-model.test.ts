import { existsSync, readFileSync, readdirSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { WasmBackend } from "../../src/kernels/wasm/index.js";
import { loadModel } from "../../src/model/index.js";
import { greedy, maxAbsDiff, promptLogits, readF32, trustedPrefix } from "../model/helpers.js";
import { MEMORY64, backendLabel, noteMemory64Skip, wasmBackendsOnBothBuilds } from "./wasm-builds.js";

// The model fixtures (references made by transformers, outside this project) run on the wasm backend: the
// forward pass calls only the KernelBackend interface, so these check the wasm kernels inside whole models.
const backends = wasmBackendsOnBothBuilds([{ threads: 1 }, { threads: 2 }]);
noteMemory64Skip();
afterAll(async () => {
  await Promise.all(backends.map((b) => b.close()));
});

const ARCH_DIR = "tests/fixtures/arch";
const archs = readdirSync(ARCH_DIR).filter((n) => existsSync(`${ARCH_DIR}/${n}/reference.json`));

describe.each(backends.map((b) => [backendLabel(b), b] as const))("%s", (_label, backend) => {
  it.each(archs)("architecture fixture %s: logits within 1e-4 of transformers", async (name) => {
    const dir = `${ARCH_DIR}/${name}`;
    const ref = JSON.parse(readFileSync(`${dir}/reference.json`, "utf8")) as { input_ids: number[] };
    const model = loadModel(dir, { backend });
    const want = readF32(`${dir}/logits.f32`);
    expect(maxAbsDiff(await promptLogits(model, ref.input_ids), want)).toBeLessThan(1e-4);
    // Chunked prefill (3 tokens a step) goes through the paged KV cache and the multi-token kernels.
    expect(maxAbsDiff(await promptLogits(model, ref.input_ids, 3), want)).toBeLessThan(1e-4);
  });

  it("stories-7m F16 GGUF: prompt logits within 2e-3 of transformers, greedy tokens match", async () => {
    const model = loadModel("models/stories-7m/stories-7m-f16.gguf", { backend });
    const reference = JSON.parse(readFileSync("models/stories-7m/reference.json", "utf8")) as {
      prompts: { ids: number[]; greedy: number[]; greedy_margins: number[] }[];
    };
    const p0 = reference.prompts[0]!;
    expect(maxAbsDiff(await promptLogits(model, p0.ids), readF32("models/stories-7m/prompt0_logits.f32"))).toBeLessThan(2e-3);
    for (const p of reference.prompts) {
      const n = Math.min(24, trustedPrefix(p.greedy_margins));
      expect(await greedy(model, p.ids, n)).toEqual(p.greedy.slice(0, n));
    }
  });
});

/** Index of the first float whose bits differ, or -1. */
function firstBitDifference(a: Float32Array, b: Float32Array): number {
  const [ua, ub] = [new Uint32Array(a.buffer, a.byteOffset, a.length), new Uint32Array(b.buffer, b.byteOffset, b.length)];
  if (ua.length !== ub.length) return Math.min(ua.length, ub.length);
  return ua.findIndex((v, i) => v !== ub[i]);
}

// The memory64 build is the same kernels with 64-bit addresses: the same arithmetic, so the same bits. One thread,
// fresh backends on both sides, neither the process's first: two 32-bit backends already differ in the last bits
// (up to 5e-6) with two threads (which thread takes which chunk), and the first backend of a process from the others
// (seen on main before memory64), so only this setting compares the builds and nothing else.
describe.skipIf(!MEMORY64)("memory64 and 32-bit builds", () => {
  it("stories-7m: identical prompt logits (whole and chunked prompts) and greedy tokens", async () => {
    const reference = JSON.parse(readFileSync("models/stories-7m/reference.json", "utf8")) as { prompts: { ids: number[] }[] };
    {
      const [b32, b64] = [false, true].map((memory64) => new WasmBackend({ threads: 1, memory64 })) as [WasmBackend, WasmBackend];
      const [m32, m64] = [b32, b64].map((backend) => loadModel("models/stories-7m/stories-7m-f16.gguf", { backend }));
      for (const p of reference.prompts) {
        expect(firstBitDifference(await promptLogits(m64!, p.ids), await promptLogits(m32!, p.ids))).toBe(-1);
        expect(firstBitDifference(await promptLogits(m64!, p.ids, 3), await promptLogits(m32!, p.ids, 3))).toBe(-1);
        expect(await greedy(m64!, p.ids, 32)).toEqual(await greedy(m32!, p.ids, 32));
      }
      await Promise.all([b32.close(), b64.close()]);
    }
  });
});
