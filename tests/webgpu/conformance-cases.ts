import { RefBackend } from "../../src/kernels/ref/ref-backend.js";
import type { Activation, KvBatchView, KvLayer } from "../../src/kernels/backend.js";
import { kvRowUnits, type KvType } from "../../src/kernels/kv-layer.js";
import { dequantizeKvRows } from "../../src/kernels/ref/kv-rows.js";
import { GPU_WEIGHT_TYPES, WebGpuKernels, type GpuLike, type GpuWeightType } from "../../src/kernels/webgpu/index.js";
import { randomWeight, relErr, Rng, type CaseResult } from "./conformance-util.js";

/** Stated tolerances (scale-relative, see relErr). Float32 sums in another order than the float64 oracle. */
export const TOL = { matmul: 1e-4, norm: 1e-5, elementwise: 1e-5, rope: 1e-4, attention: 1e-4, kvF16: 1e-3 } as const;

const MATMUL_SHAPES: Record<GpuWeightType, number[]> = {
  F32: [32, 96, 70], F16: [32, 96, 70], Q8_0: [32, 96], Q4_0: [32, 96], Q4_K: [256, 512], Q6_K: [256, 512],
};

async function matmulCases(gpu: WebGpuKernels, ref: RefBackend, rng: Rng, quick: boolean): Promise<CaseResult[]> {
  const out: CaseResult[] = [];
  const rpw = gpu.matvecRows;
  const sg = rpw > 1 ? `${rpw} rows/workgroup` : gpu.subgroups ? "subgroups" : "tree";
  for (const type of GPU_WEIGHT_TYPES) {
    for (const rows of quick ? [7, 33] : [7, 33, 257]) {
      for (const cols of quick ? MATMUL_SHAPES[type].slice(-1) : MATMUL_SHAPES[type]) {
        const bytes = randomWeight(rng, type, rows, cols);
        const rw = ref.loadWeight(type, rows, cols, bytes);
        const gw = gpu.loadWeight(type, rows, cols, bytes);
        for (const nTok of quick ? [1, 8] : [1, 3, 17]) {
          const x = rng.f32(nTok * cols);
          const want = new Float32Array(nTok * rows);
          ref.matmul(want, x, rw, nTok);
          const gx = gpu.tensor(x), go = gpu.tensor(nTok * rows);
          gpu.matmul(go, gx, gw, nTok);
          out.push({ name: `matmul ${type} [${rows}x${cols}] nTokens ${nTok} (${nTok > 8 ? "tiled" : sg})`, err: relErr(await gpu.readF32(go), want), tol: TOL.matmul });
        }
        if (!quick && rows === 33) {
          const ids = new Int32Array([0, 32, 5, 17]);
          const want = new Float32Array(4 * cols);
          ref.embed(want, rw, ids, 4);
          const idb = gpu.kvView({ nTokens: 4, blockSize: 1, positions: ids, slots: ids, tokenSeq: ids, blockTables: ids, maxBlocksPerSeq: 1 });
          const go = gpu.tensor(4 * cols);
          gpu.embed(go, gw, idb.positions, 4);
          // Exact on SwiftShader; 1e-6 leaves room for a GPU that fuses d · q − m into one FMA (Q4_K).
          out.push({ name: `embed ${type} [${rows}x${cols}]`, err: relErr(await gpu.readF32(go), want), tol: 1e-6 });
        }
      }
    }
  }
  return out;
}

