/** How the wasm backend runs: threads, SIMD build, address width, the pool's spin and watchdog, weight packing. */
export interface WasmBackendOptions {
  /** Threads running each kernel, the calling thread included (default 1). */
  threads?: number;
  /** Use the relaxed-SIMD build where the runtime validates it (default true). */
  relaxedSimd?: boolean;
  /**
   * Run the memory64 build (64-bit addresses, up to 16 GiB; Node ≥ 24): true, false, or "auto" (default), which picks
   * it only when `memoryBytes` passes what a 32-bit memory holds (memory64-choice.ts).
   */
  memory64?: boolean | "auto";
  /** Bytes the model will place in wasm memory (weights, KV cache, scratch), when the caller knows them. */
  memoryBytes?: number;
  /** Pool workers' spin iterations before they sleep. */
  spinLimit?: number;
  /** How long a pool worker may hold a chunk before the step fails and the pool is rebuilt (POOL_STALL_TIMEOUT_MS). */
  stallTimeoutMs?: number;
  /** Interleave Q8_0/Q4_0/IQ4_NL weights four rows at a time at load (default true; packed-rows.ts). */
  packWeights?: boolean;
}
