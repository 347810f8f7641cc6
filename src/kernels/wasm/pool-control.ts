/**
 * Slots of the pool's control block (an Int32Array over a SharedArrayBuffer); the kernel arguments follow the slots
 * as float64 (ARGS_BYTE_OFFSET): addresses of a memory64 memory pass 2^32, and a float64 holds any below 2^53.
 */
export const CTRL = {
  /** Bumped by the main thread to post a job. */
  gen: 0,
  /** Chunks of the current job finished (by any thread). */
  done: 1,
  /** Index of the kernel in the pool's name table. */
  op: 2,
  /** Number of kernel arguments before (r0, r1): 6, 8 or 12. */
  argc: 3,
  /** The job's range [0, n), its chunks' length (the last may be shorter) and their number. */
  n: 16,
  chunk: 17,
  chunks: 18,
  /**
   * The next chunk to claim, tagged with the job: (gen & TAG_MASK) << CHUNK_BITS | index. A thread claims with a
   * compare-and-swap that also checks the tag, so a thread late by a job can never take a chunk of the next one.
   */
  next: 19,
  /**
   * Index of a worker that died (its process "exit" handler writes it: the calling thread, blocked in Atomics.wait,
   * cannot see the Worker's "exit" event), 0 while all live; BROKEN when the pool could not be rebuilt.
   */
  failed: 20,
  /** How that worker died: FAILED_EXIT, FAILED_THROW, or FAILED_START (before it could run a kernel). */
  failedKind: 21,
  /** Test fault injection: (worker index << 2) | FAULT_* ; the worker fails that way at the next chunk it claims. */
  fault: 22,
  /** The dead worker's error message, one UTF-16 code unit per slot (MESSAGE_SLOTS of them), 0-terminated. */
  message: 24,
  /** Per worker (slot + index): 1 while it is inside a job's claim loop, so a dead or stalled one can be named. */
  holding: 64,
  stop: 127,
  size: 128,
  maxThreads: 32,
} as const;

/** Where the kernel arguments (ARG_SLOTS float64) start in the control block's buffer, after CTRL.size int32 slots. */
export const ARGS_BYTE_OFFSET = CTRL.size * 4;
export const ARG_SLOTS = 12;
/** Bytes of the control block's buffer: the int32 slots, then the arguments. */
export const CONTROL_BYTES = ARGS_BYTE_OFFSET + ARG_SLOTS * 8;

export const FAILED_EXIT = 1;
export const FAILED_THROW = 2;
export const FAILED_START = 3;
export const BROKEN = -1;
export const MESSAGE_SLOTS = 39;
export const FAULT_EXIT = 1;
export const FAULT_THROW = 2;
export const FAULT_HANG = 3;

/** Bits of `next` that count chunks (a job has at most maxThreads × CHUNKS_PER_THREAD < 256 chunks). */
export const CHUNK_BITS = 8;
export const CHUNK_MASK = (1 << CHUNK_BITS) - 1;
export const TAG_MASK = 0xffffff;
/** Chunks per thread a job is cut into: a thread that falls behind (a busy host) delays one chunk, not half a job. */
export const CHUNKS_PER_THREAD = 4;
/**
 * The most chunks per thread a job may ask for (maxThreads × this < 2^CHUNK_BITS). Float products over 4 tokens or
 * more (decoding batches, prefill) take it: a chunk there converts and tiles many rows, and the last one held the
 * other threads waiting (a stories-7m step of 8 sequences, two threads: 0.95–0.96× the time with 7 instead of 4,
 * one sequence unchanged; quantized decode of small models lost up to 7 % with 7, so it keeps 4).
 */
export const MAX_CHUNKS_PER_THREAD = 7;
