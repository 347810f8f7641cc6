import type { Model } from "../model/load-model.js";
import type { Tokenizer } from "../tokenizer/tokenizer.js";
import { generate, type GenerateOptions, type GenerationResult, type TokenLogprob } from "./generate.js";

export type GenerationEvent =
  | { type: "token"; id: number; logprob: number; top: readonly TokenLogprob[] }
  | { type: "text"; text: string }
  | { type: "done"; result: GenerationResult };

/**
 * generate() as an async iterator: a "token" event per generated token, "text" events as text becomes safe to show
 * (stop strings held back), then one "done" event with the result and timings. Leaving the loop early aborts.
 */
export async function* generateStream(model: Model, tokenizer: Tokenizer, prompt: string | readonly number[],
  opts: Omit<GenerateOptions, "onText" | "onToken" | "yieldBetweenTokens">): AsyncGenerator<GenerationEvent, void, undefined> {
  const queue: GenerationEvent[] = [];
  let wake: (() => void) | null = null;
  let failure: { error: unknown } | null = null;
  const abort = new AbortController();
  opts.signal?.addEventListener("abort", () => abort.abort(), { once: true });
  const push = (e: GenerationEvent): void => {
    queue.push(e);
    wake?.();
  };
  const run = generate(model, tokenizer, prompt, {
    ...opts,
    signal: abort.signal,
    yieldBetweenTokens: true,
    onToken: (id, logprob, top) => push({ type: "token", id, logprob, top }),
    onText: (text) => push({ type: "text", text }),
  }).then(
    (result) => push({ type: "done", result }),
    (error: unknown) => {
      failure = { error };
      wake?.();
    },
  );
  try {
    for (;;) {
      while (queue.length > 0) {
        const e = queue.shift()!;
        yield e;
        if (e.type === "done") return;
      }
      if (failure) throw (failure as { error: unknown }).error;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
    }
  } finally {
    abort.abort();
    await run;
  }
}
