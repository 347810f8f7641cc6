/**
 * The prefix cache's lookup key of a full KV block: a 53-bit hash (exact as a JavaScript number, so a Map keys it
 * without building strings) of (parent block's content id, cache salt, the block's tokens), from two MurmurHash3
 * x86_32 lanes with different seeds (Appleby's mixing steps, public domain). Pure TypeScript, so the browser runs
 * the same prefix cache. A key only finds a candidate: the cache then compares the parent id, the salt and every
 * token, so a collision costs a cache miss, never wrong KV.
 */
export type BlockHasher = (parent: number, salt: string, tokens: Int32Array) => number;

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
const TWO_32 = 2 ** 32;

export const hashBlock: BlockHasher = (parent, salt, tokens) => {
  let a = 0x9747b28c;
  let b = 0x2f1e3d5b;
  // The parent is −1 (a first block) or a content id below 2^53: its two 32-bit halves.
  const lo = parent < 0 ? 0xffffffff : parent % TWO_32;
  const hi = parent < 0 ? 0xffffffff : Math.floor(parent / TWO_32);
  a = round(a, lo | 0);
  b = round(b, lo | 0);
  a = round(a, hi | 0);
  b = round(b, hi | 0);
  for (let i = 0; i < salt.length; i++) {
    const c = salt.charCodeAt(i);
    a = round(a, c);
    b = round(b, c);
  }
  a = round(a, salt.length);
  b = round(b, salt.length);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    a = round(a, t);
    b = round(b, t);
  }
  const n = tokens.length * 4;
  a = finish(a ^ n);
  b = finish(b ^ n);
  return (b & 0x1fffff) * TWO_32 + a;
};

function round(h: number, k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** MurmurHash3's fmix32: every input bit reaches every output bit. */
function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
