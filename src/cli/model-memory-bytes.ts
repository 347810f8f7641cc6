import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** Room beside the weights for activations and a modest KV cache: what a backend's memory must hold besides them. */
export const ACTIVATIONS_AND_KV_BYTES = 256 * 2 ** 20;

/** Bytes of a model file, or of the files of a model directory (the weights' size before a first load measures it). */
export function modelDiskBytes(path: string): number {
  try {
    const st = statSync(path);
    if (!st.isDirectory()) return st.size;
    return readdirSync(path).reduce((n, f) => n + statSync(join(path, f)).size, 0);
  } catch {
    return 0;
  }
}

/**
 * The memory a model needs in the kernels' memory, as the wasm backend's build choice reads it (memory64 past 4 GiB):
 * its weights as stored plus ACTIVATIONS_AND_KV_BYTES; 0 when the path cannot be measured (a build is then chosen as
 * for a small model).
 */
export function modelMemoryBytes(path: string): number {
  const weights = modelDiskBytes(path);
  return weights > 0 ? weights + ACTIVATIONS_AND_KV_BYTES : 0;
}
