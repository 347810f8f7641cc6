import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { readBodySlabs } from "../../src/server/read-body-slabs.js";

/** A body arriving in 64 KB chunks, as a socket delivers it. */
function chunked(bytes: Buffer): Readable {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += 65_536) chunks.push(bytes.subarray(at, at + 65_536));
  return Readable.from(chunks, { objectMode: false });
}

function read(payload: Readable, contentLength: string | undefined, limit: number): Promise<{ err: (Error & { code?: string; statusCode?: number }) | null; slabs?: Buffer[] }> {
  return new Promise((resolve) => readBodySlabs(payload, contentLength, limit, (err, slabs) => resolve({ err, ...(slabs ? { slabs } : {}) })));
}

describe("readBodySlabs", () => {
  it("gives back exactly the bytes sent, in slabs of at most 1 MiB that own their memory, with and without Content-Length", async () => {
    const body = randomBytes(2.5 * 2 ** 20 + 123);
    for (const header of [String(body.length), undefined]) {
      const { err, slabs } = await read(chunked(body), header, 16 << 20);
      expect(err).toBeNull();
      expect(Buffer.concat(slabs ?? []).equals(body)).toBe(true);
      expect(slabs?.length).toBe(3);
      for (const s of slabs ?? []) {
        expect(s.length).toBeLessThanOrEqual(2 ** 20);
        expect(s.byteOffset).toBe(0); // transferable: no other data shares its ArrayBuffer
      }
    }
  });

  it("refuses a body over the limit (declared or not) and a body that does not match its Content-Length, with Fastify's errors", async () => {
    const body = randomBytes(300_000);
    expect((await read(chunked(body), "300000", 200_000)).err?.code).toBe("FST_ERR_CTP_BODY_TOO_LARGE");
    expect((await read(chunked(body), undefined, 200_000)).err?.code).toBe("FST_ERR_CTP_BODY_TOO_LARGE");
    expect((await read(chunked(body), "100000", 1 << 20)).err?.code).toBe("FST_ERR_CTP_INVALID_CONTENT_LENGTH");
    expect((await read(chunked(body), "400000", 1 << 20)).err?.code).toBe("FST_ERR_CTP_INVALID_CONTENT_LENGTH");
    const empty = await read(Readable.from([], { objectMode: false }), "0", 1 << 20);
    expect(empty.err).toBeNull();
    expect(Buffer.concat(empty.slabs ?? []).length).toBe(0);
  });
});
