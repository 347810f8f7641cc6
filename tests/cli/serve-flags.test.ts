import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { modelArgs, modelsInDir } from "../../src/cli/serve/model-args.js";
import { parseByteSize } from "../../src/cli/serve/parse-byte-size.js";
import { parseKeepAlive } from "../../src/cli/serve/parse-keep-alive.js";

// Flag syntax from ollama (OLLAMA_KEEP_ALIVE: Go durations, bare seconds, 0, negative = forever) and the usual SI/IEC sizes.
describe("serve flags", () => {
  it("--keep-alive reads durations as ollama does", () => {
    expect(parseKeepAlive("5m")).toBe(300_000);
    expect(parseKeepAlive("30s")).toBe(30_000);
    expect(parseKeepAlive("1h30m")).toBe(5_400_000);
    expect(parseKeepAlive("500ms")).toBe(500);
    expect(parseKeepAlive("1.5s")).toBe(1500);
    expect(parseKeepAlive("90")).toBe(90_000);
    expect(parseKeepAlive("0")).toBe(0);
    expect(parseKeepAlive("-1")).toBeNull();
    expect(parseKeepAlive("-5m")).toBeNull();
    expect(() => parseKeepAlive("soon")).toThrow("--keep-alive soon: expected a duration such as 5m, 30s, 1h, 0 (unload at once) or -1 (never)");
    expect(() => parseKeepAlive("5x")).toThrow(/--keep-alive 5x/);
    expect(() => parseKeepAlive("5m garbage")).toThrow(/--keep-alive/);
  });

  it("--max-memory reads SI and IEC sizes", () => {
    expect(parseByteSize("--max-memory", "2GiB")).toBe(2 * 2 ** 30);
    expect(parseByteSize("--max-memory", "512MiB")).toBe(512 * 2 ** 20);
    expect(parseByteSize("--max-memory", "1.5GB")).toBe(1.5e9);
    expect(parseByteSize("--max-memory", "1000")).toBe(1000);
    expect(() => parseByteSize("--max-memory", "lots")).toThrow("--max-memory lots: expected a size such as 2GiB, 512MiB or 1.5GB");
    expect(() => parseByteSize("--max-memory", "0")).toThrow(/above 0/);
  });

  const dir = mkdtempSync(join(tmpdir(), "tsinfer-models-dir-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("-m [names=]path, --served-model-name per model, --models-dir", () => {
    expect(modelArgs(["models/a.gguf"], undefined, undefined)).toEqual([{ names: ["a"], path: "models/a.gguf" }]);
    expect(modelArgs(["models/a.gguf"], undefined, ["x", "y"])).toEqual([{ names: ["x", "y"], path: "models/a.gguf" }]);
    expect(modelArgs(["tiny=models/a.gguf", "b,c=models/hf/"], undefined, undefined)).toEqual([
      { names: ["tiny"], path: "models/a.gguf" },
      { names: ["b", "c"], path: "models/hf/" },
    ]);
    expect(modelArgs(["models/a.gguf", "models/b.gguf"], undefined, ["x", "y"])).toEqual([
      { names: ["x"], path: "models/a.gguf" },
      { names: ["y"], path: "models/b.gguf" },
    ]);
    expect(() => modelArgs(["models/a.gguf", "models/b.gguf"], undefined, ["x"])).toThrow(/--served-model-name: 1 names for 2 models/);
    // A path with "=" in a directory is a path, not a name.
    expect(modelArgs(["dir/a=b.gguf"], undefined, undefined)).toEqual([{ names: ["a=b"], path: "dir/a=b.gguf" }]);

    writeFileSync(join(dir, "small.gguf"), "");
    writeFileSync(join(dir, "big-00001-of-00002.gguf"), "");
    writeFileSync(join(dir, "big-00002-of-00002.gguf"), "");
    writeFileSync(join(dir, "notes.txt"), "");
    mkdirSync(join(dir, "llama-hf"));
    writeFileSync(join(dir, "llama-hf", "config.json"), "{}");
    mkdirSync(join(dir, "empty"));
    expect(modelsInDir(dir)).toEqual([
      { names: ["big"], path: join(dir, "big-00001-of-00002.gguf") },
      { names: ["llama-hf"], path: join(dir, "llama-hf") },
      { names: ["small"], path: join(dir, "small.gguf") },
    ]);
    expect(() => modelsInDir(join(dir, "empty"))).toThrow(/no GGUF file or Hugging Face model directory/);
    expect(() => modelsInDir(join(dir, "missing"))).toThrow(/not a directory/);
  });
});
