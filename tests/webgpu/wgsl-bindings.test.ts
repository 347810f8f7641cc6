import { describe, expect, it } from "vitest";
import type { GpuBufferLike } from "../../src/kernels/webgpu/gpu-types.js";
import { bindBuffers, type BufferSpec } from "../../src/kernels/webgpu/wgsl-bindings.js";

// Runs without a GPU: how logical buffers map to WGSL bindings when `out` aliases an input.
const buf = (size: number): GpuBufferLike => ({
  size, mapAsync: async () => undefined, getMappedRange: () => new ArrayBuffer(0), unmap: () => undefined, destroy: () => undefined,
});
const specs: BufferSpec[] = [
  { name: "a", elem: "f32", write: false }, { name: "b", elem: "f32", write: false }, { name: "out", elem: "f32", write: true },
];

describe("bindBuffers", () => {
  it("gives distinct buffers their own bindings, read-only unless written", () => {
    const [a, b, o] = [buf(16), buf(16), buf(16)];
    const r = bindBuffers(specs, [a, b, o]);
    expect(r.buffers).toEqual([a, b, o]);
    expect(r.key).toBe("0.1.2");
    expect(r.wgsl).toContain("@group(0) @binding(1) var<storage, read> b0: array<f32>;");
    expect(r.wgsl).toContain("@group(0) @binding(3) var<storage, read_write> b2: array<f32>;");
    expect(r.wgsl).toContain("fn st_out(i: u32, v: f32) { b2[offs[0][2] + i] = v; }");
    expect(r.offsetsBinding).toBe(4);
    expect(r.wgsl).toContain("@group(0) @binding(4) var<uniform> offs: array<vec4<u32>, 4>;");
  });

  it("folds an aliased output into its input's binding, made read_write", () => {
    const [a, b] = [buf(16), buf(16)];
    const r = bindBuffers(specs, [a, b, a]);
    expect(r.buffers).toEqual([a, b]);
    expect(r.key).toBe("0.1.0");
    expect(r.wgsl).toContain("@group(0) @binding(1) var<storage, read_write> b0: array<f32>;");
    expect(r.wgsl).toContain("fn ld_a(i: u32) -> f32 { return b0[offs[0][0] + i]; }");
    expect(r.wgsl).toContain("fn st_out(i: u32, v: f32) { b0[offs[0][2] + i] = v; }");
    expect(r.offsetsBinding).toBe(3);
  });

  it("gives views of one buffer one binding and each its own offset word (the fifth logical buffer: offs[1][0])", () => {
    const a = buf(64);
    const five: BufferSpec[] = ["p", "q", "s", "t", "gate"].map((name) => ({ name, elem: "f32", write: false }));
    const r = bindBuffers([...five, { name: "out", elem: "f32", write: true }], [buf(16), buf(16), buf(16), buf(16), a, a]);
    expect(r.buffers.length).toBe(5);
    expect(r.wgsl).toContain("fn ld_gate(i: u32) -> f32 { return b4[offs[1][0] + i]; }");
    expect(r.wgsl).toContain("fn st_out(i: u32, v: f32) { b4[offs[1][1] + i] = v; }");
  });

  it("refuses to alias buffers of different element types", () => {
    const a = buf(16);
    expect(() => bindBuffers([{ name: "w", elem: "u32", write: false }, { name: "out", elem: "f32", write: true }], [a, a]))
      .toThrow(/"out" \(f32\) shares a buffer with "w" \(u32\)/);
  });

  it("refuses more logical buffers than the offsets uniform holds", () => {
    const many = Array.from({ length: 17 }, (_, i): BufferSpec => ({ name: `x${i}`, elem: "f32", write: false }));
    expect(() => bindBuffers(many, many.map(() => buf(16)))).toThrow(/17 logical buffers \(max 16\)/);
  });
});
