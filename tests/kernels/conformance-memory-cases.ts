import type { KernelBackend, KvType } from "../../src/kernels/backend.js";
import { kvRowBytes } from "../../src/kernels/kv-layer.js";
import type { GgmlTypeName } from "../../src/quant/ggml-type.js";
import { quantTraits } from "../../src/quant/registry.js";
import type { SuiteContext } from "./conformance-suite.js";
import { decodeRows, exactResult, get, put, randomF32, randomWeightBytes, rng, thrown, type CaseResult } from "./conformance-util.js";

// Tensors, views, host writes and reads, copies and KV layer storage: all exact (they move values, no arithmetic
// beyond the ops named). Offsets are odd on purpose: a GPU view is not aligned to any binding boundary.

const bytesEqual = (name: string, got: Uint8Array, want: Uint8Array): CaseResult => {
  let bad = 0, first = -1;
  for (let i = 0; i < Math.max(got.length, want.length); i++) if (got[i] !== want[i]) { bad++; if (first < 0) first = i; }
  return { name: `${name} (byte for byte)`, err: bad, tol: 0, detail: first < 0 ? undefined : `${bad} bytes differ, first at ${first}` };
};

/** Small cases with values worked out by hand (in the comments next to them). */
async function handWorked(b: KernelBackend): Promise<CaseResult[]> {
  const out: CaseResult[] = [];
  const t = b.tensorFrom(Float32Array.of(1, 2, 3, 4, 5, 6));
  const half = b.view(t, 3, 3);
  b.write(half, Float32Array.of(40, 50), 1); // t = 1 2 3 4 40 50
  out.push(exactResult("write into a view at offset 1: 1 2 3 4 40 50", await get(b, t, 6), Float32Array.of(1, 2, 3, 4, 40, 50)));
  const before = await b.snapshot(t, 6);
  b.write(t, Float32Array.of(-1));
  out.push(exactResult("a snapshot is a copy: later writes leave it 1 2 3 4 40 50", before, Float32Array.of(1, 2, 3, 4, 40, 50)));
  out.push(exactResult("readF32 of the view: 4 40 50", await get(b, half, 3), Float32Array.of(4, 40, 50)));
  out.push(exactResult("readF32 of the first 2 after write(-1): -1 2", await get(b, t, 2), Float32Array.of(-1, 2)));
  const src = b.tensorFrom(Float32Array.of(1, 2, 3, 4, 5, 6)); // 3 rows of 2
  const dst = b.allocTensor(6);
  b.gatherRows(dst, src, Int32Array.of(2, 0, 2), 3, 2);
  out.push(exactResult("gatherRows rows 2, 0, 2 of [[1,2],[3,4],[5,6]]", await get(b, dst, 6), Float32Array.of(5, 6, 1, 2, 5, 6)));
  b.copy(dst, src, 4);
  out.push(exactResult("copy of the first 4 over it", await get(b, dst, 6), Float32Array.of(1, 2, 3, 4, 5, 6)));
  for (const [type, rowBytes] of [["f32", 128], ["f16", 64], ["q8_0", 34]] as const) {
    const layer = b.allocKvLayer(type, 4, 32); // 32 values per row: 128, 64 or 34 (one Q8_0 block) bytes
    const shape = layer.type === type && layer.nSlots === 4 && layer.kvDim === 32 && (await b.readKvLayer(layer)).byteLength === 4 * rowBytes;
    out.push({ name: `allocKvLayer ${type} 4 × 32 reports its type and shape, ${4 * rowBytes} bytes`, err: shape ? 0 : 1, tol: 0 });
    const bytes = Uint8Array.from({ length: 4 * rowBytes }, (_, i) => (i * 7 + 3) & 0xff);
    b.writeKvLayer(layer, bytes);
    b.copyKvSlots(layer, 0, 2, 1); // row 0 → row 2
    const want = Uint8Array.from(bytes);
    want.copyWithin(2 * rowBytes, 0, rowBytes);
    out.push(bytesEqual(`copyKvSlots ${type} row 0 → row 2 (${rowBytes}-byte rows)`, await b.readKvLayer(layer), want));
  }
  return out;
}

