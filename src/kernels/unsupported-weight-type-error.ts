import { TsinferError } from "../errors.js";

/** loadWeight of a type the backend has no matmul/embed kernel for; names the type and the types it has. */
export class UnsupportedWeightTypeError extends TsinferError {
  constructor(readonly backend: string, readonly type: string, readonly supported: readonly string[]) {
    super(`${backend} backend: weight type ${type} has no kernel here (it multiplies ${supported.join(", ")})`);
  }
}
