import { describe, expect, it } from "vitest";
import { Sampler } from "../../src/sampling/sampler.js";
import { resolveSamplingParams, type SamplingParams } from "../../src/sampling/sampling-params.js";
import { InputError } from "../../src/errors.js";

// Every expected probability below is computed by hand from the softmax definition (values to 6 digits).
const LOGITS = new Float32Array([1, 2, 3, 4]);
const plain: Partial<SamplingParams> = { temperature: 1, topK: 0, topP: 1, minP: 0, seed: 1 };

function distribution(params: Partial<SamplingParams>, logits = LOGITS): Array<[number, number]> {
  const s = new Sampler(resolveSamplingParams({ ...plain, ...params }, logits.length), logits.length, 64);
  const n = s.prepare(logits);
  return Array.from({ length: n }, (_, i) => [s.candidateIds[i]!, s.candidateProbs[i]!]);
}

function expectDist(got: Array<[number, number]>, want: Array<[number, number]>): void {
  expect(got.map(([id]) => id)).toEqual(want.map(([id]) => id));
  got.forEach(([, p], i) => expect(p).toBeCloseTo(want[i]![1], 6));
}

describe("Sampler distributions on logits [1, 2, 3, 4]", () => {
  it("softmax at temperature 1: e^i / (e + e² + e³ + e⁴)", () => {
    expectDist(distribution({}), [[3, 0.643914], [2, 0.236883], [1, 0.087144], [0, 0.032059]]);
  });
  it("temperature 2 softmaxes [0.5, 1, 1.5, 2]", () => {
    expectDist(distribution({ temperature: 2 }), [[3, 0.455054], [2, 0.276004], [1, 0.167405], [0, 0.101536]]);
  });
  it("temperature 0.5 softmaxes [2, 4, 6, 8]", () => {
    expectDist(distribution({ temperature: 0.5 }), [[3, 0.864955], [2, 0.117059], [1, 0.015842], [0, 0.002144]]);
  });
  it("top-k 2 keeps e⁴, e³: 1/(1+e⁻¹)", () => {
    expectDist(distribution({ topK: 2 }), [[3, 0.731059], [2, 0.268941]]);
  });
  it("top-p 0.5 keeps only the first token (0.644 ≥ 0.5)", () => {
    expectDist(distribution({ topP: 0.5 }), [[3, 1]]);
  });
  it("top-p 0.8 keeps two (0.644 + 0.237 = 0.881), top-p 0.95 keeps three (0.968)", () => {
    expectDist(distribution({ topP: 0.8 }), [[3, 0.731059], [2, 0.268941]]);
    expectDist(distribution({ topP: 0.95 }), [[3, 0.665241], [2, 0.244728], [1, 0.090031]]);
  });
  it("min-p 0.2 keeps p/pmax ∈ {1, e⁻¹}; min-p 0.1 also keeps e⁻² = 0.135", () => {
    expectDist(distribution({ minP: 0.2 }), [[3, 0.731059], [2, 0.268941]]);
    expectDist(distribution({ minP: 0.1 }), [[3, 0.665241], [2, 0.244728], [1, 0.090031]]);
  });
  it("top-p is measured after top-k: top-k 3 renormalizes to [0.665, 0.245, 0.090], top-p 0.9 keeps two", () => {
    expectDist(distribution({ topK: 3, topP: 0.9 }), [[3, 0.731059], [2, 0.268941]]);
  });
  it("temperature applies before top-p: at T=2, top-p 0.75 needs three tokens (0.455 + 0.276 < 0.75)", () => {
    // kept: softmax([0.5,1,1.5,2]) restricted to ids 3,2,1: 1, e^-0.5, e^-1 over 1.974410 (values to 6 digits)
    expectDist(distribution({ temperature: 2, topP: 0.75 }), [[3, 0.50648], [2, 0.307196], [1, 0.186324]]);
  });
  it("greedy at temperature 0 takes the argmax, ties → lowest id", () => {
    expectDist(distribution({ temperature: 0 }, new Float32Array([1, 3, 3, 2])), [[1, 1]]);
  });
  it("logit bias is added to the raw logits", () => {
    const b = new Map([[0, 10]]);
    expectDist(distribution({ temperature: 0, logitBias: b }), [[0, 1]]);
    // 1+2.5 = 3.5: logits [3.5, 2, 3, 4] → top-k 2 = {3: 4, 0: 3.5} → 1/(1+e^-0.5) = 0.622459
    expectDist(distribution({ topK: 2, logitBias: new Map([[0, 2.5]]) }), [[3, 0.622459], [0, 0.377541]]);
  });
  it("a large vocabulary with ties keeps a stable order under top-k", () => {
    const logits = new Float32Array(1000).fill(0);
    logits[500] = 1;
    logits[7] = 1;
    const got = distribution({ topK: 3 }, logits);
    expect(got.map(([id]) => id)).toEqual([7, 500, 0]);
  });
});

describe("Sampler draws", () => {
  it("the same seed gives the same tokens; another seed gives others", () => {
    const draw = (seed: number): number[] => {
      const s = new Sampler(resolveSamplingParams({ ...plain, seed }, 4), 4, 64);
      return Array.from({ length: 64 }, () => s.sample(LOGITS));
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });
  it("draw frequencies follow the distribution (fixed seed, 20000 draws of top-k 2)", () => {
    const s = new Sampler(resolveSamplingParams({ ...plain, topK: 2, seed: 7 }, 4), 4, 64);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 20000; i++) counts[s.sample(LOGITS)]!++;
    expect(counts[0]).toBe(0);
    expect(counts[1]).toBe(0);
    expect(counts[3]! / 20000).toBeCloseTo(0.731059, 2);
  });
  it("reset re-seeds: the sequence repeats", () => {
    const s = new Sampler(resolveSamplingParams({ ...plain, seed: 5 }, 4), 4, 64);
    const a = Array.from({ length: 20 }, () => s.sample(LOGITS));
    s.reset();
    expect(Array.from({ length: 20 }, () => s.sample(LOGITS))).toEqual(a);
  });
});

describe("resolveSamplingParams", () => {
  it("rejects out-of-range values naming the parameter", () => {
    expect(() => resolveSamplingParams({ topP: 0 }, 4)).toThrow(InputError);
    expect(() => resolveSamplingParams({ temperature: -1 }, 4)).toThrow(/temperature = -1/);
    expect(() => resolveSamplingParams({ logitBias: new Map([[9, 1]]) }, 4)).toThrow(/logitBias\[9\]/);
  });
});
