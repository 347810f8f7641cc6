import { attention } from "./attention.js";
import type { BlockFn, Sublayer } from "./block-context.js";
import { addResidual, norm } from "./norm.js";

/** Pre-norm block (GPT-2, Llama and most since): x += attn(norm(x)); x += ffn(norm(x)). */
export function preNormBlock(ffn: Sublayer): BlockFn {
  return (c) => {
    const { s, w } = c;
    norm(c, s.h, s.x, w.attnNorm, w.attnNormBias);
    attention(c, s.y, s.h);
    addResidual(c, s.y);
    norm(c, s.h, s.x, w.ffnNorm, w.ffnNormBias);
    ffn(c, s.y, s.h);
    addResidual(c, s.y);
  };
}

/** Sandwich block (Gemma 2/3): x += postNorm(attn(preNorm(x))); x += postNorm(ffn(preNorm(x))). */
export function sandwichBlock(ffn: Sublayer): BlockFn {
  return (c) => {
    const { s, w } = c;
    norm(c, s.h, s.x, w.attnNorm, null);
    attention(c, s.y, s.h);
    norm(c, s.y, s.y, w.attnPostNorm, null);
    addResidual(c, s.y);
    norm(c, s.h, s.x, w.ffnNorm, null);
    ffn(c, s.y, s.h);
    norm(c, s.y, s.y, w.ffnPostNorm, null);
    addResidual(c, s.y);
  };
}

/** Post-norm block (OLMo 2): x += norm(attn(x)); x += norm(ffn(x)). */
export function postNormBlock(ffn: Sublayer): BlockFn {
  return (c) => {
    const { s, w } = c;
    attention(c, s.y, s.x);
    norm(c, s.y, s.y, w.attnPostNorm, null);
    addResidual(c, s.y);
    ffn(c, s.y, s.x);
    norm(c, s.y, s.y, w.ffnPostNorm, null);
    addResidual(c, s.y);
  };
}
