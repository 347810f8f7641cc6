import { readSync } from "node:fs";

// fs.readSync reads at most 2 GiB - 1 per call (libuv); larger reads go in chunks.
const maxReadBytes = 1 << 30;

/** Fills `dst` from `fd` at byte `position`; returns how many bytes were read (fewer only at end of file). */
export function readFully(fd: number, dst: Uint8Array, position: number): number {
  let done = 0;
  while (done < dst.length) {
    const length = Math.min(dst.length - done, maxReadBytes);
    const n = readSync(fd, dst, done, length, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}
