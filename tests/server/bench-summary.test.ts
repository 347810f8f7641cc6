import { describe, expect, it } from "vitest";
import type { RequestResult } from "../../src/server/bench/bench-request.js";
import { percentile, summarize } from "../../src/server/bench/bench-summary.js";

const r = (ttftMs: number, e2eMs: number, outputTokens: number, itlMs: number[]): RequestResult => ({ ok: true, error: null, promptTokens: 10, outputTokens, ttftMs, e2eMs, itlMs, text: "x" });

describe("bench-serve summary", () => {
  it("matches numpy.percentile's linear interpolation", () => {
    // numpy.percentile([1, 2, 3, 4], 99) = 3.97; ([1, 2, 3, 4], 50) = 2.5; ([5], 99) = 5
    expect(percentile([1, 2, 3, 4], 99)).toBeCloseTo(3.97, 12);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([5], 99)).toBe(5);
  });

  it("computes TPOT, pooled ITL and throughputs as vLLM defines them", () => {
    const s = summarize([r(100, 1100, 11, [100, 100]), r(200, 400, 3, [50, 150]), { ...r(0, 0, 0, []), ok: false, error: "HTTP 429" }], 2);
    expect(s.completed).toBe(2);
    expect(s.failed).toBe(1);
    expect(s.tpotMs.mean).toBe((100 + 100) / 2); // (1100-100)/10 and (400-200)/2
    expect(s.itlMs.median).toBe(100);
    expect(s.ttftMs.mean).toBe(150);
    expect(s.outputThroughput).toBe(7);
    expect(s.requestThroughput).toBe(1);
    expect(s.errors).toEqual(["HTTP 429"]);
  });
});
