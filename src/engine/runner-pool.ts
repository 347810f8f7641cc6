import type { Model } from "../model/model-api.js";
import { ModelRunner } from "./model-runner.js";

// One idle runner per model: the wasm backend's memory is a bump arena that never frees, so a KV store per call of
// generate() (a chat turn, a page's request) would grow it by a store each time.
const idle = new WeakMap<Model, ModelRunner>();

/**
 * A runner for one sequence of up to ctxLen positions: the model's idle one if it has that size, else a new one.
 * Stale KV contents do no harm: each generate() starts a fresh prefix cache, so every position is written before
 * it is read.
 */
export function takeRunner(model: Model, ctxLen: number): ModelRunner {
  const runner = idle.get(model);
  if (runner && runner.ctxLen === ctxLen) {
    idle.delete(model);
    return runner;
  }
  return new ModelRunner(model, { ctxLen, capacityTokens: ctxLen });
}

/** Keeps a runner whose generation ended cleanly for the model's next generate() call. */
export function giveBackRunner(model: Model, runner: ModelRunner): void {
  idle.set(model, runner);
}
