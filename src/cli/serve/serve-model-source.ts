import type { KernelBackend } from "../../kernels/backend.js";
import { machineFreeMemoryBytes } from "../../server/machine-memory.js";
import type { LoadServedModelOptions } from "../../server/load-served-model.js";
import { loadServedModel } from "../../server/load-served-model.js";
import type { ModelSource } from "../../server/model-source.js";
import { modelDiskBytes, modelMemoryBytes } from "../model-memory-bytes.js";
import { resolveModelArg } from "../resolve-model-arg.js";
import type { ModelArg } from "./model-args.js";

/** What every model of one server shares: kernels, batch and KV settings. */
export type SharedLoadOptions = Omit<LoadServedModelOptions, "modelPath" | "servedModelNames" | "backend" | "freeMemoryBytes">;

/**
 * A model of `serve` as a ModelSource: each load makes its own backend (its wasm memory and worker threads), which
 * `close` ends, so an unloaded model gives its memory back.
 */
export function serveModelSource(arg: ModelArg, shared: SharedLoadOptions, newBackend: (memoryBytes: number) => Promise<KernelBackend>,
  maxMemoryBytes: number | null): ModelSource {
  return {
    names: arg.names,
    path: arg.path,
    estimatedBytes: modelDiskBytes(arg.path),
    async load() {
      const modelPath = await resolveModelArg(arg.path); // hf:… is pulled (while the port answers 503 for the first model)
      const backend = await newBackend(modelMemoryBytes(modelPath));
      const close = async () => {
        await (backend as { close?: () => Promise<void> }).close?.();
      };
      try {
        // Under --max-memory the KV cache is fitted to that limit as it would be to the machine's free memory.
        const free = machineFreeMemoryBytes();
        const freeMemoryBytes = maxMemoryBytes === null ? free : Math.min(free, maxMemoryBytes);
        const served = loadServedModel({ ...shared, backend, modelPath, servedModelNames: arg.names, freeMemoryBytes });
        return { served, close };
      } catch (err) {
        await close();
        throw err;
      }
    },
  };
}
