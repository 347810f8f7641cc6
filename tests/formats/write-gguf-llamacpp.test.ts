import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GgufValueType, openGguf, writeGguf } from "../../src/formats/index.js";
import type { GgufKv } from "../../src/formats/index.js";

const tmp = "tests/tmp/formats";
const storiesPath = "models/stories-7m/stories-7m-f16.gguf";
const prompt = [1, 421, 429, 261, 398]; // "Once upon a time", BOS first

function llamaCppGreedy(modelPath: string): number[] {
  const out = execFileSync("node", ["tests/formats/helpers/llamacpp-greedy.mjs", modelPath, prompt.join(","), "16"], {
    encoding: "utf8",
    timeout: 60_000,
  });
  return (JSON.parse(out.trim().split("\n").pop()!) as { generated: number[] }).generated;
}

describe("writeGguf output loads in llama.cpp (node-llama-cpp 3.21.1)", () => {
  it("gives the same 16 greedy tokens as the original stories-7m, re-written as-is and re-laid-out", () => {
    mkdirSync(tmp, { recursive: true });
    const src = openGguf(storiesPath);
    const plain = `${tmp}/stories-7m-rewritten.gguf`;
    const relaid = `${tmp}/stories-7m-relaid.gguf`;
    try {
      const tensors = src.tensors.map((t) => ({ ...t, data: () => src.readTensorBytes(t) }));
      writeGguf(plain, src.kvs, tensors);
      // Version 2, 128-byte alignment, tensors in reverse order: a layout gguf-py did not produce.
      const kvs: GgufKv[] = [{ key: "general.alignment", type: GgufValueType.UINT32, value: 128 }, ...src.kvs];
      writeGguf(relaid, kvs, [...tensors].reverse(), { version: 2 });
    } finally {
      src.close();
    }
    const reference = JSON.parse(readFileSync("models/stories-7m/reference.json", "utf8")) as {
      prompts: { ids: number[]; greedy: number[] }[];
    };
    expect(reference.prompts[0]!.ids).toEqual(prompt);
    const original = llamaCppGreedy(storiesPath);
    expect(original).toEqual(reference.prompts[0]!.greedy.slice(0, 16)); // transformers' greedy tokens
    expect(llamaCppGreedy(plain)).toEqual(original);
    expect(llamaCppGreedy(relaid)).toEqual(original);
    const back = openGguf(relaid);
    try {
      expect(back.alignment).toBe(128);
      expect(back.tensors[0]!.name).toBe("output_norm.weight"); // the original's last tensor comes first
    } finally {
      back.close();
    }
  }, 240_000);
});
