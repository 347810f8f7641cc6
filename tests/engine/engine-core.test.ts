import { describe, expect, it } from "vitest";
import { EngineCore } from "../../src/engine/engine-core.js";
import type { EngineRequest, RequestListener } from "../../src/engine/engine-request.js";
import type { RequestParams } from "../../src/engine/request-params.js";
import { resolveSamplingParams } from "../../src/sampling/sampling-params.js";
import { CountingModel } from "./fake-model.js";

function params(maxTokens: number, over: Partial<RequestParams> = {}): RequestParams {
  return {
    maxTokens,
    sampling: resolveSamplingParams({ temperature: 0, seed: 1 }, 64),
    topLogprobs: null,
    stopTokenIds: new Set(),
    ...over,
  };
}

class Collect implements RequestListener {
  tokens = new Map<string, number[]>();
  finished: string[] = [];
  onToken(req: EngineRequest, ev: { token: number }): void {
    const list = this.tokens.get(req.id) ?? [];
    list.push(ev.token);
    this.tokens.set(req.id, list);
  }
  onFinish(req: EngineRequest): void {
    this.finished.push(req.id);
  }
}

function setup(numBlocks = 64, budget = 16, maxSeqs = 8) {
  const model = new CountingModel(64, Math.min(128, numBlocks * 4), 4, numBlocks);
  let clock = 0;
  const engine = new EngineCore(model, { maxBatchTokens: budget, maxSeqs, traceTopK: 5, now: () => clock++ });
  return { model, engine, out: new Collect() };
}

async function drain(engine: EngineCore, maxSteps = 1000): Promise<number> {
  let n = 0;
  while (engine.scheduler.hasWork && n < maxSteps) {
    await engine.step();
    n++;
  }
  return n;
}

describe("EngineCore + Scheduler", () => {
  it("chunks a long prompt within the token budget while decodes keep running", async () => {
    const { model, engine, out } = setup(64, 16, 8);
    engine.add("a", [1, 2, 3], params(10), out);
    await engine.step(); // prefill a: 3 tokens
    await engine.step(); // decode a
    engine.add("long", Array.from({ length: 40 }, (_, i) => i % 60), params(2), out);
    await engine.step();
    const b = model.batches[model.batches.length - 1];
    expect(b.nTokens).toBe(16);
    expect([...b.seqs.values()]).toEqual([1, 15]); // one decode token for "a" first, then a 15-token chunk
    await drain(engine);
    expect(out.tokens.get("a")).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    expect(out.tokens.get("long")).toEqual([40 % 60, 41]);
    expect(engine.cache.stats().usedBlocks).toBe(0);
    for (const batch of model.batches) expect(batch.nTokens).toBeLessThanOrEqual(16);
  });

  it("reuses cached prefix blocks for a second request with the same start", async () => {
    const { model, engine, out } = setup(64, 64, 8);
    const prefix = Array.from({ length: 20 }, (_, i) => (i * 7) % 50);
    engine.add("first", [...prefix, 1], params(1), out);
    await drain(engine);
    const before = model.batches.length;
    const second = engine.add("second", [...prefix, 2, 3], params(1), out);
    await drain(engine);
    expect(second.numCachedPromptTokens).toBe(20);
    expect(model.batches.slice(before)[0].nTokens).toBe(2);
    expect(engine.cache.stats().hits).toBe(5);
  });

  it("shares prefix blocks only between requests with the same cache_salt", async () => {
    const { engine, out } = setup(64, 64, 8);
    const prefix = Array.from({ length: 20 }, (_, i) => (i * 7) % 50);
    engine.add("a1", [...prefix, 1], params(1, { cacheSalt: "tenant-a" }), out);
    await drain(engine);
    const b = engine.add("b", [...prefix, 2], params(1, { cacheSalt: "tenant-b" }), out);
    const plain = engine.add("plain", [...prefix, 3], params(1), out);
    await drain(engine);
    expect(b.numCachedPromptTokens).toBe(0);
    expect(plain.numCachedPromptTokens).toBe(0);
    const a2 = engine.add("a2", [...prefix, 4], params(1, { cacheSalt: "tenant-a" }), out);
    const plain2 = engine.add("plain2", [...prefix, 5], params(1), out);
    await drain(engine);
    expect(a2.numCachedPromptTokens).toBe(20);
    expect(plain2.numCachedPromptTokens).toBe(20);
    expect(out.tokens.get("a2")).toEqual([5]); // a shared block gives the same next token as a computed one
  });

  it("preempts when KV blocks run out and resumes by recomputation with identical output", async () => {
    const { engine, out } = setup(6, 64, 4); // 6 blocks × 4 tokens
    engine.add("x", [1, 2, 3, 4, 5, 6], params(8), out);
    const y = engine.add("y", [9, 10, 11, 12, 13, 14], params(8), out);
    await drain(engine);
    expect(y.numPreemptions).toBeGreaterThan(0);
    expect(engine.scheduler.running.length + engine.scheduler.waiting.length).toBe(0);
    expect(out.tokens.get("x")).toEqual([7, 8, 9, 10, 11, 12, 13, 14]);
    expect(out.tokens.get("y")).toEqual([15, 16, 17, 18, 19, 20, 21, 22]);
    expect(engine.cache.stats().usedBlocks).toBe(0);
  });

  it("frees an aborted request's blocks before the next step", async () => {
    const { engine, out } = setup(64, 64, 8);
    const reqs = [0, 1, 2, 3].map((i) => engine.add(`r${i}`, [i + 1, i + 2, i + 3, i + 4, i + 5], params(50), out));
    await engine.step();
    await engine.step();
    expect(engine.cache.stats().usedBlocks).toBe(8);
    engine.finish(reqs[1], "abort");
    engine.finish(reqs[2], "abort");
    expect(engine.cache.stats().usedBlocks).toBe(4);
    await engine.step();
    expect(engine.numRunning).toBe(2);
    await drain(engine);
    expect(out.tokens.get("r0")?.length).toBe(50);
    expect(reqs[1].finishReason).toBe("abort");
  });

  it("stops on a stop token without emitting it, and respects maxSeqs", async () => {
    const { model, engine, out } = setup(64, 64, 2);
    engine.add("s", [1], params(10, { stopTokenIds: new Set([4]) }), out);
    engine.add("t", [1], params(3), out);
    engine.add("u", [1], params(3), out);
    await drain(engine);
    expect(out.tokens.get("s")).toEqual([2, 3]);
    for (const b of model.batches) expect(b.seqs.size).toBeLessThanOrEqual(2);
    expect(out.finished.sort()).toEqual(["s", "t", "u"]);
  });

  it("records queue time, first-token time and inter-token gaps on the engine clock", async () => {
    const model = new CountingModel(64, 128, 4, 64);
    let clock = 1000;
    const engine = new EngineCore(model, { maxBatchTokens: 8, maxSeqs: 1, traceTopK: 2, now: () => clock });
    const out = new Collect();
    const a = engine.add("a", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], params(3), out); // arrives at 1000
    clock = 1010;
    const b = engine.add("b", [1, 2], params(2), out); // waits for a's sequence slot
    const times: number[] = [];
    while (engine.scheduler.hasWork) {
      clock += 5; // each step starts 5 ms later and its forward pass "takes" 20 ms on this clock
      times.push(clock);
      const f = model.forward.bind(model);
      model.forward = (batch) => {
        clock += 20;
        return f(batch);
      };
      await engine.step();
      model.forward = f;
    }
    // a: chunk of 8 tokens (no sample), then 2 more prompt tokens + first token, then 2 decode steps.
    expect(a.chunks.map((c) => [c.start, c.nTokens])).toEqual([[0, 8], [8, 2], [10, 1], [11, 1]]);
    expect(a.firstScheduledMs! - a.arrivalMs).toBe(15); // b's arrival took 10 ms, then the step started 5 ms later
    expect(a.firstTokenMs! - a.arrivalMs).toBe(15 + 20 + 5 + 20);
    expect(a.tokenTimesMs.slice(1).map((t, i) => t - a.tokenTimesMs[i])).toEqual([25, 25]);
    expect(b.firstScheduledMs! - b.arrivalMs).toBe(5 + 4 * 25); // after a's 4 steps
    expect(b.finishReason).toBe("length");
    expect(a.topAlternatives[0].length).toBe(2);
    expect(a.topAlternatives[0][0][0]).toBe(a.output[0]);
  });
});

