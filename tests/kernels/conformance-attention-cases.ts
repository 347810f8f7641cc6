import type { AttentionParams, KernelBackend, KvBatchView, KvType } from "../../src/kernels/backend.js";
import { quantTraits } from "../../src/quant/registry.js";
import { f32ToF16 } from "../../src/quant/half.js";
import { longDecodeBatch, pagedBatch, scatteredBatch } from "../kv/kv-batch.js";
import type { SuiteContext } from "./conformance-suite.js";
import { decodeKvBytes, get, put, randomF32, rng, scaleErr, type CaseResult } from "./conformance-util.js";

// Paged attention against a float64 oracle (two-pass softmax) over the cache values the backend stored (read back
// and decoded, so K/V rounding is kvAppend's business): GQA groups, sequences over scattered, shuffled cache blocks,
// prefill chunks and decode tokens, sliding windows, soft-capping, f32/f16/q8_0 caches, head sizes up to 256.
// Tolerance: 2e-5 · max|V| (float32 online softmax against float64). kvAppend: the stored values against quant/'s
// conversions (f32 exact, f16 within 1e-3 and q8_0 within one quantum, 1/127, of the largest value).
const TOL = 2e-5;

function attention64(q: Float32Array, k: Float32Array, v: Float32Array, p: AttentionParams, kv: KvBatchView): Float64Array {
  const kvDim = p.nKvHeads * p.headDim, qDim = p.nHeads * p.headDim, group = p.nHeads / p.nKvHeads;
  const out = new Float64Array(kv.nTokens * qDim);
  for (let t = 0; t < kv.nTokens; t++) {
    const pos = kv.positions[t]!, lo = p.window > 0 ? Math.max(0, pos - p.window + 1) : 0;
    const slots: number[] = [];
    for (let j = lo; j <= pos; j++) {
      slots.push(kv.blockTables[kv.tokenSeq[t]! * kv.maxBlocksPerSeq + Math.floor(j / kv.blockSize)]! * kv.blockSize + (j % kv.blockSize));
    }
    for (let h = 0; h < p.nHeads; h++) {
      const ko = Math.floor(h / group) * p.headDim, qo = t * qDim + h * p.headDim;
      const s = slots.map((slot) => {
        let d = 0;
        for (let i = 0; i < p.headDim; i++) d += q[qo + i]! * k[slot * kvDim + ko + i]!;
        d *= p.scale;
        return p.softcap > 0 ? p.softcap * Math.tanh(d / p.softcap) : d;
      });
      const m = Math.max(...s);
      const e = s.map((x) => Math.exp(x - m));
      const sum = e.reduce((a, b) => a + b, 0);
      for (let i = 0; i < p.headDim; i++) {
        let acc = 0;
        slots.forEach((slot, j) => { acc += e[j]! * v[slot * kvDim + ko + i]!; });
        out[qo + i] = acc / sum;
      }
    }
  }
  return out;
}

/** Runs attention on b over filled cache layers and compares with the oracle over what they hold. */
async function attend(b: KernelBackend, name: string, kType: KvType, vType: KvType, kBytes: Uint8Array, vBytes: Uint8Array, nSlots: number,
  p: AttentionParams, kv: KvBatchView, q: Float32Array, kLayer = b.allocKvLayer(kType, nSlots, p.nKvHeads * p.headDim),
  vLayer = b.allocKvLayer(vType, nSlots, p.nKvHeads * p.headDim)): Promise<CaseResult> {
  const kvDim = p.nKvHeads * p.headDim;
  if (kBytes.length) b.writeKvLayer(kLayer, kBytes);
  if (vBytes.length) b.writeKvLayer(vLayer, vBytes);
  const kVals = decodeKvBytes(kType, await b.readKvLayer(kLayer), nSlots, kvDim);
  const vVals = decodeKvBytes(vType, await b.readKvLayer(vLayer), nSlots, kvDim);
  const o = b.allocTensor(q.length);
  b.attention(o, put(b, q), kLayer, vLayer, p, kv);
  const got = await get(b, o, q.length);
  const want = attention64(q, kVals, vVals, p, kv);
  let vMax = 0;
  for (const x of vVals) vMax = Math.max(vMax, Math.abs(x));
  const err = scaleErr(got, want) * (scaleOf(want) / vMax);
  return { name: `${name} (|err| ≤ 2e-5·max|V|)`, err, tol: TOL };
}

