// In-place heap selection and heap sort of token ids by a key array (the logits), allocation-free.
// Order: higher key first; equal keys → lower id first (so greedy, the top 1, picks the lowest id among ties).

/** True when token a ranks below token b. */
function worse(keys: Float32Array, a: number, b: number): boolean {
  const ka = keys[a]!;
  const kb = keys[b]!;
  return ka < kb || (ka === kb && a > b);
}

// Min-heap on rank (the root is the worst id): ids[0..n).
function siftDown(ids: Int32Array, keys: Float32Array, start: number, n: number): void {
  let i = start;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= n) return;
    const r = l + 1;
    const child = r < n && worse(keys, ids[r]!, ids[l]!) ? r : l;
    if (!worse(keys, ids[child]!, ids[i]!)) return;
    const t = ids[i]!;
    ids[i] = ids[child]!;
    ids[child] = t;
    i = child;
  }
}

/** Sorts ids[0..n) best first. */
export function sortByKeyDesc(ids: Int32Array, n: number, keys: Float32Array): void {
  for (let i = (n >> 1) - 1; i >= 0; i--) siftDown(ids, keys, i, n);
  // Each step moves the current worst to the end of the shrinking heap, leaving the best at index 0.
  for (let end = n - 1; end > 0; end--) {
    const t = ids[0]!;
    ids[0] = ids[end]!;
    ids[end] = t;
    siftDown(ids, keys, 0, end);
  }
}

/** Writes the k best ids among 0..vocabSize-1 into ids[0..k), sorted best first. */
export function selectTopK(keys: Float32Array, vocabSize: number, k: number, ids: Int32Array): void {
  if (k <= 0) return;
  for (let i = 0; i < k; i++) ids[i] = i;
  for (let i = (k >> 1) - 1; i >= 0; i--) siftDown(ids, keys, i, k);
  // Every id in the heap is lower than the next one, so only a strictly higher key displaces the root.
  let floor = keys[ids[0]!]!;
  for (let id = k; id < vocabSize; id++) {
    if (keys[id]! > floor) {
      ids[0] = id;
      siftDown(ids, keys, 0, k);
      floor = keys[ids[0]!]!;
    }
  }
  sortByKeyDesc(ids, k, keys);
}
