export * from "./sampling-params.js";
export * from "./sampler.js";
export * from "./token-penalties.js";
export * from "./logprobs.js";
export * from "./stop-strings.js";
export * from "./xoshiro128.js";
export * from "./candidate-sort.js";
export * from "./logits-constraint.js";
