// Real shapes of the three models of the side-by-side benchmark (from their Hugging Face config.json files).
export const SHAPES = {
  "smollm2-135m": { arch: "llama", hidden: 576, layers: 30, heads: 9, kvHeads: 3, ffn: 1536, vocab: 49152, ropeBase: 100000, eps: 1e-5, qkvBias: false },
  "qwen2.5-0.5b": { arch: "qwen2", hidden: 896, layers: 24, heads: 14, kvHeads: 2, ffn: 4864, vocab: 151936, ropeBase: 1000000, eps: 1e-6, qkvBias: true },
  "llama-3.2-1b": { arch: "llama", hidden: 2048, layers: 16, heads: 32, kvHeads: 8, ffn: 8192, vocab: 128256, ropeBase: 500000, eps: 1e-5, qkvBias: false },
};
