/** Slots of the pool's control block (an Int32Array over a SharedArrayBuffer). */
export const CTRL = {
  /** Bumped by the main thread to post a job. */
  gen: 0,
  /** Workers finished with the current job. */
  done: 1,
  /** Index of the kernel in the pool's name table. */
  op: 2,
  /** Number of kernel arguments before (r0, r1): 6, 8 or 12. */
  argc: 3,
  args: 4,
  /** [r0, r1) per thread, thread 0 = the calling thread. */
  ranges: 32,
  stop: 127,
  size: 128,
  maxThreads: 32,
} as const;
