import { describe, expect, it } from "vitest";
import { giveBackRunner, takeRunner } from "../../src/engine/runner-pool.js";
import { loadModel } from "../../src/model/load-model.js";

// generate() keeps one idle runner (KV store) per model, so that repeated calls (chat turns, a page's requests) do
// not allocate a store each: the wasm backend's memory never frees.
describe("runner pool", () => {
  const model = loadModel("models/stories-7m/stories-7m-f16.gguf");

  it("gives the idle runner back for the same context, a new one while it is taken or for another size", () => {
    const a = takeRunner(model, 64);
    const b = takeRunner(model, 64);
    expect(b).not.toBe(a); // a is in use
    expect([a.ctxLen, a.numBlocks, a.blockSize]).toEqual([64, 4, 16]);
    giveBackRunner(model, a);
    expect(takeRunner(model, 64)).toBe(a);
    giveBackRunner(model, a);
    const c = takeRunner(model, 128);
    expect(c).not.toBe(a);
    expect(c.ctxLen).toBe(128);
  });
});
