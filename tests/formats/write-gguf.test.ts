import { mkdirSync, readFileSync, readdirSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import { FormatError } from "../../src/errors.js";
import { GgufValueType, ggufKv, openGguf, writeGguf } from "../../src/formats/index.js";
import type { GgufFile, GgufKv, GgufWriteTensor } from "../../src/formats/index.js";
import { GgmlType } from "../../src/quant/ggml-type.js";

const tmp = "tests/tmp/formats";
vi.setConfig({ testTimeout: 30_000 }); // the shared test machine is often loaded
mkdirSync(tmp, { recursive: true });

const fixtures = [
  "models/stories-7m/stories-7m-f16.gguf",
  "tests/fixtures/quant/quant-types.gguf",
  ...readdirSync("tests/fixtures/vocab")
    .filter((f) => f.endsWith(".gguf"))
    .map((f) => `tests/fixtures/vocab/${f}`),
];

function rewrite(src: GgufFile, dst: string): void {
  const tensors: GgufWriteTensor[] = src.tensors.map((t) => ({
    name: t.name,
    type: t.type,
    shape: t.shape,
    data: () => src.readTensorBytes(t),
  }));
  writeGguf(dst, src.kvs, tensors, { version: src.version as 2 | 3, alignment: src.alignment });
}

describe("writeGguf", () => {
  it.each(fixtures)("re-writes %s byte for byte (files written by llama.cpp's gguf-py)", (path) => {
    const src = openGguf(path);
    const dst = `${tmp}/${path.split("/").pop()!}`;
    try {
      rewrite(src, dst);
    } finally {
      src.close();
    }
    expect(Buffer.compare(readFileSync(dst), readFileSync(path))).toBe(0);
  });

  it("round-trips every value type, nested arrays, 64-bit extremes, version 2 and a custom alignment", () => {
    const kvs: GgufKv[] = [
      { key: "general.alignment", type: GgufValueType.UINT32, value: 64 },
      { key: "t.u8", type: GgufValueType.UINT8, value: 255 },
      { key: "t.i8", type: GgufValueType.INT8, value: -128 },
      { key: "t.u16", type: GgufValueType.UINT16, value: 65535 },
      { key: "t.i16", type: GgufValueType.INT16, value: -32768 },
      { key: "t.u32", type: GgufValueType.UINT32, value: 4294967295 },
      { key: "t.i32", type: GgufValueType.INT32, value: -2147483648 },
      { key: "t.f32", type: GgufValueType.FLOAT32, value: Math.fround(0.1) },
      { key: "t.bool", type: GgufValueType.BOOL, value: false },
      { key: "t.str", type: GgufValueType.STRING, value: "héllo ▁wörld 🦙" },
      { key: "t.u64.big", type: GgufValueType.UINT64, value: 18446744073709551615n },
      { key: "t.u64.small", type: GgufValueType.UINT64, value: 2 ** 53 - 1 },
      { key: "t.i64", type: GgufValueType.INT64, value: -9223372036854775808n },
      { key: "t.f64", type: GgufValueType.FLOAT64, value: 0.1 },
      { key: "t.empty", type: GgufValueType.ARRAY, itemType: GgufValueType.FLOAT32, value: [] },
      { key: "t.strs", type: GgufValueType.ARRAY, itemType: GgufValueType.STRING, value: ["", "a", "ß"] },
      { key: "t.bools", type: GgufValueType.ARRAY, itemType: GgufValueType.BOOL, value: [true, false] },
      { key: "t.i64s", type: GgufValueType.ARRAY, itemType: GgufValueType.INT64, value: [1, -5, 2n ** 62n] },
      {
        key: "t.nested",
        type: GgufValueType.ARRAY,
        itemType: GgufValueType.ARRAY,
        value: [[1, 2], ["x"], [[3]]],
        nested: [
          { itemType: GgufValueType.UINT16 },
          { itemType: GgufValueType.STRING },
          { itemType: GgufValueType.ARRAY, items: [{ itemType: GgufValueType.INT8 }] },
        ],
      },
      ggufKv("t.inferred", [0.5, 1.5]),
    ];
    const f16 = new Uint8Array([0x00, 0x3c, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x7c]); // 1, -2, 0, inf
    const q8 = new Uint8Array(34 * 2).map((_, i) => i);
    const path = `${tmp}/all-types.gguf`;
    writeGguf(
      path,
      kvs,
      [
        { name: "a", type: GgmlType.F16, shape: [4], data: f16 },
        { name: "b", type: GgmlType.Q8_0, shape: [32, 2], data: () => q8 },
      ],
      { version: 2 },
    );
    const back = openGguf(path);
    try {
      expect(back.version).toBe(2);
      expect(back.alignment).toBe(64);
      expect(back.kvs).toEqual(kvs);
      expect(back.kvs.find((k) => k.key === "t.inferred")!.itemType).toBe(GgufValueType.FLOAT32);
      expect(back.getNumber("t.u64.small")).toBe(2 ** 53 - 1);
      expect(back.metadata.get("t.u64.big")).toBe(18446744073709551615n);
      expect(back.tensors.map((t) => t.offset % 64)).toEqual([0, 0]);
      expect(back.readTensorBytes(back.tensor("a")!)).toEqual(f16);
      expect(back.readTensorBytes(back.tensor("b")!)).toEqual(q8);
      expect(back.tensor("b")!.shape).toEqual([32, 2]);
    } finally {
      back.close();
    }
  });

  it("rejects values that do not fit their declared type, wrong data sizes and a mismatched alignment", () => {
    const path = `${tmp}/bad.gguf`;
    expect(() => writeGguf(path, [{ key: "k", type: GgufValueType.UINT8, value: 256 }], [])).toThrow(/k holds 256/);
    expect(() => writeGguf(path, [{ key: "k", type: GgufValueType.STRING, value: 3 }], [])).toThrow(FormatError);
    expect(() => writeGguf(path, [], [{ name: "w", type: GgmlType.F32, shape: [3], data: new Uint8Array(8) }])).toThrow(
      /tensor w has 8 bytes of data, expected 12/,
    );
    expect(() => writeGguf(path, [], [{ name: "w", type: GgmlType.Q4_0, shape: [16], data: new Uint8Array(9) }])).toThrow(
      /not a multiple of the block size 32/,
    );
    expect(() => writeGguf(path, [], [], { alignment: 64 })).toThrow(/general.alignment/);
    const long = "x".repeat(64);
    expect(() => writeGguf(path, [], [{ name: long, type: GgmlType.F32, shape: [1], data: new Uint8Array(4) }])).toThrow(/64 bytes or longer/);
    expect(() => writeGguf(path, [], [{ name: "w", type: GgmlType.F32, shape: [1, 1, 1, 1, 1], data: new Uint8Array(4) }])).toThrow(
      /5 dimensions, more than 4/,
    );
  });
});
