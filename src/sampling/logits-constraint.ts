/**
 * A per-sequence constraint on which token may come next (a grammar matcher): the Sampler masks the logits with it
 * before its chain and advances it with every token the sequence keeps.
 */
export interface LogitsConstraint {
  /** Sets the logit of every token the constraint forbids now to -Infinity, in place. */
  maskLogits(logits: Float32Array): void;
  /** Advances past a kept token; throws if the token was not allowed. */
  accept(id: number): void;
  /** The constraint has accepted a complete output and its stop token: nothing more may follow. */
  readonly isTerminated: boolean;
  /** Forgets the last `nTokens` accepted tokens. */
  rollback(nTokens: number): void;
  /** Frees what the constraint holds (its matcher); later calls are errors. */
  dispose(): void;
}
