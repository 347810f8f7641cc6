import { setImmediate as nextTurn } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import type { ForwardBatch } from "../../src/engine/batch-model.js";
import { EngineCore } from "../../src/engine/engine-core.js";
import { EngineDeadError } from "../../src/engine/engine-dead-error.js";
import type { EngineRequest, RequestListener } from "../../src/engine/engine-request.js";
import type { RequestParams } from "../../src/engine/request-params.js";
import { BackendFailedError } from "../../src/errors.js";
import { resolveSamplingParams } from "../../src/sampling/sampling-params.js";
import { CountingModel } from "./fake-model.js";

// Fault isolation (engine-core.ts): the engine is under test, so the model is the counting stand-in with a forward
// pass that throws on demand and a whenReady the test controls.
class FaultyModel extends CountingModel {
  /** Thrown by the next forward pass. */
  fail: Error | null = null;
  readyCalls = 0;
  ready: () => Promise<void> = () => Promise.resolve();

  override async forward(b: ForwardBatch): Promise<Float32Array> {
    const err = this.fail;
    this.fail = null;
    if (err) throw err;
    return super.forward(b);
  }

  whenReady(): Promise<void> {
    this.readyCalls++;
    return this.ready();
  }
}

function params(maxTokens: number): RequestParams {
  return { maxTokens, sampling: resolveSamplingParams({ temperature: 0, seed: 1 }, 64), topLogprobs: null, stopTokenIds: new Set() };
}

class Collect implements RequestListener {
  tokens = new Map<string, number[]>();
  finished: string[] = [];
  onToken(req: EngineRequest, ev: { token: number }): void {
    this.tokens.set(req.id, [...(this.tokens.get(req.id) ?? []), ev.token]);
  }
  onFinish(req: EngineRequest): void {
    this.finished.push(req.id);
  }
}

function setup(maxSeqs: number) {
  const model = new FaultyModel(64, 128, 4, 64);
  let clock = 0;
  const engine = new EngineCore(model, { maxBatchTokens: 16, maxSeqs, traceTopK: 2, now: () => clock++ });
  return { model, engine, out: new Collect() };
}

async function drain(engine: EngineCore): Promise<void> {
  for (let n = 0; engine.scheduler.hasWork && n < 1000; n++) await engine.step();
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > 2000) throw new Error(`timed out waiting for ${what}`);
    await nextTurn();
  }
}

describe("EngineCore fault isolation", () => {
  it("a forward pass that throws fails its batch only; waiting requests complete later, and so does the next one", async () => {
    const { model, engine, out } = setup(2);
    const a = engine.add("a", [1, 2, 3], params(5), out);
    const b = engine.add("b", [5, 6, 7], params(5), out);
    const c = engine.add("c", [10, 11, 12], params(4), out); // waits: two sequences at most
    const d = engine.add("d", [20, 21], params(3), out);
    await engine.step();
    model.fail = new Error("kernel fault");
    expect((await engine.step())?.nFailed).toBe(2);
    for (const r of [a, b]) expect([r.finishReason, r.error?.message]).toEqual(["abort", "kernel fault"]);
    expect(out.finished).toEqual(["a", "b"]);
    expect(out.tokens.get("a")).toEqual([4]);
    expect([c.status, d.status, c.error, d.error]).toEqual(["waiting", "waiting", null, null]);
    expect(engine.cache.stats().usedBlocks).toBe(0);
    await drain(engine);
    expect(out.tokens.get("c")).toEqual([13, 14, 15, 16]);
    expect(out.tokens.get("d")).toEqual([22, 23, 24]);
    expect([c.finishReason, d.finishReason, c.error, d.error]).toEqual(["length", "length", null, null]);
    const e = engine.add("e", [30, 31], params(3), out);
    await drain(engine);
    expect([e.finishReason, out.tokens.get("e")]).toEqual(["length", [32, 33, 34]]);
    expect(engine.fatalError).toBeNull();
    expect(engine.cache.stats().usedBlocks).toBe(0);
  });

  it("never serves blocks a failed pass wrote from the prefix cache", async () => {
    const { model, engine, out } = setup(2);
    const prompt = [1, 2, 3, 4, 5, 6, 7, 8, 9]; // two full blocks of 4
    model.fail = new Error("kernel fault");
    const x = engine.add("x", prompt, params(2), out);
    await engine.step();
    expect(x.error?.message).toBe("kernel fault");
    const y = engine.add("y", prompt, params(2), out);
    await drain(engine);
    expect([y.numCachedPromptTokens, out.tokens.get("y")]).toEqual([0, [10, 11]]);
    const z = engine.add("z", prompt, params(2), out); // y's completed blocks are shared as usual
    await drain(engine);
    expect([z.numCachedPromptTokens, out.tokens.get("z")]).toEqual([8, [10, 11]]);
  });

  it("run(): after a failed batch the loop waits for the model to be ready, then serves the queue", async () => {
    const { model, engine, out } = setup(1);
    let becomeReady = (): void => undefined;
    model.ready = () => new Promise<void>((resolve) => (becomeReady = resolve));
    model.fail = new Error("worker 1 exited");
    const loop = engine.run();
    const a = engine.add("a", [1, 2], params(3), out);
    const b = engine.add("b", [7, 8], params(3), out);
    await until(() => a.isFinished, "a to fail");
    expect(a.error?.message).toBe("worker 1 exited");
    for (let i = 0; i < 20; i++) await nextTurn();
    expect([model.readyCalls, model.batches.length, b.status]).toEqual([1, 0, "waiting"]);
    becomeReady();
    await until(() => b.isFinished, "b to finish");
    expect([b.error, out.tokens.get("b")]).toEqual([null, [9, 10, 11]]);
    await engine.stop();
    await loop;
  });

  for (const how of ["the backend reports BackendFailedError", "the model cannot get ready again"]) {
    it(`fails closed when ${how}: every request ends with the error, the engine reports itself dead`, async () => {
      const { model, engine, out } = setup(1);
      const cause = new BackendFailedError("wasm thread pool: cannot start pool workers");
      if (how.startsWith("the backend")) model.fail = cause;
      else {
        model.fail = new Error("worker 1 exited");
        model.ready = () => Promise.reject(cause);
      }
      const fatal: Error[] = [];
      engine.onFatal = (err) => fatal.push(err);
      const loop = engine.run();
      const reqs = ["a", "b", "c"].map((id, i) => engine.add(id, [i + 1, i + 2], params(3), out));
      await loop; // the loop ends by itself
      expect(fatal).toEqual([cause]);
      expect(engine.fatalError).toBe(cause);
      for (const r of reqs) expect([r.finishReason, r.error]).toEqual(["abort", r.id === "a" && how.startsWith("the model") ? new Error("worker 1 exited") : cause]);
      expect(out.finished.sort()).toEqual(["a", "b", "c"]);
      expect(() => engine.add("d", [1], params(1), out)).toThrow(EngineDeadError);
      await expect(engine.step()).rejects.toThrow(EngineDeadError);
      expect(engine.cache.stats().usedBlocks).toBe(0);
    });
  }
});
