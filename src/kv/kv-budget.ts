import { InputError } from "../errors.js";

/**
 * Refuses a KV cache larger than `budgetBytes` before anything is allocated: by default the cache holds the
 * model's whole declared context, and a file may declare 2^31 - 1 positions. `source` names the file whose
 * context_length set the size, so the error says what to change (--ctx-size) and why.
 */
export function checkKvBudget(source: string, ctxLen: number, capacityTokens: number, bytesPerToken: number, budgetBytes: number): void {
  const bytes = capacityTokens * bytesPerToken;
  if (bytes <= budgetBytes) return;
  const mib = (n: number): string => `${(n / 2 ** 20).toFixed(0)} MiB`;
  throw new InputError(
    `${source}: a KV cache for ${capacityTokens} tokens (context ${ctxLen}) takes ${mib(bytes)}, more than the ${mib(budgetBytes)} of memory here: pass a smaller --ctx-size (or --kv-cache-size)`,
  );
}
