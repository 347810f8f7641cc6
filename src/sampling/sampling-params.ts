import { InputError } from "../errors.js";

/**
 * How the next token is chosen. The chain runs in this order (as Hugging Face's and vLLM's samplers do):
 * logit bias → repetition penalty → presence/frequency penalties → temperature → top-k → top-p → min-p → draw.
 * Temperature 0 means greedy (argmax of the penalized logits; ties → lowest id).
 */
export interface SamplingParams {
  temperature: number;
  /** Keep the k most likely tokens; 0 disables. */
  topK: number;
  /** Keep the smallest set of most likely tokens whose probability sums to ≥ topP; 1 disables. */
  topP: number;
  /** Drop tokens whose probability is below minP × the top probability; 0 disables. */
  minP: number;
  /** llama.cpp/HF semantics: positive logits are divided by it, negative ones multiplied, once per distinct token
   * among the last `repeatLastN` tokens of the context (prompt included); 1 disables. */
  repeatPenalty: number;
  /** Window of the repetition penalty; -1 = the whole context. */
  repeatLastN: number;
  /** OpenAI semantics, over the tokens generated so far: logit −= presencePenalty if the token occurred. */
  presencePenalty: number;
  /** OpenAI semantics: logit −= frequencyPenalty × (times the token was generated). */
  frequencyPenalty: number;
  /** Added to the raw logit of each listed token id (OpenAI `logit_bias`). */
  logitBias: ReadonlyMap<number, number>;
  /** Seed of the random draw; the same seed gives the same tokens. */
  seed: number;
}

export const defaultSamplingParams: Readonly<Omit<SamplingParams, "seed">> = {
  temperature: 0.8,
  topK: 40,
  topP: 0.95,
  minP: 0.05,
  repeatPenalty: 1,
  repeatLastN: 64,
  presencePenalty: 0,
  frequencyPenalty: 0,
  logitBias: new Map(),
};

/** Fills defaults (a random seed when none is given) and rejects out-of-range values with an InputError. */
export function resolveSamplingParams(partial: Partial<SamplingParams>, vocabSize: number): SamplingParams {
  const p: SamplingParams = {
    ...defaultSamplingParams,
    seed: Math.floor(Math.random() * 0x100000000),
    ...stripUndefined(partial),
  };
  check("temperature", p.temperature, Number.isFinite(p.temperature) && p.temperature >= 0, "a number ≥ 0");
  check("topK", p.topK, Number.isInteger(p.topK) && p.topK >= 0, "an integer ≥ 0");
  check("topP", p.topP, p.topP > 0 && p.topP <= 1, "in (0, 1]");
  check("minP", p.minP, p.minP >= 0 && p.minP <= 1, "in [0, 1]");
  check("repeatPenalty", p.repeatPenalty, Number.isFinite(p.repeatPenalty) && p.repeatPenalty > 0, "a number > 0");
  check("repeatLastN", p.repeatLastN, Number.isInteger(p.repeatLastN) && p.repeatLastN >= -1, "an integer ≥ -1");
  check("presencePenalty", p.presencePenalty, Number.isFinite(p.presencePenalty), "a finite number");
  check("frequencyPenalty", p.frequencyPenalty, Number.isFinite(p.frequencyPenalty), "a finite number");
  check("seed", p.seed, Number.isSafeInteger(p.seed) && p.seed >= 0, "an integer ≥ 0");
  for (const [id, bias] of p.logitBias) {
    check(`logitBias[${id}]`, id, Number.isInteger(id) && id >= 0 && id < vocabSize, `a token id below ${vocabSize}`);
    check(`logitBias[${id}]`, bias, Number.isFinite(bias) || bias === -Infinity, "a number");
  }
  return p;
}

function check(key: string, value: number, ok: boolean, expected: string): void {
  if (!ok) throw new InputError(`sampling parameter ${key} = ${value}: expected ${expected}`);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
