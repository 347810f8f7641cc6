import { kvBytesPerToken } from "../kernels/kv-layer.js";
import type { KvType } from "../kernels/kv-layer.js";
import { fitContext } from "../kv/fit-context.js";
import { machineFreeMemoryBytes } from "../server/machine-memory.js";
import type { Model } from "../model/load-model.js";

/**
 * The context `run` and `chat` use: --ctx-size when given (an error naming the sizes if it cannot fit), else the
 * model's declared context, fitted to the free memory and the backend's room (one sequence); a fitted context is
 * reported on stderr, as llama.cpp reports n_ctx.
 */
export function fittedCtxSize(model: Model, ctxSize: number | undefined, kvType: KvType): number {
  const c = model.config;
  const room = model.backend.memoryRoomBytes?.();
  const fit = fitContext({
    source: model.path,
    declaredCtxLen: c.ctxLen,
    ...(ctxSize !== undefined ? { requestedCtxLen: ctxSize } : {}),
    parallel: 1,
    kvBytesPerToken: kvBytesPerToken(kvType, c.nLayers, c.nKvHeads * c.headDim),
    freeMemoryBytes: machineFreeMemoryBytes(),
    ...(room !== undefined ? { backendRoomBytes: room } : {}),
    blockSize: 16,
  });
  if (ctxSize === undefined && fit.ctxLen < c.ctxLen) process.stderr.write(`tsinfer: ${fit.reason}\n`);
  return fit.ctxLen;
}
