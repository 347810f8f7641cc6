import { closeSync, ftruncateSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FormatError } from "../../src/errors.js";
import { openGguf } from "../../src/formats/index.js";
import { GgmlType } from "../../src/quant/ggml-type.js";
import { GgufBytes } from "./helpers/gguf-bytes.js";

const tmp = "tests/tmp/formats/errors";
mkdirSync(tmp, { recursive: true });
let counter = 0;

function expectFormatError(bytes: Uint8Array, message: RegExp): void {
  const path = `${tmp}/case-${counter++}.gguf`;
  writeFileSync(path, bytes);
  let caught: unknown;
  try {
    openGguf(path).close();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(FormatError);
  expect((caught as FormatError).file).toBe(path);
  expect((caught as Error).message).toMatch(message);
}

/** A valid file with one F32 tensor of `shape` at data offset 0, with optional edits. */
function oneTensor(name: string, shape: number[], type: number = GgmlType.F32, offset = 0, dataBytes = 64): Uint8Array {
  const b = new GgufBytes().header(1, 1).kvU32("general.alignment", 32).tensorInfo(name, shape, type, offset).pad();
  return b.raw(new Uint8Array(dataBytes)).bytes();
}

describe("openGguf rejects bad files with a FormatError naming the file and the fault", () => {
  it("bad magic, version 1, unknown version, big-endian", () => {
    expectFormatError(Buffer.from("GGML\x03\x00\x00\x00" + "\x00".repeat(16)), /not a GGUF file: magic is 0x4c4d4747/);
    expectFormatError(new GgufBytes().header(0, 0, 1).bytes(), /GGUF version 1 .* not supported/);
    expectFormatError(new GgufBytes().header(0, 0, 4).bytes(), /unsupported GGUF version 4/);
    expectFormatError(new GgufBytes().header(0, 0, 0x03000000).bytes(), /big-endian/);
  });

  it("truncation inside the header, a key, a value, a tensor info", () => {
    const full = oneTensor("w", [16]);
    expectFormatError(full.subarray(0, 2), /magic needs 4 bytes at offset 0, but the file ends at 2/);
    expectFormatError(full.subarray(0, 20), /tensor count is 1, more than the 0 that fit in the rest of the file/);
    expectFormatError(full.subarray(0, 30), /tensor count is 1, more than the 0 that fit/);
    expectFormatError(full.subarray(0, 50), /type of metadata key general.alignment needs 4 bytes at offset 49, but the file ends at 50/);
    expectFormatError(full.subarray(0, 70), /dimension 0 of tensor w needs 8 bytes at offset 70, but the file ends at 70/);
    expectFormatError(full.subarray(0, full.length - 1), /tensor w spans data bytes 0\.\.64, past the end of the file/);
  });

  it("an unknown tensor type, named with its tensor", () => {
    expectFormatError(oneTensor("blk.3.attn_q.weight", [16], 99), /tensor blk\.3\.attn_q\.weight has type 99, which no known format uses/);
    expectFormatError(oneTensor("old", [32], 4), /tensor old has type 4, which no known format uses/); // removed Q4_2
  });

  it("absurd counts are refused before anything is allocated", () => {
    expectFormatError(new GgufBytes().header(1n << 60n, 0).bytes(), /tensor count is 1152921504606846976, more than/);
    expectFormatError(new GgufBytes().header(0, 0xffffffffffffffffn).bytes(), /metadata key count is 18446744073709551615/);
    expectFormatError(new GgufBytes().header(0, 1).u64(1n << 62n).raw("k".repeat(20)).bytes(), /metadata key #0 length is 4611686018427387904/);
    const longString = new GgufBytes().header(0, 1).str("k").u32(8).u64(1_000_000_000).raw("abc").bytes();
    expectFormatError(longString, /value of metadata key k length is 1000000000/);
    const longArray = new GgufBytes().header(0, 1).str("tokens").u32(9).u32(8).u64(500_000_000).str("a").bytes();
    expectFormatError(longArray, /array length of metadata key tokens is 500000000, more than the 1 that fit/);
    const deep = new GgufBytes().header(0, 1).str("deep").u32(9);
    for (let i = 0; i < 20; i++) deep.u32(9).u64(1);
    expectFormatError(deep.bytes(), /metadata key deep nests arrays more than 8 deep/);
  });

  it("bad value types, bools and alignment", () => {
    expectFormatError(new GgufBytes().header(0, 1).str("k").u32(13).u32(0).bytes(), /metadata key k has value type 13/);
    expectFormatError(new GgufBytes().header(0, 1).str("k").u32(7).raw(new Uint8Array([2])).bytes(), /metadata key k is a bool stored as 2/);
    expectFormatError(new GgufBytes().header(0, 1).kvU32("general.alignment", 24).bytes(), /general.alignment is 24/);
    expectFormatError(new GgufBytes().header(0, 1).kvU32("general.alignment", 0).bytes(), /general.alignment is 0/);
  });

  it("dimensions whose product overflows, too many dimensions, rows not a multiple of the block size", () => {
    // Each dimension is bounded by what the file could hold (8 values a byte) before any product is taken.
    expectFormatError(oneTensor("w", [2 ** 31, 2 ** 31, 2 ** 31]), /dimension 0 of tensor w is 2147483648, more than the 1536 values a file of this size can hold/);
    expectFormatError(oneTensor("w", [0, 2 ** 31]), /dimension 1 of tensor w is 2147483648, more than the \d+ values/);
    const huge = new GgufBytes().header(1, 0).tensorInfo("w", [1n << 60n], 0, 0).pad().bytes();
    expectFormatError(huge, /dimension 0 of tensor w is 1152921504606846976, more than the \d+ values a file of this size can hold/);
    const giant = new GgufBytes().header(1, 0).tensorInfo("w", [0xffffffffffffffffn], 0, 0).pad().bytes();
    expectFormatError(giant, /dimension 0 of tensor w is 18446744073709551615/);
    expectFormatError(oneTensor("w", [1, 1, 1, 1, 1]), /tensor w has 5 dimensions, more than 4/);
    expectFormatError(oneTensor("w", [48], GgmlType.Q4_0), /tensor w has row length 48, not a multiple of the block size 32/);
  });

  it("duplicate tensor names and keys, misaligned and out-of-file offsets", () => {
    const dupTensor = new GgufBytes().header(2, 0).tensorInfo("w", [8], 0, 0).tensorInfo("w", [8], 0, 32).pad();
    expectFormatError(dupTensor.raw(new Uint8Array(64)).bytes(), /tensor w appears twice/);
    expectFormatError(new GgufBytes().header(0, 2).kvU32("k", 1).kvU32("k", 2).bytes(), /metadata key k appears twice/);
    expectFormatError(oneTensor("w", [4], GgmlType.F32, 8), /tensor w has data offset 8, not a multiple of the alignment 32/);
    expectFormatError(oneTensor("w", [4], GgmlType.F32, 1 << 20), /tensor w spans data bytes 1048576\.\.1048592, past the end/);
    const overlap = new GgufBytes().header(2, 0).tensorInfo("a", [16], GgmlType.F32, 0).tensorInfo("b", [8], GgmlType.F32, 32).pad();
    expectFormatError(overlap.raw(new Uint8Array(96)).bytes(), /tensors a \(bytes \d+\.\.\d+\) and b \(from byte \d+\) overlap/);
    const shared = new GgufBytes().header(2, 0).tensorInfo("blk.0.w", [8], GgmlType.F32, 0).tensorInfo("blk.1.w", [8], GgmlType.F32, 0).pad();
    expectFormatError(shared.raw(new Uint8Array(32)).bytes(), /tensors blk\.0\.w .* and blk\.1\.w .* overlap/);
  });

  it("a missing file", () => {
    expect(() => openGguf(`${tmp}/does-not-exist.gguf`)).toThrow(/does-not-exist.gguf: cannot open/);
  });
});

describe("openGguf on files past 4 GiB (sparse, no disk used)", () => {
  it("reads tensor infos with 64-bit offsets and sizes, and the bytes of a tensor beyond 4 GiB", () => {
    const path = `${tmp}/sparse-5g.gguf`;
    const farOffset = 4.5 * 2 ** 30; // relative to the data section, a multiple of 32
    const hugeBytes = 4 * 2 ** 30 + 64; // an I8 tensor larger than 4 GiB
    const header = new GgufBytes()
      .header(2, 1)
      .str("general.architecture").u32(8).str("llama")
      .tensorInfo("huge", [hugeBytes], GgmlType.I8, 0)
      .tensorInfo("far", [8], GgmlType.F32, farOffset)
      .pad()
      .bytes();
    const fileSize = header.length + farOffset + 32;
    const marker = new Uint8Array(32).map((_, i) => i + 1);
    const fd = openSync(path, "w");
    try {
      writeSync(fd, header, 0, header.length, 0);
      ftruncateSync(fd, fileSize);
      writeSync(fd, marker, 0, marker.length, header.length + farOffset);
      writeSync(fd, marker, 0, 4, header.length + hugeBytes - 4); // last 4 bytes of "huge"
    } finally {
      closeSync(fd);
    }
    expect(statSync(path).size).toBe(fileSize);
    const gguf = openGguf(path);
    try {
      expect(gguf.dataOffset).toBe(header.length);
      const far = gguf.tensor("far")!;
      expect(far.offset).toBe(header.length + farOffset);
      expect(far.offset).toBeGreaterThan(2 ** 32);
      expect(gguf.readTensorBytes(far)).toEqual(marker);
      const huge = gguf.tensor("huge")!;
      expect(huge.sizeBytes).toBe(hugeBytes);
      const tail = new Uint8Array(8);
      gguf.readBytesInto(huge.offset + huge.sizeBytes - 8, tail);
      expect([...tail]).toEqual([0, 0, 0, 0, 1, 2, 3, 4]);
    } finally {
      gguf.close();
    }
    // The same file cut short: "far" now ends past the end of the file.
    const fd2 = openSync(path, "r+");
    ftruncateSync(fd2, fileSize - 1);
    closeSync(fd2);
    expect(() => openGguf(path)).toThrow(/tensor far spans data bytes 4831838208\.\.4831838240, past the end/);
    writeFileSync(path, ""); // give the (sparse) blocks back
    expect(readFileSync(path).length).toBe(0);
  });
});
