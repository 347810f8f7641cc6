import { describe, expect, it } from "vitest";
import { TokenPenalties } from "../../src/sampling/token-penalties.js";
import { resolveSamplingParams, type SamplingParams } from "../../src/sampling/sampling-params.js";

function penalize(params: Partial<SamplingParams>, prompt: number[], generated: number[]): number[] {
  const p = new TokenPenalties(resolveSamplingParams({ seed: 0, ...params }, 5), 5, 16);
  for (const id of prompt) p.accept(id, false);
  for (const id of generated) p.accept(id, true);
  const logits = new Float32Array([1, -1, 2, 0.5, 3]);
  p.apply(logits);
  return Array.from(logits);
}

describe("TokenPenalties", () => {
  it("repetition: divides positive logits, multiplies negative ones, once per distinct token", () => {
    // history 0, 1, 0 with penalty 2: 1/2, -1·2; token 0 twice is still penalized once
    expect(penalize({ repeatPenalty: 2 }, [0, 1], [0])).toEqual([0.5, -2, 2, 0.5, 3]);
    // applying twice in a row gives the same result (the visit marks are restored)
    const p = new TokenPenalties(resolveSamplingParams({ seed: 0, repeatPenalty: 2 }, 5), 5, 16);
    p.accept(2, false);
    const a = new Float32Array([1, -1, 2, 0.5, 3]);
    p.apply(a);
    const b = new Float32Array([1, -1, 2, 0.5, 3]);
    p.apply(b);
    expect(Array.from(b)).toEqual([1, -1, 1, 0.5, 3]);
  });
  it("repetition window: only the last repeatLastN tokens count", () => {
    expect(penalize({ repeatPenalty: 2, repeatLastN: 2 }, [0, 1], [2])).toEqual([1, -2, 1, 0.5, 3]);
    expect(penalize({ repeatPenalty: 2, repeatLastN: 0 }, [0, 1], [2])).toEqual([1, -1, 2, 0.5, 3]);
    expect(penalize({ repeatPenalty: 2, repeatLastN: -1 }, [0, 1], [2])).toEqual([0.5, -2, 1, 0.5, 3]);
  });
  it("presence and frequency (OpenAI): logit − count·frequency − presence, generated tokens only", () => {
    // generated 0, 0, 2 (prompt token 4 is not counted): 1 − 2·0.25 − 0.5 = 0; 2 − 0.25 − 0.5 = 1.25
    expect(penalize({ presencePenalty: 0.5, frequencyPenalty: 0.25 }, [4], [0, 0, 2])).toEqual([0, -1, 1.25, 0.5, 3]);
  });
  it("repetition then presence/frequency compose", () => {
    // token 2: 2/2 = 1, then −1·0.5 − 1 = −0.5
    expect(penalize({ repeatPenalty: 2, presencePenalty: 1, frequencyPenalty: 0.5 }, [], [2])).toEqual([
      1, -1, -0.5, 0.5, 3,
    ]);
  });
  it("reset forgets the history", () => {
    const p = new TokenPenalties(resolveSamplingParams({ seed: 0, repeatPenalty: 2, presencePenalty: 1 }, 5), 5, 16);
    p.accept(0, true);
    p.reset();
    const l = new Float32Array([1, -1, 2, 0.5, 3]);
    p.apply(l);
    expect(Array.from(l)).toEqual([1, -1, 2, 0.5, 3]);
  });
});
