import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { EngineCore } from "../../src/engine/engine-core.js";
import type { EngineRequest, RequestListener } from "../../src/engine/engine-request.js";
import type { RequestParams } from "../../src/engine/request-params.js";
import { KernelPoolError, WasmBackend } from "../../src/kernels/wasm/index.js";
import { resolveSamplingParams } from "../../src/sampling/sampling-params.js";
import { loadServedModel } from "../../src/server/load-served-model.js";
import { trustedPrefix } from "../model/helpers.js";

// The whole path with the real model: a pool worker of the wasm backend exits in the middle of a step; the two
// requests of that batch end with KernelPoolError, the waiting one and the next one run on the rebuilt pool and
// generate exactly what the same request generated before the fault (and what the reference generates).
const ref = JSON.parse(readFileSync("models/stories-7m/reference.json", "utf8")) as { prompts: { ids: number[]; greedy: number[]; greedy_margins: number[] }[] };
const backend = new WasmBackend({ threads: 3 });
afterAll(() => backend.close());

class Collect implements RequestListener {
  readonly tokens: number[] = [];
  done = false;
  constructor(private readonly onEach: (n: number) => void = () => undefined) {}
  onToken(_req: EngineRequest, ev: { token: number }): void {
    this.tokens.push(ev.token);
    this.onEach(this.tokens.length);
  }
  onFinish(): void {
    this.done = true;
  }
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > 30_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("engine on the wasm backend, a pool worker killed mid-step", () => {
  it("fails that batch only; the waiting request and the next one match the unfaulted output", async () => {
    await backend.whenReady();
    const served = loadServedModel({ modelPath: "models/stories-7m/stories-7m-f16.gguf", parallel: 2, maxBatchTokens: 64, backend });
    const engine = new EngineCore(served.model, { maxBatchTokens: 64, maxSeqs: 2, traceTopK: 1, now: () => performance.now() });
    const p = ref.prompts[0]!;
    const n = Math.min(24, trustedPrefix(p.greedy_margins));
    const params = (maxTokens: number): RequestParams => ({ maxTokens, sampling: resolveSamplingParams({ temperature: 0 }, served.model.vocabSize), topLogprobs: null, stopTokenIds: new Set() });
    const loop = engine.run();
    try {
      const control = new Collect();
      engine.add("control", p.ids, params(n), control);
      await until(() => control.done, "the control request");
      expect(control.tokens).toEqual(p.greedy.slice(0, n));

      // a's fourth token arms the fault: worker 1 exits at the next chunk it claims, in a later step of a and b.
      const a = engine.add("a", p.ids, params(200), new Collect((k) => k === 4 && backend.pool.injectFault(1, "exit")));
      const b = engine.add("b", ref.prompts[1]!.ids, params(200), new Collect());
      const waiting = new Collect();
      const c = engine.add("c", p.ids, params(n), waiting);
      await until(() => a.isFinished && b.isFinished, "a and b to fail");
      for (const r of [a, b]) {
        expect(r.error).toBeInstanceOf(KernelPoolError);
        expect([r.finishReason, (r.error as KernelPoolError).workerIndex, (r.error as KernelPoolError).failure]).toEqual(["abort", 1, "exited"]);
      }
      await until(() => waiting.done, "the waiting request");
      expect([c.error, waiting.tokens]).toEqual([null, control.tokens]);
      const next = new Collect();
      engine.add("next", p.ids, params(n), next);
      await until(() => next.done, "the next request");
      expect(next.tokens).toEqual(control.tokens);
      expect(engine.fatalError).toBeNull();
      expect(engine.cache.stats().usedBlocks).toBe(0);
    } finally {
      await engine.stop();
      await loop;
    }
  }, 120_000);
});