const scaleOf = (a: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m || 1;
};
const f32Bytes = (x: Float32Array): Uint8Array => new Uint8Array(x.buffer, x.byteOffset, x.byteLength);

interface Shape { nHeads: number; nKvHeads: number; headDim: number; softcap: number; window: number; blockSize: number }
const SHAPES: Shape[] = [
  { nHeads: 4, nKvHeads: 4, headDim: 8, softcap: 0, window: 0, blockSize: 4 },
  // Odd GQA groups (pairs of query heads, then the last alone), head sizes not a multiple of 8.
  { nHeads: 9, nKvHeads: 3, headDim: 12, softcap: 0, window: 0, blockSize: 16 },
  { nHeads: 14, nKvHeads: 2, headDim: 20, softcap: 0, window: 7, blockSize: 4 },
  { nHeads: 8, nKvHeads: 2, headDim: 12, softcap: 0, window: 0, blockSize: 3 },
  { nHeads: 6, nKvHeads: 3, headDim: 64, softcap: 0, window: 5, blockSize: 16 },
  { nHeads: 4, nKvHeads: 1, headDim: 16, softcap: 20, window: 0, blockSize: 5 },
  // stories-7m's shape (no GQA), and with soft-capping.
  { nHeads: 6, nKvHeads: 6, headDim: 48, softcap: 0, window: 0, blockSize: 16 },
  { nHeads: 6, nKvHeads: 6, headDim: 48, softcap: 30, window: 3, blockSize: 4 },
];
const LONG_SHAPES: Shape[] = [
  { nHeads: 9, nKvHeads: 3, headDim: 12, softcap: 0, window: 0, blockSize: 16 },
  { nHeads: 8, nKvHeads: 8, headDim: 32, softcap: 0, window: 200, blockSize: 16 },
  { nHeads: 4, nKvHeads: 1, headDim: 16, softcap: 20, window: 0, blockSize: 5 },
  { nHeads: 6, nKvHeads: 2, headDim: 64, softcap: 0, window: 130, blockSize: 7 },
];
const params = (c: Shape): AttentionParams => ({ nHeads: c.nHeads, nKvHeads: c.nKvHeads, headDim: c.headDim, scale: 1 / Math.sqrt(c.headDim), softcap: c.softcap, window: c.window });
const label = (c: Shape): string => `heads ${c.nHeads}/${c.nKvHeads} × ${c.headDim}, softcap ${c.softcap}, window ${c.window}, block ${c.blockSize}`;

/** f32 caches filled with random K (±2) and V (±1) in every slot. */
async function f32Case(b: KernelBackend, name: string, c: Shape, kv: KvBatchView & { nSlots: number }, rand: () => number, qScale = 2): Promise<CaseResult> {
  const kvDim = c.nKvHeads * c.headDim;
  const k = randomF32(kv.nSlots * kvDim, rand, 2), v = randomF32(kv.nSlots * kvDim, rand);
  const q = randomF32(kv.nTokens * c.nHeads * c.headDim, rand, qScale);
  return attend(b, name, "f32", "f32", f32Bytes(k), f32Bytes(v), kv.nSlots, params(c), kv, q);
}

/**
 * Two sequences (lengths 40 and 300) over shuffled 16-slot blocks, appended through kvAppend in the cache's type.
 * K and V share a type, as in every model cache (the wasm kernels read both in K's type).
 */
