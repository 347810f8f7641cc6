/** How the wasm backend runs: threads, SIMD build, the pool's spin and watchdog, weight packing. */
export interface WasmBackendOptions {
  /** Threads running each kernel, the calling thread included (default 1). */
  threads?: number;
  /** Use the relaxed-SIMD build where the runtime validates it (default true). */
  relaxedSimd?: boolean;
  /** Pool workers' spin iterations before they sleep. */
  spinLimit?: number;
  /** How long a pool worker may hold a chunk before the step fails and the pool is rebuilt (POOL_STALL_TIMEOUT_MS). */
  stallTimeoutMs?: number;
  /** Interleave Q8_0/Q4_0/IQ4_NL weights four rows at a time at load (default true; packed-rows.ts). */
  packWeights?: boolean;
}
