// Test input builder: raw GGUF bytes written field by field (independent of writeGguf), so tests can craft
// headers that no correct writer would produce.
export class GgufBytes {
  private readonly parts: Buffer[] = [];

  u32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.parts.push(b);
    return this;
  }
  u64(v: number | bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.parts.push(b);
    return this;
  }
  raw(bytes: Uint8Array | string): this {
    this.parts.push(Buffer.from(bytes));
    return this;
  }
  str(s: string): this {
    const b = Buffer.from(s, "utf8");
    return this.u64(b.length).raw(b);
  }
  /** magic, version, tensor count, kv count. */
  header(tensorCount: number | bigint, kvCount: number | bigint, version = 3): this {
    return this.raw("GGUF").u32(version).u64(tensorCount).u64(kvCount);
  }
  /** A key with a uint32 value (type 4). */
  kvU32(key: string, v: number): this {
    return this.str(key).u32(4).u32(v);
  }
  tensorInfo(name: string, shape: (number | bigint)[], type: number, offset: number | bigint): this {
    this.str(name).u32(shape.length);
    for (const d of shape) this.u64(d);
    return this.u32(type).u64(offset);
  }
  get length(): number {
    return this.parts.reduce((n, p) => n + p.length, 0);
  }
  /** Zero bytes up to the next multiple of `alignment`. */
  pad(alignment = 32): this {
    return this.raw(new Uint8Array((alignment - (this.length % alignment)) % alignment));
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}
