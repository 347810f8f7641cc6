// Attention kernel alone, builds A/B in one process, alternating call by call. Usage:
//   node bench/attention/attention-ab.mjs BUILD_ROOT... (each a checkout with `npm run build` done)
// One "step" = every layer's attention (distinct K/V stores per layer) for NSEQ decoding sequences whose contexts
// spread CTX ± SPREAD, blocks of 16 handed out as concurrent sequences grow. Shape from NL, NH, NKV, HD (default
// stories-7m: 8 layers, 8/4 heads × 32); TYPES: KV types; SAMEKV=1: every token reads sequence 0 of layer 0 (the
// cache stays in L2: the arithmetic alone). Prints min / median µs per step and the ratio to the first build.
const roots = process.argv.slice(2);
const NSEQ = Number(process.env.NSEQ ?? 8), CTX = Number(process.env.CTX ?? 200), REPS = Number(process.env.REPS ?? 200);
const TYPES = (process.env.TYPES ?? "f32,f16").split(",");
const THREADS = Number(process.env.THREADS ?? 1);
const nLayers = Number(process.env.NL ?? 8), nHeads = Number(process.env.NH ?? 8), nKvHeads = Number(process.env.NKV ?? 4), headDim = Number(process.env.HD ?? 32), blockSize = 16;
const kvDim = nKvHeads * headDim, qDim = nHeads * headDim;
const maxBlocks = 32, nSlots = 8 * maxBlocks * blockSize;
let seed = 12345;
const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
const SPREAD = Number(process.env.SPREAD ?? 60);
const ctxs = Array.from({ length: NSEQ }, (_, s) => CTX - SPREAD + Math.floor((2 * SPREAD * s) / Math.max(1, NSEQ - 1)));
// Blocks handed out as concurrent sequences grow: block b of sequence s = b · 8 + s.
const blockTables = new Int32Array(8 * maxBlocks);
for (let s = 0; s < 8; s++) for (let b = 0; b < maxBlocks; b++) blockTables[s * maxBlocks + b] = b * 8 + s;
const kv = { nTokens: NSEQ, blockSize, positions: Int32Array.from(ctxs.map((c) => c - 1)), slots: new Int32Array(NSEQ), tokenSeq: Int32Array.from({ length: NSEQ }, (_, s) => (process.env.SAMEKV ? 0 : s)), blockTables, maxBlocksPerSeq: maxBlocks };
const lin = { nTokens: nSlots, blockSize: nSlots, positions: new Int32Array(nSlots), slots: Int32Array.from({ length: nSlots }, (_, i) => i), tokenSeq: new Int32Array(nSlots), blockTables: Int32Array.of(0), maxBlocksPerSeq: 1 };
const kIn = Float32Array.from({ length: nSlots * kvDim }, () => 2 * rand() - 1), vIn = Float32Array.from({ length: nSlots * kvDim }, () => 2 * rand() - 1);
const qIn = Float32Array.from({ length: NSEQ * qDim }, () => 2 * rand() - 1);
const p = { nHeads, nKvHeads, headDim, scale: 1 / Math.sqrt(headDim), softcap: 0, window: 0 };
const sides = [];
for (const root of roots) {
  const { WasmBackend } = await import(`${root}/dist/kernels/wasm/index.js`);
  const { PagedKvCache } = await import(`${root}/dist/kv/paged-kv-cache.js`);
  const b = new WasmBackend({ threads: THREADS });
  for (const kvType of TYPES) {
    const cache = new PagedKvCache(b, { nLayers, nKvHeads, headDim, ctxLen: nSlots, maxSeqs: 1, blockSize, kvType });
    for (let l = 0; l < nLayers; l++) b.kvAppend(cache.k[l], cache.v[l], kIn, vIn, kvDim, lin);
    // allocF32 before the backend seam (issue 21), allocTensor after: a Float32Array in wasm memory either way.
    const alloc = (k) => (b.allocF32 ?? b.allocTensor).call(b, k);
    const q = alloc(qIn.length); q.set(qIn);
    const out = alloc(qIn.length);
    sides.push({ name: `${root.split("/").pop()} ${kvType}`, b, cache, q, out, t: [] });
  }
}
for (let r = 0; r < REPS + 10; r++) for (const s of sides) {
  const a = performance.now();
  for (let l = 0; l < nLayers; l++) { const L = process.env.SAMEKV ? 0 : l; s.b.attention(s.out, s.q, s.cache.k[L], s.cache.v[L], p, kv); }
  if (r >= 10) s.t.push(performance.now() - a);
}
const base = new Map();
for (const s of sides) {
  s.t.sort((x, y) => x - y);
  const ty = s.name.split(" ")[1];
  const med = s.t[s.t.length >> 1] * 1000;
  if (!base.has(ty)) base.set(ty, med);
  let sum = 0; for (const x of s.out) sum += x;
  console.log(`${s.name.padEnd(22)} min ${(s.t[0] * 1000).toFixed(0).padStart(6)} med ${med.toFixed(0).padStart(6)} µs/step (${nLayers} layers × ${NSEQ} seq, ctx≈${CTX}, ${nHeads}/${nKvHeads}×${headDim})  ×${(med / base.get(ty)).toFixed(3)}  checksum ${sum.toFixed(4)}`);
}
for (const root of new Set(sides.map((s) => s.b))) await root.close();
