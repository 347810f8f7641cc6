import { TsinferError } from "../errors.js";

/** The engine failed closed (its state became unknown): it takes no more requests; `cause` says why. */
export class EngineDeadError extends TsinferError {
  constructor(override readonly cause: Error) {
    super(`the engine stopped after a fault it cannot contain: ${cause.message}`);
  }
}