export async function memoryCases(ctx: SuiteContext): Promise<CaseResult[]> {
  const b = ctx.target.backend;
  const rand = rng(31337);
  const out: CaseResult[] = await handWorked(b);
  const n = 301;
  const a = randomF32(n, rand), c = randomF32(n, rand);

  out.push(exactResult("allocTensor is zero-filled", await get(b, b.allocTensor(n), n), new Float32Array(n)));
  out.push(exactResult("tensorFrom then readF32 of the first 250", await get(b, put(b, a), 250), a.subarray(0, 250)));

  // write lands in the order of the recorded work: scale, write part, scale again.
  const t = put(b, a);
  b.scale(t, n, 2);
  b.write(t, c.subarray(0, 40), 7);
  b.scale(t, n, 3);
  const want = a.map((v) => Math.fround(Math.fround(v * 2) * 3));
  for (let i = 0; i < 40; i++) want[7 + i] = Math.fround(c[i]! * 3);
  out.push(exactResult("write between two recorded ops (offset 7)", await get(b, t, n), want));

  // snapshot copies the values at its point of the work, though the next op is recorded before it resolves.
  const s = put(b, a);
  b.scale(s, n, 2);
  const early = b.snapshot(s, n);
  b.scale(s, n, 3);
  out.push(exactResult("snapshot before a later op", await early, a.map((v) => Math.fround(v * 2))));
  out.push(exactResult("readF32 after it", await get(b, s, n), want.map((_, i) => Math.fround(Math.fround(a[i]! * 2) * 3))));

  // Views at odd offsets as inputs and outputs of one op, over one tensor; a view of a view.
  const u = put(b, a), v = put(b, c);
  const inner = b.view(u, 3, 200);
  b.add(b.view(inner, 2, 50), b.view(u, 101, 50), b.view(v, 13, 50), 50);
  const wantU = a.slice();
  for (let i = 0; i < 50; i++) wantU[5 + i] = Math.fround(a[101 + i]! + c[13 + i]!);
  out.push(exactResult("add over views at offsets 5 (a view of a view), 101 and 13", await get(b, u, n), wantU));
  out.push(exactResult("readF32 of a view", await get(b, b.view(v, 77, 9), 9), c.subarray(77, 86)));

  // copy: distinct tensors, views of one tensor (apart: the interface leaves overlapping ranges unspecified).
  const d = b.allocTensor(n);
  b.copy(b.view(d, 1, 120), b.view(put(b, a), 50, 120), 120);
  const wantD = new Float32Array(n);
  wantD.set(a.subarray(50, 170), 1);
  out.push(exactResult("copy between views of two tensors", await get(b, d, n), wantD));
  const e = put(b, a);
  b.copy(b.view(e, 200, 90), b.view(e, 11, 90), 90);
  const wantE = a.slice();
  wantE.set(a.subarray(11, 101), 200);
  out.push(exactResult("copy within one tensor", await get(b, e, n), wantE));

  // Host index arrays are read when the op is recorded: the same array changed between two ops of one step.
  const rows = Int32Array.from([4, 0, 2]);
  const src = put(b, a.subarray(0, 50)), g1 = b.allocTensor(30), g2 = b.allocTensor(30);
  b.gatherRows(g1, src, rows, 3, 10);
  rows.set([1, 1, 3]);
  b.gatherRows(g2, src, rows, 2, 10);
  const pick = (ids: number[]): Float32Array => Float32Array.from(ids.flatMap((r) => Array.from(a.subarray(r * 10, r * 10 + 10))));
  out.push(exactResult("gatherRows rows 4, 0, 2", await get(b, g1, 30), pick([4, 0, 2])));
  out.push(exactResult("gatherRows rows 1, 1 (same Int32Array, changed after the first op was recorded)", await get(b, g2, 20), pick([1, 1])));

  // copyColumns: Q, K and V parts out of fused rows (odd widths).
  const fused = randomF32(5 * 13, rand);
  const ft = put(b, fused);
  for (const [c0, width] of [[0, 7], [7, 3], [10, 3]] as const) {
    const dst = b.allocTensor(5 * width);
    b.copyColumns(dst, ft, 5, 13, c0, width);
    const wantC = new Float32Array(5 * width);
    for (let r = 0; r < 5; r++) wantC.set(fused.subarray(r * 13 + c0, r * 13 + c0 + width), r * width);
    out.push(exactResult(`copyColumns [5x13] columns ${c0}…${c0 + width - 1}`, await get(b, dst, 5 * width), wantC));
  }

  // loadVector dequantizes norm weights and biases on load.
  for (const type of ["F32", "F16", "BF16", "Q8_0"] as GgmlTypeName[]) {
    const len = type === "Q8_0" ? 96 : 37;
    const bytes = randomWeightBytes(type, 1, len, rand);
    out.push(exactResult(`loadVector ${type} [${len}]`, await get(b, b.loadVector(type, len, bytes), len), decodeRows(type, bytes, 1, len)));
  }
  out.push(...(await kvStorageCases(ctx, rand)));
  out.push(...badInputCases(ctx));
  return out;
}

