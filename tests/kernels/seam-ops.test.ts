import { afterAll, describe, expect, it } from "vitest";
import type { KernelBackend, Tensor } from "../../src/kernels/backend.js";
import { InputError } from "../../src/errors.js";
import { createRefBackend } from "../../src/kernels/ref/index.js";
import { WasmBackend } from "../../src/kernels/wasm/index.js";

// The memory and data-movement ops of the backend seam (issue 21 item 5) on every CPU backend, through the interface
// only (tensorFrom / readF32), so they read the same on any backend. Expected values are worked out by hand in the
// comments next to them.
const wasm = [new WasmBackend({ threads: 1 }), new WasmBackend({ threads: 2 })];
afterAll(async () => {
  await Promise.all(wasm.map((b) => b.close()));
});
const backends: [string, KernelBackend][] = [["ref", createRefBackend()], ...wasm.map((b) => [`wasm ${b.threads} thread(s)`, b] as [string, KernelBackend])];

const read = async (b: KernelBackend, t: Tensor, n = t.length): Promise<number[]> => [...(await b.readF32(t, n))];
const f32Bytes = (values: number[]): Uint8Array => new Uint8Array(new Float32Array(values).buffer);

describe.each(backends)("backend seam ops: %s", (_label, b) => {
  it("tensorFrom / view / write / readF32 / snapshot", async () => {
    const t = b.tensorFrom(Float32Array.of(1, 2, 3, 4, 5, 6));
    expect(t.length).toBe(6);
    const half = b.view(t, 3, 3);
    b.write(half, Float32Array.of(40, 50), 1); // t = 1 2 3 4 40 50
    expect(await read(b, t)).toEqual([1, 2, 3, 4, 40, 50]);
    const before = await b.snapshot(t, 6);
    b.write(t, Float32Array.of(-1));
    expect([...before]).toEqual([1, 2, 3, 4, 40, 50]); // a snapshot is a copy
    expect(await read(b, half)).toEqual([4, 40, 50]);
    expect(await read(b, t, 2)).toEqual([-1, 2]);
    expect(await read(b, b.allocTensor(3))).toEqual([0, 0, 0]);
    expect(() => b.view(t, 4, 3)).toThrow(InputError);
    expect(() => b.write(t, new Float32Array(2), 5)).toThrow(/write: values \[5, 7\) lie outside a tensor of 6/);
  });

  it("copy and gatherRows", async () => {
    const src = b.tensorFrom(Float32Array.of(1, 2, 3, 4, 5, 6)); // 3 rows of 2
    const dst = b.allocTensor(6);
    b.gatherRows(dst, src, Int32Array.of(2, 0, 2), 3, 2);
    expect(await read(b, dst)).toEqual([5, 6, 1, 2, 5, 6]);
    b.copy(dst, src, 4);
    expect(await read(b, dst)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("KV layers: zero-filled, byte round trip, slot copies in f32, f16 and q8_0 rows", async () => {
    for (const [type, rowBytes] of [["f32", 128], ["f16", 64], ["q8_0", 34]] as const) {
      const layer = b.allocKvLayer(type, 4, 32); // 32 values per row: 128, 64 or 34 (one Q8_0 block) bytes
      expect([layer.type, layer.nSlots, layer.kvDim]).toEqual([type, 4, 32]);
      const zero = await b.readKvLayer(layer);
      expect(zero.byteLength).toBe(4 * rowBytes);
      expect(zero.every((x) => x === 0)).toBe(true);
      const bytes = Uint8Array.from({ length: 4 * rowBytes }, (_, i) => (i * 7 + 3) & 0xff);
      b.writeKvLayer(layer, bytes);
      b.copyKvSlots(layer, 0, 2, 1); // row 0 → row 2
      const got = await b.readKvLayer(layer);
      const want = Uint8Array.from(bytes);
      want.copyWithin(2 * rowBytes, 0, rowBytes);
      expect(Buffer.compare(got, want)).toBe(0);
      expect(() => b.writeKvLayer(layer, new Uint8Array(3))).toThrow(/writeKvLayer: 3 bytes given/);
      expect(() => b.copyKvSlots(layer, 3, 0, 2)).toThrow(InputError);
    }
    expect(() => b.allocKvLayer("q8_0", 4, 48)).toThrow(/multiple of 32/);
  });

  it("moeRoute: top k best first, ties to the lower expert id, renormalized on request", async () => {
    const probs = b.tensorFrom(Float32Array.of(0.1, 0.5, 0.2, 0.2, 0.25, 0.25, 0.25, 0.25));
    const routing = b.allocRouting(4, 2);
    expect([routing.maxTokens, routing.k]).toEqual([4, 2]);
    // Route, then read the choice back through a weighted combine of one-hot rows y[slot] = e_slot.
    const y = b.tensorFrom(Float32Array.from({ length: 16 }, (_, i) => (i % 5 === 0 ? 1 : 0))); // 4 slots × 4
    const out = b.allocTensor(8);
    b.moeRoute(routing, probs, 2, 4, 2, false);
    b.moeCombine(out, y, routing, 2, 4);
    // Token 0: experts 1 (0.5) then 2 (0.2, the tie with 3 goes to 2) in slots 0, 1; token 1: experts 0, 1, 0.25 each.
    expect(await read(b, out)).toEqual([0.5, Math.fround(0.2), 0, 0, 0, 0, 0.25, 0.25]);
    const ids = b.tensorFrom(Float32Array.of(1, 2, 0, 1)); // each slot's own expert id as its row
    const idOut = b.allocTensor(2);
    const chosen = b.allocTensor(4);
    b.matmulExperts(chosen, b.tensorFrom(Float32Array.of(1, 1)), [0, 1, 2, 3].map((e) => b.loadWeight("F32", 1, 1, f32Bytes([e]))), routing, 2, false);
    expect(await read(b, chosen)).toEqual(await read(b, ids)); // x = 1 times expert e's 1×1 weight [e]
    b.moeRoute(routing, probs, 2, 4, 2, true);
    b.moeCombine(idOut, chosen, routing, 2, 1);
    // Renormalized: token 0 → 1·(0.5/0.7) + 2·(0.2/0.7) = 0.9/0.7; token 1 → 0·0.5 + 1·0.5.
    const [t0, t1] = await read(b, idOut);
    expect(t0).toBeCloseTo(0.9 / 0.7, 6);
    expect(t1).toBe(0.5);
    expect(() => b.moeRoute(routing, probs, 5, 4, 2, false)).toThrow(InputError);
    expect(() => b.moeRoute(routing, probs, 2, 1, 2, false)).toThrow(/k = 2 experts per token, but only 1 experts/);
    expect(() => b.allocRouting(0, 2)).toThrow(InputError);
  });

  it("matmulExperts: each slot's row times its expert, from the token's row or the slot's own", async () => {
    // Experts [2 rows, 3 cols]: E0 = [[1,0,0],[0,1,0]], E1 = [[0,0,1],[1,1,1]], E2 = [[2,0,0],[0,0,2]].
    const experts = [[1, 0, 0, 0, 1, 0], [0, 0, 1, 1, 1, 1], [2, 0, 0, 0, 0, 2]].map((w) => b.loadWeight("F32", 2, 3, f32Bytes(w)));
    const routing = b.allocRouting(2, 2);
    b.moeRoute(routing, b.tensorFrom(Float32Array.of(0.3, 0.1, 0.6, 0.1, 0.5, 0.4)), 2, 3, 2, false); // t0 → E2, E0; t1 → E1, E2
    const out = b.allocTensor(8);
    b.matmulExperts(out, b.tensorFrom(Float32Array.of(1, 2, 3, 4, 5, 6)), experts, routing, 2, false);
    // x0 = [1,2,3]: E2 → [2, 6], E0 → [1, 2]; x1 = [4,5,6]: E1 → [6, 15], E2 → [8, 12].
    expect(await read(b, out)).toEqual([2, 6, 1, 2, 6, 15, 8, 12]);
    b.matmulExperts(out, b.tensorFrom(Float32Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1)), experts, routing, 2, true);
    // Slot rows e0, e1, e2, [1,1,1]: E2·e0 = [2, 0], E0·e1 = [0, 1], E1·e2 = [1, 1], E2·[1,1,1] = [2, 2].
    expect(await read(b, out)).toEqual([2, 0, 0, 1, 1, 1, 2, 2]);
    const combined = b.allocTensor(4);
    b.matmulExperts(out, b.tensorFrom(Float32Array.of(1, 2, 3, 4, 5, 6)), experts, routing, 2, false);
    b.moeCombine(combined, out, routing, 2, 2);
    // t0: 0.3·[1, 2] (E0) + 0.6·[2, 6] (E2); t1: 0.5·[6, 15] (E1) + 0.4·[8, 12] (E2).
    const got = await read(b, combined);
    [0.3 + 1.2, 0.6 + 3.6, 3 + 3.2, 7.5 + 4.8].forEach((v, i) => expect(got[i]).toBeCloseTo(v, 5));
  });

  it("moeCombine sums from 0 in ascending expert id, rounding to float32 after each add", async () => {
    // Weights 0.25, 0.125, 0.5 for experts 0, 1, 2 (best first: 2, 0, 1). Contributions 1e8 (E0), 1 (E1), -1e8 (E2):
    // in id order (1e8 + 1 = 1e8 in float32) - 1e8 = 0; best first (-1e8 + 1e8) + 1 would give 1.
    const routing = b.allocRouting(1, 3);
    b.moeRoute(routing, b.tensorFrom(Float32Array.of(0.25, 0.125, 0.5)), 1, 3, 3, false);
    const y = b.tensorFrom(Float32Array.of(-2e8, 4e8, 8)); // slots in best-first order: E2, E0, E1
    const out = b.allocTensor(1);
    b.moeCombine(out, y, routing, 1, 1);
    expect(await read(b, out)).toEqual([0]);
  });
});
