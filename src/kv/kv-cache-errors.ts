import { InputError } from "../errors.js";

/** A sequence would grow past the cache's context length. */
export class ContextOverflowError extends InputError {
  constructor(readonly seqId: number, readonly position: number, readonly ctxLen: number) {
    super(`kv cache: sequence ${seqId} needs position ${position}, past its context length ${ctxLen} (positions 0…${ctxLen - 1})`);
  }
}
