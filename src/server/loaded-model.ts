import { EngineCore } from "../engine/engine-core.js";
import type { ParseLimits } from "./parse-generation-request.js";
import { PromptTokenizer } from "./prompt-tokenizer.js";
import type { ServedModel } from "./served-model.js";

/**
 * A prompt needs at least (UTF-8 bytes / the longest token's bytes) tokens, and UTF-16 characters ≤ UTF-8 bytes;
 * the factor 2 leaves room for normalizers that shrink text (e.g. collapsing whitespace).
 */
const PROMPT_CHARS_SLACK = 2;

export interface EngineLimits {
  /** Token budget of one step. */
  readonly maxBatchTokens: number;
  /** Most sequences per step. */
  readonly maxSeqs: number;
  /** Most choices (`n`) per request. */
  readonly maxN: number;
}

/**
 * A model in memory with everything that serves it: its own engine (step loop, KV cache, scheduler), its prompt
 * tokenizer (and worker thread), and the request limits its context sets. `close` stops and frees all of it.
 */
export class LoadedModel {
  readonly engine: EngineCore;
  readonly tokenizer: PromptTokenizer;
  readonly limits: ParseLimits;
  /** Requests holding the model (from routing to their end). */
  active = 0;
  lastUsedMs = performance.now();

  constructor(
    readonly served: ServedModel,
    o: EngineLimits,
    private readonly freeBackend: () => Promise<void>,
  ) {
    this.engine = new EngineCore(served.model, { maxBatchTokens: o.maxBatchTokens, maxSeqs: o.maxSeqs, traceTopK: 5, now: () => performance.now() });
    this.tokenizer = new PromptTokenizer(served);
    const ctxLen = served.model.ctxLen;
    const tokenBytes = served.maxTokenBytes;
    const maxPromptChars = tokenBytes === undefined ? undefined : ctxLen * tokenBytes * PROMPT_CHARS_SLACK;
    this.limits = { vocabSize: served.model.vocabSize, ctxLen, maxN: o.maxN, ...(maxPromptChars !== undefined ? { maxPromptChars } : {}) };
    void this.engine.run();
  }

  get memoryBytes(): number {
    return this.served.memoryBytes ?? 0;
  }

  /** Stops the engine loop, the tokenizer worker and the backend's threads; nothing may use the model after. */
  async close(): Promise<void> {
    await this.engine.stop();
    await this.tokenizer.close();
    await this.freeBackend();
  }
}
