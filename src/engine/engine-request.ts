import type { Sampler } from "../sampling/sampler.js";
import type { FinishReason, RequestParams } from "./request-params.js";

/** One generated token as the engine reports it. */
export interface TokenEvent {
  token: number;
  /** Index of this token in the request's output. */
  index: number;
  /** Natural-log probability of the token under the model's raw distribution (null when not asked). */
  logprob: number | null;
  /** Top alternatives [id, logprob], most likely first (empty when not asked). */
  topLogprobs: [number, number][];
  atMs: number;
}

export interface RequestListener {
  onToken(req: EngineRequest, ev: TokenEvent): void;
  onFinish(req: EngineRequest): void;
}

export type RequestStatus = "waiting" | "running" | "finished";

/** A prompt chunk or decode token run in one step, for the request trace. */
export interface ChunkRecord {
  step: number;
  start: number;
  nTokens: number;
  startMs: number;
  endMs: number;
}

/**
 * A request inside the engine: its tokens (prompt + generated), how many of them are in the KV cache
 * (`numComputed`), its block table, timings and trace. The scheduler never distinguishes prefill from decode:
 * a request needs `numTokens - numComputed` more tokens computed before it can sample.
 */
export class EngineRequest {
  status: RequestStatus = "waiting";
  finishReason: FinishReason | null = null;
  /** Set when the engine failed while running this request (it then finishes with reason "abort"). */
  error: Error | null = null;
  readonly output: number[] = [];
  numComputed = 0;
  numCachedPromptTokens = 0;
  numPreemptions = 0;
  /** Whether the prefix cache was searched for this request (counted once in the cache's statistics). */
  prefixLookedUp = false;
  readonly blockTable: number[] = [];
  /** The prefix cache's content id of each committed full block (the next block's parent). */
  readonly blockContents: number[] = [];
  /** How many of blockTable's leading blocks are registered in the prefix cache. */
  numCommittedBlocks = 0;
  // Timings (engine clock, ms).
  firstScheduledMs: number | null = null;
  firstTokenMs: number | null = null;
  lastTokenMs: number | null = null;
  finishedMs: number | null = null;
  readonly tokenTimesMs: number[] = [];
  // Trace.
  readonly chunks: ChunkRecord[] = [];
  /** [atMs, blocks held, blocks shared with other sequences] whenever it changes. */
  readonly kvBlocksOverTime: [number, number, number][] = [];
  readonly topAlternatives: [number, number][][] = [];
  readonly outputLogprobs: number[] = [];

  constructor(
    readonly id: string,
    readonly seqId: number,
    readonly prompt: readonly number[],
    readonly params: RequestParams,
    readonly sampler: Sampler,
    readonly arrivalMs: number,
    readonly listener: RequestListener,
  ) {}

  get numTokens(): number {
    return this.prompt.length + this.output.length;
  }

  tokenAt(i: number): number {
    const np = this.prompt.length;
    return i < np ? this.prompt[i] : this.output[i - np];
  }

  get isFinished(): boolean {
    return this.status === "finished";
  }
}
