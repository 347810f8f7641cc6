import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadModelFromBuffer } from "../../src/browser/browser-engine.js";

interface ReferencePrompt {
  prompt: string;
  greedy: number[];
  greedy_text: string;
}
const reference = JSON.parse(readFileSync("models/stories-7m/reference.json", "utf8")) as { prompts: ReferencePrompt[] };

// The browser entry's ArrayBuffer path, run under Node on the ref backend (the wasm backend's browser loading is
// covered by engine.test.ts in Chromium).
describe("loadModelFromBuffer", () => {
  it("generates stories-7m's reference greedy tokens from a GGUF in memory, twice on one reused KV cache", async () => {
    const file = readFileSync("models/stories-7m/stories-7m-f16.gguf");
    const buffer = file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength);
    const progress: number[] = [];
    const engine = await loadModelFromBuffer("stories-7m-f16.gguf", buffer, { backend: "ref", onProgress: (done) => progress.push(done) });
    expect(engine.backendInfo).toMatchObject({ name: "ref", reason: "the ref backend was asked for" });
    expect(engine.model.config).toMatchObject({ nLayers: 8, hiddenSize: 256, vocabSize: 4096, ctxLen: 512 });
    // One report per tensor (74 in the file, tied output), the last one counting all the tensor bytes.
    expect(progress.length).toBe(2 + 8 * 9);
    expect(progress.at(-1)!).toBeGreaterThan(14_000_000);
    expect(progress.at(-1)!).toBeLessThan(file.byteLength);
    for (const ref of reference.prompts.slice(0, 2)) {
      const pieces: string[] = [];
      const result = await engine.generate(ref.prompt, { maxTokens: 16, sampling: { temperature: 0 }, onText: (t) => pieces.push(t) });
      expect(result.tokenIds).toEqual(ref.greedy.slice(0, 16));
      expect(ref.greedy_text.startsWith(result.text)).toBe(true);
      expect(pieces.join("")).toBe(result.text);
    }
  }, 120_000);

  it("names the buffer in a load error", async () => {
    await expect(loadModelFromBuffer("notes.txt", new TextEncoder().encode("not a model at all"), { backend: "ref" })).rejects.toThrow(/notes\.txt.*not a GGUF file/);
  });
});
