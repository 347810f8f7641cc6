import { afterEach, describe, expect, it } from "vitest";
import { ApiError } from "../../src/server/api-error.js";
import { ModelRegistry } from "../../src/server/model-registry.js";
import type { ModelSource } from "../../src/server/model-source.js";
import { letterServedModel } from "./fake-served-model.js";

// The registry's bookkeeping (load sharing, LRU eviction, waiting for busy models, keep-alive) over the letter
// model of the HTTP-layer tests; serve-multi-model.test.ts checks the same behaviour through a real `tsinfer serve`.
const registries: ModelRegistry[] = [];
afterEach(async () => {
  for (const r of registries.splice(0)) await r.close();
});

interface Counted extends ModelSource {
  loads: number;
  closes: number;
}

function source(name: string, memoryBytes: number, loadMs = 0): Counted {
  const s: Counted = {
    names: [name, `${name}-alias`],
    path: `/models/${name}`,
    estimatedBytes: memoryBytes,
    loads: 0,
    closes: 0,
    async load() {
      s.loads++;
      await new Promise((r) => setTimeout(r, loadMs));
      return { served: { ...letterServedModel(), id: name, memoryBytes }, close: async () => void s.closes++ };
    },
  };
  return s;
}

function registry(sources: ModelSource[], o: { keepAliveMs?: number | null; maxMemoryBytes?: number | null } = {}): ModelRegistry {
  const r = new ModelRegistry(sources, { maxBatchTokens: 16, maxSeqs: 2, maxN: 4, keepAliveMs: o.keepAliveMs ?? null, maxMemoryBytes: o.maxMemoryBytes ?? null });
  registries.push(r);
  return r;
}

describe("ModelRegistry", () => {
  it("finds models by any name; none or 'default' is the first; an unknown one is a 404 model_not_found", () => {
    const r = registry([source("a", 1), source("b", 1)]);
    expect(r.find(null).id).toBe("a");
    expect(r.find("default").id).toBe("a");
    expect(r.find("b-alias").id).toBe("b");
    let err: unknown;
    try {
      r.find("gpt-4o");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(404);
    expect((err as ApiError).toBody()).toEqual({ error: { message: "The model `gpt-4o` does not exist", type: "invalid_request_error", param: "model", code: "model_not_found" } });
    expect(() => registry([source("a", 1), source("a", 1)])).toThrow(/'a' is given to both/);
  });

  it("concurrent first requests share one load", async () => {
    const a = source("a", 1, 50);
    const r = registry([a]);
    const leases = await Promise.all([r.acquire(r.slots[0]), r.acquire(r.slots[0]), r.acquire(r.slots[0])]);
    expect(a.loads).toBe(1);
    expect(new Set(leases.map((l) => l.model)).size).toBe(1);
    expect(leases[0].model.active).toBe(3);
    for (const l of leases) l.release();
    leases[0].release(); // idempotent
    expect(leases[0].model.active).toBe(0);
  });

  it("keep-alive 0 unloads when the last request ends; null never does", async () => {
    const a = source("a", 1);
    const r = registry([a], { keepAliveMs: 0 });
    const l1 = await r.acquire(r.slots[0]);
    const l2 = await r.acquire(r.slots[0]);
    l1.release();
    expect(r.slots[0].state).toBe("loaded");
    l2.release();
    await expect.poll(() => r.slots[0].state).toBe("unloaded");
    expect(a.closes).toBe(1);
    expect(r.slots[0].unloads.idle).toBe(1);

    const b = source("b", 1);
    const never = registry([b], { keepAliveMs: null });
    (await never.acquire(never.slots[0])).release();
    await new Promise((res) => setTimeout(res, 50));
    expect(never.slots[0].state).toBe("loaded");
  });

  it("keep-alive: unloads after the idle time, and a request in between restarts the clock", async () => {
    const r = registry([source("a", 1)], { keepAliveMs: 150 });
    (await r.acquire(r.slots[0])).release();
    await new Promise((res) => setTimeout(res, 100));
    (await r.acquire(r.slots[0])).release();
    await new Promise((res) => setTimeout(res, 100));
    expect(r.slots[0].state).toBe("loaded");
    await expect.poll(() => r.slots[0].state, { timeout: 2000 }).toBe("unloaded");
  });

  it("under maxMemoryBytes evicts the least recently used idle model, never a busy one: the load waits for it", async () => {
    const [a, b, c] = [source("a", 40), source("b", 40), source("c", 40)];
    const r = registry([a, b, c], { maxMemoryBytes: 100 });
    const [sa, sb, sc] = r.slots;
    (await r.acquire(sa)).release();
    const busyB = await r.acquire(sb);
    (await r.acquire(sa)).release(); // a is now more recently used than b, but b is busy
    (await r.acquire(sc)).release();
    expect([sa.state, sb.state, sc.state]).toEqual(["unloaded", "loaded", "loaded"]);
    expect(sa.unloads.memory).toBe(1);

    // c is idle and goes before busy b; then with b and a both busy, loading c waits until one ends.
    const busyA = await r.acquire(sa);
    expect([sa.state, sb.state, sc.state]).toEqual(["loaded", "loaded", "unloaded"]);
    let got = false;
    const pending = r.acquire(sc).then((l) => {
      got = true;
      return l;
    });
    await new Promise((res) => setTimeout(res, 50));
    expect(got).toBe(false);
    expect(sc.state).toBe("loading");
    busyB.release();
    const lc = await pending;
    expect([sa.state, sb.state, sc.state]).toEqual(["loaded", "unloaded", "loaded"]);
    lc.release();
    busyA.release();
    expect(b.closes).toBe(1);
  });

  it("a model larger than the limit alone still loads, alone", async () => {
    const r = registry([source("a", 10), source("big", 500)], { maxMemoryBytes: 100 });
    (await r.acquire(r.slots[0])).release();
    (await r.acquire(r.slots[1])).release();
    expect(r.slots.map((s) => s.state)).toEqual(["unloaded", "loaded"]);
  });

  it("a failed load is a 500 naming the model, and the next request tries again", async () => {
    let fail = true;
    const s: ModelSource = {
      names: ["flaky"],
      path: "/models/flaky",
      estimatedBytes: 1,
      load: async () => {
        if (fail) throw new Error("disk on fire");
        return { served: letterServedModel(), close: async () => undefined };
      },
    };
    const r = registry([s]);
    await expect(r.acquire(r.slots[0])).rejects.toMatchObject({ status: 500, code: "model_load_failed", message: "the model 'flaky' could not be loaded: disk on fire" });
    expect(r.slots[0].state).toBe("unloaded");
    fail = false;
    (await r.acquire(r.slots[0])).release();
    expect(r.slots[0].state).toBe("loaded");
  });
});
