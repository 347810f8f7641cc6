import { describe, expect, it } from "vitest";
import { Logprobs } from "../../src/sampling/logprobs.js";
import { StopStrings } from "../../src/sampling/stop-strings.js";
import { Xoshiro128 } from "../../src/sampling/xoshiro128.js";

describe("Logprobs", () => {
  it("log-softmax of raw logits: [1,2,3,4] → lse = 4 + ln(1 + e⁻¹ + e⁻² + e⁻³) = 4.440190", () => {
    const lp = new Logprobs(4, 5);
    const chosen = lp.compute(new Float32Array([1, 2, 3, 4]), 2, 3);
    expect(chosen).toBeCloseTo(-1.44019, 5);
    expect(Array.from(lp.topIds.subarray(0, 3))).toEqual([3, 2, 1]);
    expect(lp.topLogprobs[0]).toBeCloseTo(-0.44019, 5);
    expect(lp.topLogprobs[2]).toBeCloseTo(-2.44019, 5);
  });
});

describe("Xoshiro128", () => {
  it("matches the reference C implementation (xoshiro128starstar.c) from state {1, 2, 3, 4}", () => {
    // Known-answer vector, as in Rust rand_xoshiro's test of the same reference code.
    const r = new Xoshiro128(0);
    r.setState(1, 2, 3, 4);
    const out = Array.from({ length: 10 }, () => r.nextUint32());
    expect(out).toEqual([
      11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849, 3729100597, 4258142804,
    ]);
  });
  it("floats lie in [0, 1) and seeds are reproducible", () => {
    const a = new Xoshiro128(42);
    const b = new Xoshiro128(42);
    let sum = 0;
    for (let i = 0; i < 1000; i++) {
      const x = a.nextFloat();
      expect(x).toBe(b.nextFloat());
      expect(x >= 0 && x < 1).toBe(true);
      sum += x;
    }
    expect(sum / 1000).toBeGreaterThan(0.45);
    expect(sum / 1000).toBeLessThan(0.55);
  });
});

describe("StopStrings", () => {
  it("holds back a possible stop-string start and stops when it spans tokens", () => {
    const s = new StopStrings(["END"]);
    expect(s.push("Hello E")).toBe("Hello ");
    expect(s.push("N")).toBe("");
    expect(s.push("D and more")).toBe("");
    expect(s.stopped).toBe(true);
    expect(s.push("x")).toBe("");
    expect(s.flush()).toBe("");
  });
  it("releases held text when the next piece breaks the match, and flushes at the end", () => {
    const s = new StopStrings(["END", "\n\n"]);
    expect(s.push("ab E")).toBe("ab ");
    expect(s.push("x\n")).toBe("Ex");
    expect(s.push("y")).toBe("\ny");
    expect(s.push("EN")).toBe("");
    expect(s.flush()).toBe("EN");
    expect(s.stopped).toBe(false);
  });
  it("stops at the earliest of several stop strings, inside one piece", () => {
    const s = new StopStrings(["cd", "b"]);
    expect(s.push("abcd")).toBe("a");
    expect(s.stopped).toBe(true);
  });
  it("with no stop strings passes text through", () => {
    const s = new StopStrings([]);
    expect(s.push("abc")).toBe("abc");
    expect(s.flush()).toBe("");
  });
});