async function rowCases(gpu: WebGpuKernels, ref: RefBackend, rng: Rng): Promise<CaseResult[]> {
  const out: CaseResult[] = [];
  for (const [nRows, n] of [[1, 64], [5, 1000], [3, 4096]] as const) {
    const x = rng.f32(nRows * n, -3, 3), wv = rng.f32(n), bv = rng.f32(n);
    const gx = gpu.tensor(x), gw = gpu.tensor(wv), gb = gpu.tensor(bv);
    for (const mode of ["w", "none", "addOne"] as const) {
      const want = new Float32Array(nRows * n);
      ref.rmsNorm(want, x, mode === "none" ? null : wv, nRows, n, 1e-5, mode === "addOne");
      const go = gpu.tensor(nRows * n);
      gpu.rmsNorm(go, gx, mode === "none" ? null : gw, nRows, n, 1e-5, mode === "addOne");
      out.push({ name: `rmsNorm ${mode} [${nRows}x${n}]`, err: relErr(await gpu.readF32(go), want), tol: TOL.norm });
    }
    for (const bias of [true, false]) {
      const want = new Float32Array(nRows * n);
      ref.layerNorm(want, x, wv, bias ? bv : null, nRows, n, 1e-5);
      const go = gpu.tensor(x); // in place: out aliases x
      gpu.layerNorm(go, go, gw, bias ? gb : null, nRows, n, 1e-5);
      out.push({ name: `layerNorm ${bias ? "bias" : "no bias"} in place [${nRows}x${n}]`, err: relErr(await gpu.readF32(go), want), tol: TOL.norm });
    }
    const want = x.slice();
    ref.softmax(want, nRows, n);
    const gs = gpu.tensor(x.map((v) => v * 4));
    want.set(x.map((v) => v * 4));
    ref.softmax(want, nRows, n);
    gpu.softmax(gs, nRows, n);
    out.push({ name: `softmax [${nRows}x${n}]`, err: relErr(await gpu.readF32(gs), want), tol: TOL.norm });
  }
  return out;
}

async function elementwiseCases(gpu: WebGpuKernels, ref: RefBackend, rng: Rng): Promise<CaseResult[]> {
  const out: CaseResult[] = [];
  const nRows = 3, n = 333, stride = 2 * n + 5;
  const x = rng.f32(nRows * n, -6, 6);
  const check = async (name: string, g: Parameters<WebGpuKernels["readF32"]>[0], want: Float32Array): Promise<void> => {
    out.push({ name, err: relErr(await gpu.readF32(g), want), tol: TOL.elementwise });
  };
  for (const act of ["silu", "gelu", "geluErf"] as Activation[]) {
    const want = x.slice();
    ref.activate(want, want.length, act);
    const g = gpu.tensor(x);
    gpu.activate(g, x.length, act);
    await check(`activate ${act}`, g, want);
    const fused = rng.f32(nRows * stride, -6, 6);
    const wantG = new Float32Array(nRows * n);
    ref.glu(wantG, fused, fused.subarray(n + 3), nRows, n, stride, act);
    const gf = gpu.tensor(fused), go = gpu.tensor(nRows * n);
    gpu.glu(go, gf, gf, nRows, n, stride, act, 0, n + 3);
    await check(`glu ${act} fused gate-up (stride ${stride})`, go, wantG);
  }
  const b = rng.f32(nRows * n), v = rng.f32(n);
  let want = new Float32Array(x.length);
  ref.add(want, x, b, x.length);
  let g = gpu.tensor(x);
  gpu.add(g, g, gpu.tensor(b), x.length);
  await check("add (out aliases a)", g, want);
  for (const op of ["addRows", "mulRows"] as const) {
    want = x.slice();
    ref[op](want, v, nRows, n);
    g = gpu.tensor(x);
    gpu[op](g, gpu.tensor(v), nRows, n);
    await check(op, g, want);
  }
  want = x.slice();
  ref.scale(want, x.length, 0.37);
  g = gpu.tensor(x);
  gpu.scale(g, x.length, 0.37);
  await check("scale", g, want);
  want = x.map((t) => t * 10);
  ref.softcap(want, x.length, 30);
  g = gpu.tensor(x.map((t) => t * 10));
  gpu.softcap(g, x.length, 30);
  await check("softcap 30", g, want);
  for (const layout of ["normal", "neox"] as const) {
    for (const [headDim, nRot] of [[64, 64], [80, 32]] as const) {
      const nTok = 5, nHeads = 3;
      const q = rng.f32(nTok * nHeads * headDim);
      const pos = new Int32Array([0, 1, 7, 100, 37]);
      const inv = new Float32Array(nRot / 2).map((_, i) => Math.fround(10000 ** (-(2 * i) / nRot)));
      want = q.slice();
      ref.rope(want, nTok, nHeads, headDim, nRot, pos, inv, layout, 1.1);
      const gq = gpu.tensor(q);
      const view = gpu.kvView({ nTokens: nTok, blockSize: 1, positions: pos, slots: pos, tokenSeq: pos, blockTables: pos, maxBlocksPerSeq: 1 });
      gpu.rope(gq, nTok, nHeads, headDim, nRot, view.positions, gpu.tensor(inv), layout, 1.1);
      out.push({ name: `rope ${layout} headDim ${headDim} nRot ${nRot}`, err: relErr(await gpu.readF32(gq), want), tol: TOL.rope });
    }
  }
  return out;
}

