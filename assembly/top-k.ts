// The k largest of n f32 values (the server's per-token top logprobs, src/sampling/logprobs.ts), best first, ties
// to the lower index: the same list as candidate-sort.ts's selectTopK for rows without NaN. The first k values go
// into a sorted list; after them, four-wide compares against the list's last value skip every group of four that
// has nothing larger (almost all of a vocabulary), and the rare larger value is inserted in order. Only a strictly
// larger value displaces the last entry, so among equal values the lower index stays. ids: k i32, vals: k f32.
export function topK(x: usize, n: i32, k: i32, ids: usize, vals: usize): void {
  const m = min(k, n);
  if (m <= 0) return;
  let cnt = 0;
  for (let i = 0; i < m; i++) cnt = insert(ids, vals, cnt, m, i, load<f32>(x + (<usize>i << 2)));
  let floor = load<f32>(vals + (<usize>(m - 1) << 2));
  let i = m;
  for (; i + 4 <= n; i += 4) {
    if (!v128.any_true(f32x4.gt(v128.load(x + (<usize>i << 2)), f32x4.splat(floor)))) continue;
    for (let j = i; j < i + 4; j++) {
      const v = load<f32>(x + (<usize>j << 2));
      if (v > floor) {
        insert(ids, vals, m, m, j, v);
        floor = load<f32>(vals + (<usize>(m - 1) << 2));
      }
    }
  }
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    if (v > floor) {
      insert(ids, vals, m, m, i, v);
      floor = load<f32>(vals + (<usize>(m - 1) << 2));
    }
  }
}

// Inserts (id, v) into the sorted list of cnt entries (capacity m; when full, the last entry drops out) after every
// entry not smaller than v, since id is higher than all of theirs. Returns the new count.
@inline function insert(ids: usize, vals: usize, cnt: i32, m: i32, id: i32, v: f32): i32 {
  let p = min(cnt, m - 1);
  while (p > 0 && load<f32>(vals + (<usize>(p - 1) << 2)) < v) {
    store<f32>(vals + (<usize>p << 2), load<f32>(vals + (<usize>(p - 1) << 2)));
    store<i32>(ids + (<usize>p << 2), load<i32>(ids + (<usize>(p - 1) << 2)));
    p--;
  }
  store<f32>(vals + (<usize>p << 2), v);
  store<i32>(ids + (<usize>p << 2), id);
  return min(cnt + 1, m);
}
