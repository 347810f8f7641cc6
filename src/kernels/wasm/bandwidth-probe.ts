import type { WasmBackend } from "./wasm-backend.js";

const CHUNK_BYTES = 1 << 16;

/**
 * Read bandwidth (bytes/s) of this machine as the wasm kernels see it: the best of `reps` passes over a buffer
 * well beyond the last-level cache, split over the backend's threads like a matmul. The buffer is taken from the
 * backend's memory for good (the arena does not free), so call this once per process.
 */
export function measureReadBandwidth(backend: WasmBackend, sizeBytes = 256 << 20, reps = 5): number {
  const chunks = Math.max(1, Math.floor(sizeBytes / CHUNK_BYTES));
  const buf = backend.allocBytes(chunks * CHUNK_BYTES);
  for (let i = 0; i < buf.length; i += 4096) buf[i] = i & 0xff;
  const sums = backend.allocBytes(chunks * 4);
  const pool = backend.pool;
  const op = pool.opOf("readProbe");
  let best = Infinity;
  for (let r = 0; r <= reps; r++) {
    const t0 = performance.now();
    pool.setArgs(buf.byteOffset, CHUNK_BYTES, sums.byteOffset, 0, 0, 0);
    pool.run(op, 6, chunks);
    const ms = performance.now() - t0;
    if (r > 0) best = Math.min(best, ms);
  }
  return (chunks * CHUNK_BYTES) / (best / 1000);
}