function newLayer(type: KvType, nSlots: number, kvDim: number): KvLayer {
  const units = nSlots * kvRowUnits(type, kvDim);
  return type === "f32" ? new Float32Array(units) : type === "f16" ? new Uint16Array(units) : new Uint8Array(units);
}

/** Two sequences (lengths 40 and `long`) over shuffled 16-slot blocks: append all, then attend with the last 3 of each. */
async function attentionCases(gpu: WebGpuKernels, ref: RefBackend, rng: Rng, long: number): Promise<CaseResult[]> {
  const out: CaseResult[] = [];
  const blockSize = 16, lens = [40, long], maxBlocks = Math.ceil(long / blockSize);
  const nBlocks = 2 * maxBlocks;
  const perm = Array.from({ length: nBlocks }, (_, i) => i).sort(() => rng.next() - 0.5);
  const blockTables = Int32Array.from(perm);
  const appendView = (seqLast: number): KvBatchView => {
    const positions: number[] = [], tokenSeq: number[] = [];
    lens.forEach((len, s) => {
      for (let p = seqLast < 0 ? 0 : len - seqLast; p < len; p++) { positions.push(p); tokenSeq.push(s); }
    });
    const slots = positions.map((p, t) => blockTables[tokenSeq[t]! * maxBlocks + Math.floor(p / blockSize)]! * blockSize + (p % blockSize));
    return { nTokens: positions.length, blockSize, positions: Int32Array.from(positions), slots: Int32Array.from(slots),
      tokenSeq: Int32Array.from(tokenSeq), blockTables, maxBlocksPerSeq: maxBlocks };
  };
  const all = appendView(-1), last = appendView(3);
  // One sequence at consecutive positions (a prefill chunk): the flash kernel's case.
  const runPos = Array.from({ length: 50 }, (_, i) => long - 50 + i);
  const run: KvBatchView = { ...all, nTokens: 50, positions: Int32Array.from(runPos), tokenSeq: new Int32Array(50).fill(1),
    slots: Int32Array.from(runPos, (q) => blockTables[maxBlocks + Math.floor(q / blockSize)]! * blockSize + (q % blockSize)) };
  const nSlots = nBlocks * blockSize;
  for (const [kType, vType, nHeads, nKvHeads, headDim, softcap, window] of [
    ["f32", "f32", 4, 2, 64, 0, 0], ["f16", "f16", 6, 2, 96, 0, 0], ["q8_0", "q8_0", 4, 4, 128, 0, 0],
    ["f16", "q8_0", 8, 1, 64, 30, 24], ["f32", "f16", 2, 2, 256, 0, 0],
  ] as const) {
    const kvDim = nKvHeads * headDim;
    const k = rng.f32(all.nTokens * kvDim), v = rng.f32(all.nTokens * kvDim);
    const rk = newLayer(kType, nSlots, kvDim), rv = newLayer(vType, nSlots, kvDim);
    ref.kvAppend(rk, rv, k, v, kvDim, all);
    const gk = gpu.kvLayer(kType, nSlots, kvDim), gv = gpu.kvLayer(vType, nSlots, kvDim);
    gpu.kvAppend(gk, gv, gpu.tensor(k), gpu.tensor(v), kvDim, gpu.kvView(all));
    for (const [name, rl, gl, t] of [["K", rk, gk, kType], ["V", rv, gv, vType]] as const) {
      const got = dequantizeKvRows(await gpu.readKvLayer(gl), kvDim, nSlots), want = dequantizeKvRows(rl, kvDim, nSlots);
      // f16: one rounding of a value; q8_0: one quantum (amax/127) of ≤ 1 over max |x| = 1.
      out.push({ name: `kvAppend ${name} ${t} kvDim ${kvDim}`, err: relErr(got, want), tol: t === "f32" ? 0 : t === "f16" ? TOL.kvF16 : 1 / 127 });
    }
    gpu.writeKvLayer(gk, rk);
    gpu.writeKvLayer(gv, rv);
    const p = { nHeads, nKvHeads, headDim, scale: 1 / Math.sqrt(headDim), softcap, window };
    for (const view of [all, last, run]) {
      const q = rng.f32(view.nTokens * nHeads * headDim, -2, 2);
      const want = new Float32Array(q.length);
      ref.attention(want, q, rk, rv, p, view);
      const gview = gpu.kvView(view), gq = gpu.tensor(q);
      const desc = `attention K ${kType} V ${vType} ${nHeads}/${nKvHeads} heads × ${headDim}${softcap ? ` softcap ${softcap}` : ""}${window ? ` window ${window}` : ""} nTokens ${view.nTokens}`;
      const variants: [string, WebGpuKernels][] = [[gview.oneRun && headDim <= 128 ? " flash" : "", gpu]];
      if (view === last) variants.push([" split-K 5", new WebGpuKernels(gpu.device, { attentionSplits: 5 })]);
      if (view === run) variants.push([" per-token", new WebGpuKernels(gpu.device, { flashAttention: false })]);
      for (const [label, kernels] of variants) {
        const go = kernels.tensor(q.length);
        kernels.attention(go, gq, gk, gv, p, gview);
        out.push({ name: `${desc}${label}`, err: relErr(await kernels.readF32(go), want), tol: TOL.attention });
      }
    }
  }
  return out;
}

