/**
 * A binary min-heap of numeric keys (Float64Array, grown on demand), reused across words so that the
 * merge loop allocates nothing per word once warm.
 */
export class MergeHeap {
  private keys = new Float64Array(256);
  size = 0;

  clear(): void {
    this.size = 0;
  }

  push(key: number): void {
    if (this.size === this.keys.length) {
      const grown = new Float64Array(this.keys.length * 2);
      grown.set(this.keys);
      this.keys = grown;
    }
    const k = this.keys;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pk = k[parent] as number;
      if (pk <= key) break;
      k[i] = pk;
      i = parent;
    }
    k[i] = key;
  }

  pop(): number {
    const k = this.keys;
    const top = k[0] as number;
    const last = k[--this.size] as number;
    const n = this.size;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && (k[child + 1] as number) < (k[child] as number)) child++;
      if ((k[child] as number) >= last) break;
      k[i] = k[child] as number;
      i = child;
    }
    if (n > 0) k[i] = last;
    return top;
  }
}
