import { InputError } from "../errors.js";
import { kvRowBytes, type KvType } from "../kernels/kv-layer.js";
import { fitContext, type ContextFit } from "../kv/fit-context.js";
import { parseKvCacheSize } from "../kv/kv-cache-size.js";
import type { Model } from "../model/model-api.js";
import { ModelRunner } from "./model-runner.js";

export interface RunnerFitOptions {
  /** Most sequences per step. */
  readonly parallel: number;
  /** Longest sequence; default (and maximum) the model's context, fitted to the memory. */
  readonly ctxSize?: number;
  /** KV cache capacity: "64MB" / "1.5GB" (bytes) or "4096t" (tokens); default ctxSize × parallel tokens. */
  readonly kvCacheSize?: string;
  readonly blockSize?: number;
  /** KV cache element type (f32, f16 or q8_0); default f32. */
  readonly kvType?: KvType;
  /** Free memory the KV cache is fitted to (a server passes the machine's). */
  readonly freeMemoryBytes: number;
}

/**
 * A model runner for serving: sizes the context and the KV store to the model, the flags and the memory
 * (fitContext: what was chosen and why), then allocates them.
 */
export function fitModelRunner(model: Model, o: RunnerFitOptions): { runner: ModelRunner; fit: ContextFit } {
  const c = model.config;
  if (o.ctxSize !== undefined && (!Number.isInteger(o.ctxSize) || o.ctxSize < 2)) throw new InputError(`--ctx-size ${o.ctxSize}: expected an integer ≥ 2`);
  const kvType = o.kvType ?? "f32";
  const blockSize = o.blockSize ?? 16;
  const storedBytesPerToken = 2 * c.nLayers * kvRowBytes(kvType, c.nKvHeads * c.headDim); // K and V rows as stored
  const room = model.backend.memoryRoomBytes?.();
  const fit = fitContext({
    source: model.path,
    declaredCtxLen: c.ctxLen,
    ...(o.ctxSize !== undefined ? { requestedCtxLen: o.ctxSize } : {}),
    ...(o.kvCacheSize !== undefined ? { requestedCapacityTokens: parseKvCacheSize(o.kvCacheSize, storedBytesPerToken), requestedCapacityText: o.kvCacheSize } : {}),
    parallel: o.parallel,
    kvBytesPerToken: storedBytesPerToken,
    freeMemoryBytes: o.freeMemoryBytes,
    ...(room !== undefined ? { backendRoomBytes: room } : {}),
    blockSize,
  });
  const runner = new ModelRunner(model, { ctxLen: fit.ctxLen, capacityTokens: fit.capacityTokens, blockSize, kvType });
  return { runner, fit };
}
