import { InputError } from "../errors.js";

export interface ContextFitInput {
  /** The file (or directory) whose context_length is fitted, for messages. */
  readonly source: string;
  /** The context the model declares (its training context). */
  readonly declaredCtxLen: number;
  /** --ctx-size, when given. */
  readonly requestedCtxLen?: number;
  /** --kv-cache-size in tokens, when given, and as written (for messages). */
  readonly requestedCapacityTokens?: number;
  readonly requestedCapacityText?: string;
  /** Sequences that may run at once (each may grow to a whole context). */
  readonly parallel: number;
  /** K and V bytes of one token over all layers, as stored. */
  readonly kvBytesPerToken: number;
  /** Free memory of the machine (or its cgroup). */
  readonly freeMemoryBytes: number;
  /** Room left in the backend's own memory (a WebAssembly memory holds at most 4 GiB); undefined: no such limit. */
  readonly backendRoomBytes?: number;
  readonly blockSize: number;
}

export interface ContextFit {
  readonly ctxLen: number;
  readonly capacityTokens: number;
  /** The KV budget and which limit set it. */
  readonly budgetBytes: number;
  /** One line saying what was chosen and why (printed at start, like llama.cpp's n_ctx line). */
  readonly reason: string;
}

/** The KV cache takes at most this share of the free memory by default, leaving the rest to the process and the machine. */
export const KV_FREE_MEMORY_SHARE = 0.5;
/** Below this many tokens a fitted context is not worth serving. */
const MIN_FITTED_CTX = 256;
/** Kept free in the backend's memory for scratch, logits and activations sized by the batch. */
const BACKEND_RESERVE_BYTES = 64 << 20;

const mib = (n: number): string => `${Math.round(n / 2 ** 20)} MiB`;

/**
 * Sizes the context and the KV cache (tokens) to the model and the machine. Without --ctx-size the context is the
 * declared one if `parallel` whole contexts fit the budget, else the largest multiple of 256 that does (but never
 * less than min(declared, 4096) while one such context fits): a file declaring 131072 positions gets what this
 * machine can hold instead of an allocation failure. An explicit --ctx-size (or --kv-cache-size) that cannot fit is
 * an error naming the sizes. The budget is the smaller of half the free memory and the backend's room.
 */
export function fitContext(i: ContextFitInput): ContextFit {
  const memoryBudget = Math.floor(i.freeMemoryBytes * KV_FREE_MEMORY_SHARE);
  const backendBudget = i.backendRoomBytes === undefined ? Infinity : Math.max(0, i.backendRoomBytes - BACKEND_RESERVE_BYTES);
  const budgetBytes = Math.min(memoryBudget, backendBudget);
  const limitName = backendBudget < memoryBudget ? `the backend's memory (${mib(backendBudget)} left of one 4 GiB WebAssembly memory)` : `half the free memory (${mib(memoryBudget)})`;
  const budgetTokens = Math.floor(budgetBytes / i.kvBytesPerToken);
  const declared = i.declaredCtxLen;

  if (i.requestedCtxLen !== undefined || i.requestedCapacityTokens !== undefined) {
    const ctxLen = Math.min(i.requestedCtxLen ?? declared, declared);
    const wanted = i.requestedCapacityTokens ?? ctxLen * i.parallel;
    if (i.requestedCapacityTokens !== undefined && wanted < ctxLen)
      throw new InputError(`--kv-cache-size ${i.requestedCapacityText ?? ""}: holds ${wanted} tokens, less than one context of ${ctxLen}`);
    const capacityTokens = i.requestedCapacityTokens ?? Math.max(ctxLen, Math.min(wanted, budgetTokens));
    if (capacityTokens > budgetTokens) {
      const what = i.requestedCapacityTokens !== undefined ? `--kv-cache-size ${i.requestedCapacityText ?? ""} (${capacityTokens} tokens)` : `--ctx-size ${ctxLen}`;
      throw new InputError(
        `${i.source}: ${what} needs a KV cache of ${mib(capacityTokens * i.kvBytesPerToken)} (${i.kvBytesPerToken} bytes per token), more than the budget of ${mib(budgetBytes)} set by ${limitName}: pass a smaller --ctx-size (or --kv-cache-size, or --kv-type q8_0)`,
      );
    }
    const shared = capacityTokens < ctxLen * i.parallel ? `, shared by ${i.parallel} sequences` : "";
    return { ctxLen, capacityTokens, budgetBytes, reason: `n_ctx = ${ctxLen} (as asked${ctxLen < (i.requestedCtxLen ?? 0) ? `, capped at the declared ${declared}` : ""}), KV cache ${capacityTokens} tokens = ${mib(capacityTokens * i.kvBytesPerToken)}${shared}` };
  }

  if (budgetTokens < Math.min(declared, MIN_FITTED_CTX))
    throw new InputError(`${i.source}: not even ${Math.min(declared, MIN_FITTED_CTX)} tokens of KV cache (${i.kvBytesPerToken} bytes each) fit the budget of ${mib(budgetBytes)} set by ${limitName}`);
  if (declared * i.parallel <= budgetTokens) {
    const capacityTokens = declared * i.parallel;
    return { ctxLen: declared, capacityTokens, budgetBytes, reason: `n_ctx = ${declared} (the model's declared context), KV cache ${capacityTokens} tokens = ${mib(capacityTokens * i.kvBytesPerToken)} for ${i.parallel} sequences` };
  }
  const perSequence = Math.floor(budgetTokens / i.parallel / 256) * 256;
  const floor = Math.min(declared, 4096, Math.floor(budgetTokens / i.blockSize) * i.blockSize);
  const ctxLen = Math.max(perSequence, floor);
  const capacityTokens = Math.min(ctxLen * i.parallel, Math.floor(budgetTokens / i.blockSize) * i.blockSize);
  const shared = capacityTokens < ctxLen * i.parallel ? ` shared by ${i.parallel} sequences` : ` for ${i.parallel} sequences`;
  return {
    ctxLen,
    capacityTokens,
    budgetBytes,
    reason: `n_ctx = ${ctxLen}, fitted: the model declares ${declared} but ${i.parallel} × ${declared} tokens of KV cache (${mib(declared * i.parallel * i.kvBytesPerToken)}) exceed ${limitName}; KV cache ${capacityTokens} tokens = ${mib(capacityTokens * i.kvBytesPerToken)}${shared} (--ctx-size to choose)`,
  };
}
