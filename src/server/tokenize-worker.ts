import { parentPort, workerData } from "node:worker_threads";
import { createPromptEncoder } from "./prompt-encoder.js";
import type { TokenizerSource } from "./prompt-encoder.js";
import type { TokenizeJob, TokenizeResult } from "./prompt-tokenizer.js";

// A worker thread holding its own copy of the served tokenizer, so tokenizing a large prompt never blocks the
// HTTP event loop (health checks, streams of other requests).
const encoder = createPromptEncoder(workerData as TokenizerSource);
const port = parentPort;
if (port === null) throw new Error("tokenize-worker.js must run as a worker thread");
port.on("message", (job: TokenizeJob) => {
  let result: TokenizeResult;
  try {
    const ids = Int32Array.from(job.messages !== null ? encoder.encodeChat(job.messages) : encoder.encode(job.text));
    result = { id: job.id, ids, error: null, errorName: null };
    port.postMessage(result, [ids.buffer]);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    result = { id: job.id, ids: null, error: e.message, errorName: e.name };
    port.postMessage(result);
  }
});
