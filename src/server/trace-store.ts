import type { RequestOwner } from "./api-keys.js";
import type { Choice, Generation } from "./generation.js";

/**
 * The last `capacity` requests, running or finished, for GET /v1/traces/:id (the web UI's inspector). A trace holds
 * its prompt and output, so it is kept only when the operator asks (`--traces N`; 0, the default, keeps none) and
 * shown only to the owner of the request (the API key it was made with; with no key set, everyone is one owner).
 */
export class TraceStore {
  private readonly entries = new Map<string, { gen: Generation; choice: Choice; owner: RequestOwner }>();

  constructor(readonly capacity: number) {}

  get enabled(): boolean {
    return this.capacity > 0;
  }

  add(gen: Generation, owner: RequestOwner): void {
    if (!this.enabled) return;
    for (const choice of gen.choices) {
      this.entries.set(choice.req.id, { gen, choice, owner });
      if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    }
  }

  ids(owner: RequestOwner): string[] {
    return [...this.entries].filter(([, e]) => e.owner === owner).map(([id]) => id);
  }

  /** Whether the request `id` is kept and belongs to `owner`. */
  owns(id: string, owner: RequestOwner): boolean {
    return this.entries.get(id)?.owner === owner;
  }

  /** The trace in the web UI's RequestTrace shape; times are ms since the request arrived. */
  get(id: string, owner: RequestOwner): object | null {
    const e = this.entries.get(id);
    if (!e || e.owner !== owner) return null;
    const { gen, choice } = e;
    const req = choice.req;
    const t0 = req.arrivalMs;
    const served = gen.served;
    const piece = (tok: number) => served.tokenPiece(tok);
    const kvBytesPerBlock = served.kvBytesPerToken * served.model.blockSize;
    return {
      id: req.id,
      promptTokens: req.prompt.map((tok) => {
        const p = piece(tok);
        return { id: tok, text: p.text, special: p.special, bytes: p.bytes };
      }),
      queueMs: req.firstScheduledMs === null ? null : req.firstScheduledMs - t0,
      prefillChunks: req.chunks.filter((c) => c.start < req.prompt.length).map((c) => ({ startMs: c.startMs - t0, endMs: c.endMs - t0, nTokens: c.nTokens, step: c.step })),
      steps: req.chunks.map((c) => ({ step: c.step, start: c.start, nTokens: c.nTokens, startMs: c.startMs - t0, endMs: c.endMs - t0 })),
      tokens: req.output.map((tok, i) => ({
        timeMs: req.tokenTimesMs[i] - t0,
        id: tok,
        text: choice.tokenTexts[i] ?? piece(tok).text,
        logprob: req.outputLogprobs[i],
        top: req.topAlternatives[i].map(([alt, logprob]) => ({ id: alt, text: piece(alt).text, logprob })),
      })),
      kv: req.kvBlocksOverTime.map(([ms, blocks, shared]) => ({ timeMs: ms - t0, blocks, sharedBlocks: shared, bytes: blocks * kvBytesPerBlock })),
      ttftMs: req.firstTokenMs === null ? null : req.firstTokenMs - t0,
      e2eMs: req.finishedMs === null ? null : req.finishedMs - t0,
      finishReason: req.finishReason,
      cachedPromptTokens: req.numCachedPromptTokens,
      preemptions: req.numPreemptions,
    };
  }
}
