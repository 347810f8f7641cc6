import type { ServedModel } from "./served-model.js";

/** A loaded model and how to free it. */
export interface LoadedServed {
  readonly served: ServedModel;
  /** Frees what the load made (the backend's worker threads and memory); the model is not used after. */
  close(): Promise<void>;
}

/** One model a server can serve: its names, where it comes from, and how to load it. */
export interface ModelSource {
  /** The names clients use in `model`; the first is its id, reported in answers. */
  readonly names: readonly string[];
  /** Where it comes from (a path), for /v1/models and the log. */
  readonly path: string;
  /** Bytes it is expected to take before it has been loaded once (after that, the measured size is used). */
  readonly estimatedBytes: number;
  load(): Promise<LoadedServed>;
}

/** A model already in memory (built by the caller): served as is, nothing to free. */
export function fixedModelSource(served: ServedModel): ModelSource {
  return {
    names: [served.id, ...(served.aliases ?? [])],
    path: served.id,
    estimatedBytes: served.memoryBytes ?? 0,
    load: () => Promise.resolve({ served, close: () => Promise.resolve() }),
  };
}