describe("EngineCore listener failures", () => {
  it("a listener that throws ends only its own request", async () => {
    const { engine, out } = setup(64, 64, 8);
    const bad: RequestListener = {
      onToken() {
        throw new Error("client write failed");
      },
      onFinish() {},
    };
    const b = engine.add("bad", [1, 2, 3], params(5), bad);
    engine.add("good", [4, 5, 6], params(5), out);
    await drain(engine);
    expect(b.finishReason).toBe("abort");
    expect(b.error?.message).toBe("client write failed");
    expect(out.tokens.get("good")).toEqual([7, 8, 9, 10, 11]);
    expect(engine.cache.stats().usedBlocks).toBe(0);
  });
});

describe("EngineCore request limits", () => {
  // CountingModel(vocab 64, ctxLen 16, blockSize 4, 4 blocks): positions 0 … 15 fit its KV blocks, no more.
  const make = (maxModelLen?: number) => {
    const model = new CountingModel(64, 16, 4, 4);
    const engine = new EngineCore(model, { maxBatchTokens: 16, maxSeqs: 1, traceTopK: 0, now: () => 0, ...(maxModelLen !== undefined ? { maxModelLen } : {}) });
    return { model, engine, out: new Collect() };
  };
  const prompt = Array.from({ length: 12 }, (_, i) => i + 1);

  it("ends at ctxLen tokens by default (max_model_len), at ctxLen + 1 when the last sampled token may go unstored", async () => {
    const byDefault = make();
    const a = byDefault.engine.add("a", prompt, params(100), byDefault.out);
    await drain(byDefault.engine);
    expect([a.finishReason, a.numTokens, byDefault.out.tokens.get("a")]).toEqual(["length", 16, [13, 14, 15, 16]]);
    const run = make(17);
    const b = run.engine.add("b", prompt, params(100), run.out);
    await drain(run.engine);
    expect([b.finishReason, b.numTokens, run.out.tokens.get("b")]).toEqual(["length", 17, [13, 14, 15, 16, 17]]);
    // Token 17 was sampled from position 15's logits: no forward pass ever reached position 16.
    expect(run.model.batches.reduce((n, batch) => n + batch.nTokens, 0)).toBe(16);
  });

  it("maxTokens 0 computes the prompt and ends with length, sampling nothing", async () => {
    const { model, engine, out } = make();
    const a = engine.add("a", prompt, params(0), out);
    await drain(engine);
    expect([a.finishReason, a.output, out.tokens.get("a"), out.finished]).toEqual(["length", [], undefined, ["a"]]);
    expect(model.batches.map((b) => b.nTokens)).toEqual([12]);
    expect(engine.cache.stats().usedBlocks).toBe(0);
  });
});
