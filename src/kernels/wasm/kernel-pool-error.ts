import { TsinferError } from "../../errors.js";

/** How a pool worker failed a job: it exited, threw, or held a chunk past the pool's stall timeout. */
export type PoolWorkerFailure = "exited" | "threw" | "stalled";

/**
 * A pool worker failed while it held part of a kernel's job: that job's output is incomplete, so the step that ran
 * it fails. The pool has already replaced its workers (same shared memory), so the next step can run.
 */
export class KernelPoolError extends TsinferError {
  constructor(
    readonly workerIndex: number,
    readonly failure: PoolWorkerFailure,
    detail: string,
  ) {
    super(`wasm pool worker ${workerIndex} ${failure}${detail ? `: ${detail}` : ""}; the step failed and the pool was rebuilt`);
  }
}