async function appendedCases(b: KernelBackend, rand: () => number): Promise<CaseResult[]> {
  const out: CaseResult[] = [];
  const lens = [40, 300], blockSize = 16;
  const tokens = (last: number): [number, number][] => lens.flatMap((len, s) => Array.from({ length: last < 0 ? len : last }, (_, i): [number, number] => [s, (last < 0 ? 0 : len - last) + i]));
  const all = pagedBatch(tokens(-1), blockSize, rand);
  const rebatch = (toks: [number, number][]): KvBatchView => {
    const slotOf = (s: number, pos: number): number => all.blockTables[s * all.maxBlocksPerSeq + Math.floor(pos / blockSize)]! * blockSize + (pos % blockSize);
    return { ...all, nTokens: toks.length, positions: Int32Array.from(toks, ([, p]) => p), tokenSeq: Int32Array.from(toks, ([s]) => s),
      slots: Int32Array.from(toks, ([s, p]) => slotOf(s, p)) };
  };
  const last = rebatch(tokens(3));
  // One sequence at consecutive positions (a prefill chunk: a GPU's flash kernel), and a single long decode token.
  const run = rebatch(Array.from({ length: 50 }, (_, i): [number, number] => [1, 250 + i]));
  const one = rebatch([[1, 299]]);
  for (const [kType, vType, nHeads, nKvHeads, headDim, softcap, window] of [
    ["f32", "f32", 4, 2, 64, 0, 0], ["f16", "f16", 6, 2, 96, 0, 0], ["q8_0", "q8_0", 4, 4, 128, 0, 0],
    ["q8_0", "q8_0", 8, 1, 64, 30, 24], ["f16", "f16", 2, 2, 256, 0, 0],
  ] as const) {
    const kvDim = nKvHeads * headDim;
    const k = randomF32(all.nTokens * kvDim, rand), v = randomF32(all.nTokens * kvDim, rand);
    const kl = b.allocKvLayer(kType, all.nSlots, kvDim), vl = b.allocKvLayer(vType, all.nSlots, kvDim);
    b.kvAppend(kl, vl, put(b, k), put(b, v), kvDim, all);
    for (const [what, layer, type, x] of [["K", kl, kType, k], ["V", vl, vType, v]] as const) {
      const got = decodeKvBytes(type, await b.readKvLayer(layer), all.nSlots, kvDim);
      const want = new Float32Array(all.nSlots * kvDim);
      for (let t = 0; t < all.nTokens; t++) want.set(x.subarray(t * kvDim, (t + 1) * kvDim), all.slots[t]! * kvDim);
      const stored = storedAs(type, want);
      const tol = type === "f32" ? 0 : type === "f16" ? 1e-3 : 1 / 127;
      out.push({ name: `kvAppend ${what} ${type} kvDim ${kvDim} (stored values within ${tol} of max|x| of quant/'s conversion)`, err: scaleErr(got, stored), tol });
    }
    const p: AttentionParams = { nHeads, nKvHeads, headDim, scale: 1 / Math.sqrt(headDim), softcap, window };
    for (const view of [all, last, run, one]) {
      const q = randomF32(view.nTokens * nHeads * headDim, rand, 2);
      const name = `attention K ${kType} V ${vType} ${nHeads}/${nKvHeads} heads × ${headDim}${softcap ? ` softcap ${softcap}` : ""}${window ? ` window ${window}` : ""} nTokens ${view.nTokens}`;
      out.push(await attend(b, name, kType, vType, new Uint8Array(0), new Uint8Array(0), all.nSlots, p, view, q, kl, vl));
    }
  }
  return out;
}

/** x [nSlots, kvDim] as the cache type stores it (quant/'s reference conversions), decoded back to float. */
function storedAs(type: KvType, x: Float32Array): Float32Array {
  if (type === "f32") return x;
  const bytes = new Uint8Array(type === "f16" ? x.length * 2 : (x.length / 32) * 34);
  if (type === "f16") {
    const h = new Uint16Array(bytes.buffer);
    for (let i = 0; i < x.length; i++) h[i] = f32ToF16(x[i]!);
  } else quantTraits("Q8_0").quantize!(x, bytes, x.length);
  return decodeKvBytes(type, bytes, x.length, 1);
}

export async function attentionCases(ctx: SuiteContext): Promise<CaseResult[]> {
  const b = ctx.target.backend, out: CaseResult[] = [];
  if (ctx.target.quick) return appendedCases(b, rng(12345));
  for (const c of SHAPES) out.push(await f32Case(b, `attention ${label(c)}`, c, scatteredBatch(rng(c.headDim * 31 + c.nHeads), c.blockSize), rng(c.headDim * 31 + c.nHeads + 1)));
  // Decode tokens whose keys span several tiles: the running maximum rises from tile to tile, windows start inside a tile.
  for (const c of LONG_SHAPES) out.push(await f32Case(b, `attention long decode ${label(c)}`, c, longDecodeBatch(rng(c.headDim * 37 + c.window), c.blockSize), rng(c.nHeads)));
  // Raw scores far beyond a small cap (±100 against 1): the softmax must see only capped scores.
  for (const nKvHeads of [1, 4]) {
    const c: Shape = { nHeads: 4, nKvHeads, headDim: 32, softcap: 1, window: 0, blockSize: 16 };
    out.push(await f32Case(b, `attention long decode, scores capped from about ±100 to ±1, ${nKvHeads} KV head(s)`, c, longDecodeBatch(rng(71 + nKvHeads), 16), rng(72), 300));
  }
  out.push(...(await appendedCases(b, rng(12345))));
  return out;
}
