export interface LogprobTop {
  /** log p(token) under softmax(logits). */
  logprob: number;
  /** The k most likely ids [id, logprob], most likely first. */
  top: [number, number][];
}

/** Natural-log softmax probability of `token` and the top-k alternatives, from raw logits (two passes, float64). */
export function logSoftmaxTop(logits: Float32Array, k: number, token: number): LogprobTop {
  const n = logits.length;
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (logits[i] > max) max = logits[i];
  let z = 0;
  for (let i = 0; i < n; i++) z += Math.exp(logits[i] - max);
  const logZ = max + Math.log(z);
  const top: [number, number][] = [];
  if (k > 0) {
    // Insertion into a small sorted list: k is at most 20.
    let floor = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = logits[i];
      if (top.length === k && v <= floor) continue;
      let j = top.length;
      while (j > 0 && top[j - 1][1] < v) j--;
      top.splice(j, 0, [i, v]);
      if (top.length > k) top.pop();
      floor = top[top.length - 1][1];
    }
    for (const t of top) t[1] -= logZ;
  }
  return { logprob: logits[token] - logZ, top };
}