/** Bad arguments throw InputError (a typed error naming what is wrong) on every backend. */
function badInputCases(ctx: SuiteContext): CaseResult[] {
  const b = ctx.target.backend;
  const t = b.allocTensor(10), layer = b.allocKvLayer("f16", 4, 8), routing = b.allocRouting(2, 2);
  const cases: [string, () => unknown][] = [
    ["view past the end", () => b.view(t, 8, 3)],
    ["write past the end", () => b.write(t, new Float32Array(4), 7)],
    ["readF32 of more values than the tensor holds", () => b.readF32(t, 11)],
    ["allocKvLayer q8_0 with kvDim 48 (not whole blocks of 32)", () => b.allocKvLayer("q8_0", 4, 48)],
    ["allocKvLayer with 0 slots", () => b.allocKvLayer("f32", 0, 8)],
    ["writeKvLayer of the wrong size", () => b.writeKvLayer(layer, new Uint8Array(63))],
    ["copyKvSlots past the last slot", () => b.copyKvSlots(layer, 2, 0, 3)],
    ["moeRoute of 3 tokens into a routing buffer of 2", () => b.moeRoute(routing, b.allocTensor(12), 3, 4, 2, true)],
    ["moeRoute of top 2 of 1 expert", () => b.moeRoute(routing, b.allocTensor(2), 2, 1, 2, true)],
    ["allocRouting for 0 tokens", () => b.allocRouting(0, 2)],
  ];
  return cases.map(([what, fn]) => {
    const msg = thrown(() => void fn());
    return { name: `${what} throws InputError: ${msg ?? "did not throw"}`, err: msg?.startsWith("InputError") ? 0 : 1, tol: 0 };
  });
}

/** KV layers: zero at allocation, bytes in and out unchanged, copyKvSlots between slots (rows need not start on a word). */
async function kvStorageCases(ctx: SuiteContext, rand: () => number): Promise<CaseResult[]> {
  const b = ctx.target.backend;
  const out: CaseResult[] = [];
  for (const [type, kvDim] of [["f32", 12], ["f16", 6], ["q8_0", 32], ["q8_0", 64]] as [KvType, number][]) {
    const nSlots = 11, row = kvRowBytes(type, kvDim);
    const layer = b.allocKvLayer(type, nSlots, kvDim);
    out.push(bytesEqual(`allocKvLayer ${type} kvDim ${kvDim} is zero-filled`, await b.readKvLayer(layer), new Uint8Array(nSlots * row)));
    const bytes = new Uint8Array(nSlots * row);
    if (type === "q8_0") quantTraits("Q8_0").quantize!(randomF32(nSlots * kvDim, rand), bytes, nSlots * kvDim);
    else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(rand() * 256);
    b.writeKvLayer(layer, bytes);
    out.push(bytesEqual(`writeKvLayer / readKvLayer ${type} kvDim ${kvDim}`, await b.readKvLayer(layer), bytes));
    b.copyKvSlots(layer, 1, 6, 3);
    b.copyKvSlots(layer, 8, 7, 3);
    const want = bytes.slice();
    want.copyWithin(6 * row, 1 * row, 4 * row);
    want.copyWithin(7 * row, 8 * row, 11 * row);
    out.push(bytesEqual(`copyKvSlots ${type} kvDim ${kvDim} (${row}-byte rows; apart, then overlapping)`, await b.readKvLayer(layer), want));
  }
  return out;
}
