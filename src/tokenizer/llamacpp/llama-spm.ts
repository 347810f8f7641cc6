/**
 * llama.cpp's SentencePiece tokenizer for GGUF "llama" vocabularies (llama-vocab.cpp llm_tokenizer_spm_session):
 * start from the UTF-8 characters, repeatedly merge the adjacent pair whose concatenation is the token with the
 * highest score (leftmost on ties), then emit each symbol's token or, failing that, its bytes as <0xXX> tokens.
 * It is score-based, not rank-based like tokenizer.json BPE.
 */
export class LlamaSpm {
  private start = new Int32Array(256);
  private len = new Int32Array(256);
  private next = new Int32Array(256);
  private prev = new Int32Array(256);
  // heap entries: parallel arrays (score desc, left asc)
  private hScore = new Float64Array(256);
  private hLeft = new Int32Array(256);
  private hRight = new Int32Array(256);
  private hSize = new Int32Array(256);
  private heapLen = 0;
  private static readonly encoder = new TextEncoder();

  constructor(
    private readonly vocab: ReadonlyMap<string, number>,
    private readonly scores: Float32Array,
    /** byte value -> token id (<0xXX>, else the one-character token), -1 when missing */
    private readonly byteTokens: Int32Array,
  ) {}

  encode(text: string, out: number[]): void {
    const n = text.length;
    if (n === 0) return;
    if (this.start.length < n) this.grow(n);
    const { start, len, next, prev } = this;
    let count = 0;
    for (let i = 0; i < n; ) {
      const c = text.charCodeAt(i);
      const l = c >= 0xd800 && c <= 0xdbff && i + 1 < n ? 2 : 1;
      start[count] = i;
      len[count] = l;
      prev[count] = count - 1;
      next[count] = i + l >= n ? -1 : count + 1;
      count++;
      i += l;
    }
    this.heapLen = 0;
    for (let i = 1; i < count; i++) this.tryAdd(text, i - 1, i);
    while (this.heapLen > 0) {
      const left = this.hLeft[0] as number;
      const right = this.hRight[0] as number;
      const size = this.hSize[0] as number;
      this.pop();
      const ll = len[left] as number;
      const rl = len[right] as number;
      if (ll === 0 || rl === 0 || ll + rl !== size) continue;
      len[left] = ll + rl;
      len[right] = 0;
      next[left] = next[right] as number;
      if ((next[right] as number) >= 0) prev[next[right] as number] = left;
      this.tryAdd(text, prev[left] as number, left);
      this.tryAdd(text, left, next[left] as number);
    }
    for (let i = 0; i !== -1; i = next[i] as number) {
      const piece = text.slice(start[i], (start[i] as number) + (len[i] as number));
      const id = this.vocab.get(piece);
      if (id !== undefined) {
        out.push(id);
        continue;
      }
      for (const b of LlamaSpm.encoder.encode(piece)) {
        const t = this.byteTokens[b] as number;
        if (t >= 0) out.push(t);
      }
    }
  }

  private grow(n: number): void {
    const size = Math.max(n, this.start.length * 2);
    this.start = new Int32Array(size);
    this.len = new Int32Array(size);
    this.next = new Int32Array(size);
    this.prev = new Int32Array(size);
  }

  private tryAdd(text: string, left: number, right: number): void {
    if (left < 0 || right < 0) return;
    const a = this.start[left] as number;
    const size = (this.len[left] as number) + (this.len[right] as number);
    const id = this.vocab.get(text.slice(a, a + size));
    if (id === undefined) return;
    this.push(this.scores[id] as number, left, right, size);
  }

  private before(i: number, j: number): boolean {
    const si = this.hScore[i] as number;
    const sj = this.hScore[j] as number;
    return si > sj || (si === sj && (this.hLeft[i] as number) < (this.hLeft[j] as number));
  }

  private swap(i: number, j: number): void {
    const s = this.hScore[i] as number;
    this.hScore[i] = this.hScore[j] as number;
    this.hScore[j] = s;
    const l = this.hLeft[i] as number;
    this.hLeft[i] = this.hLeft[j] as number;
    this.hLeft[j] = l;
    const r = this.hRight[i] as number;
    this.hRight[i] = this.hRight[j] as number;
    this.hRight[j] = r;
    const z = this.hSize[i] as number;
    this.hSize[i] = this.hSize[j] as number;
    this.hSize[j] = z;
  }

  private push(score: number, left: number, right: number, size: number): void {
    if (this.heapLen === this.hScore.length) {
      const cap = this.heapLen * 2;
      const s = new Float64Array(cap);
      s.set(this.hScore);
      this.hScore = s;
      const l = new Int32Array(cap);
      l.set(this.hLeft);
      this.hLeft = l;
      const r = new Int32Array(cap);
      r.set(this.hRight);
      this.hRight = r;
      const z = new Int32Array(cap);
      z.set(this.hSize);
      this.hSize = z;
    }
    let i = this.heapLen++;
    this.hScore[i] = score;
    this.hLeft[i] = left;
    this.hRight[i] = right;
    this.hSize[i] = size;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  private pop(): void {
    const last = --this.heapLen;
    if (last > 0) this.swap(0, last);
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= last) break;
      let c = l;
      if (l + 1 < last && this.before(l + 1, l)) c = l + 1;
      if (!this.before(c, i)) break;
      this.swap(c, i);
      i = c;
    }
  }
}
