import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openGguf, openGgufSplitParts } from "../../src/formats/index.js";
import { loadModel } from "../../src/model/load-model.js";
import { splitGguf } from "../helpers/split-gguf.js";

// Split GGUFs as llama-gguf-split lays them out (tests/helpers/split-gguf.ts); the generation check against
// transformers' greedy text is in tests/hub/hub-cli.test.ts.
describe("split GGUF", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsinfer-split-test-"));
  const parts = splitGguf("models/stories-7m/stories-7m-f16.gguf", join(dir, "m-F16"), 3);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("the first part opens all three; the tensors are those of the unsplit file", () => {
    const whole = openGguf("models/stories-7m/stories-7m-f16.gguf");
    const first = openGguf(parts[0]!);
    const all = openGgufSplitParts(first);
    try {
      expect(all.map((p) => p.path)).toEqual(parts);
      expect(all.flatMap((p) => p.tensors.map((t) => t.name))).toEqual(whole.tensors.map((t) => t.name));
      const model = loadModel(parts[0]!);
      expect(model.config.nLayers).toBe(8);
    } finally {
      for (const p of all) p.close();
      whole.close();
    }
  });

  it("a later part, or a missing part: a clear error naming the file", () => {
    expect(() => loadModel(parts[1]!)).toThrow(/m-F16-00002-of-00003.gguf: is part 2 of a 3-part split GGUF; open the first part/);
    rmSync(parts[2]!);
    expect(() => loadModel(parts[0]!)).toThrow(/m-F16-00003-of-00003.gguf: part 3 of 3 of the split GGUF .* is missing/);
  });
});