/** Runs every kernel and weight type against the ref backend on the same inputs. quick: fewer matmul shapes. */
export async function runConformance(gpuApi: GpuLike, opts: { quick?: boolean; long?: number } = {}): Promise<{ adapter: string; results: CaseResult[] }> {
  const adapter = await gpuApi.requestAdapter();
  if (!adapter) return { adapter: "none", results: [] };
  const info = adapter.info ?? {};
  const gpu = await WebGpuKernels.create(gpuApi);
  const tree = new WebGpuKernels(gpu.device, { subgroups: false });
  const ref = new RefBackend();
  const rng = new Rng(12345);
  const results = [
    ...(await matmulCases(gpu, ref, rng, opts.quick ?? false)),
    ...(gpu.subgroups ? await matmulCases(tree, ref, rng, true) : []),
    ...(await matmulCases(new WebGpuKernels(gpu.device, { matvecRows: 4 }), ref, rng, true)),
    ...(await rowCases(gpu, ref, rng)),
    ...(await elementwiseCases(gpu, ref, rng)),
    ...(await attentionCases(gpu, ref, rng, opts.long ?? 300)),
  ];
  return { adapter: `${info.vendor ?? "?"} / ${info.architecture ?? "?"} / ${info.description ?? info.device ?? ""} subgroups=${gpu.subgroups}`, results };
}
