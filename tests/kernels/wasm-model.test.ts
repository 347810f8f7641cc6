import { existsSync, readFileSync, readdirSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { WasmBackend } from "../../src/kernels/wasm/index.js";
import { loadModel } from "../../src/model/index.js";
import { greedy, maxAbsDiff, promptLogits, readF32, trustedPrefix } from "../model/helpers.js";

// The model fixtures (references made by transformers, outside this project) run on the wasm backend: the
// forward pass calls only the KernelBackend interface, so these check the wasm kernels inside whole models.
const backends = [new WasmBackend({ threads: 1 }), new WasmBackend({ threads: 2 })];
afterAll(async () => {
  await Promise.all(backends.map((b) => b.close()));
});

const ARCH_DIR = "tests/fixtures/arch";
const archs = readdirSync(ARCH_DIR).filter((n) => existsSync(`${ARCH_DIR}/${n}/reference.json`));

describe.each(backends.map((b) => [`${b.threads} thread(s)`, b] as const))("wasm backend, %s", (_label, backend) => {
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
