import { describe, expect, it } from "vitest";
import { GenerationTimer, percentile, summarizeLatencies } from "../src/engine/timings.js";

describe("timings", () => {
  it("percentiles interpolate linearly between ranks (numpy's default)", () => {
    // gaps 1, 2, 3, 4, 10: mean 4; p50 = 3; p90 at rank 3.6 = 4 + 0.6·6 = 7.6; p99 at rank 3.96 = 9.76
    const s = summarizeLatencies(new Float64Array([10, 1, 3, 2, 4]));
    expect(s.mean).toBe(4);
    expect(s.p50).toBe(3);
    expect(s.p90).toBeCloseTo(7.6, 12);
    expect(s.p99).toBeCloseTo(9.76, 12);
    expect(percentile(new Float64Array([5]), 99)).toBe(5);
    expect(summarizeLatencies(new Float64Array(0))).toEqual({ mean: 0, p50: 0, p90: 0, p99: 0 });
  });

  it("TTFT, prefill and decode rates from the recorded instants", () => {
    // start 0; prefill 10 → 30 ms for 8 prompt tokens (400 tok/s); tokens at 35, 45, 60, 70 ms; end 71
    const clock = [0, 10, 30, 35, 45, 60, 70, 71];
    let i = 0;
    const t = new GenerationTimer(8, () => clock[i++]!);
    t.start();
    t.prefillStart();
    t.prefillEnd(8);
    for (let k = 0; k < 4; k++) t.token();
    t.end();
    const s = t.summary();
    expect(s.ttftMs).toBe(35);
    expect(s.prefillTokensPerSec).toBe(400);
    expect(s.decodeTokensPerSec).toBeCloseTo(3000 / 35, 12); // 3 tokens after the first in 35 ms
    expect(s.itlMs.mean).toBeCloseTo(35 / 3, 12); // gaps 10, 15, 10
    expect(s.itlMs.p50).toBe(10);
    expect(s.totalMs).toBe(71);
  });
});
