import { parentPort, workerData } from "node:worker_threads";
import { ApiError } from "./api-error.js";
import { parseJsonBody } from "./parse-json-body.js";
import { parseGenerationRequest } from "./parse-generation-request.js";
import { createPromptEncoder } from "./prompt-encoder.js";
import type { TokenizerSource } from "./prompt-encoder.js";
import { chatPromptOptions } from "./prompt-tokenizer.js";
import type { TokenizeJob, TokenizeResult } from "./prompt-tokenizer.js";

// A worker thread holding its own copy of the served tokenizer, so parsing and tokenizing a large request never
// blocks the HTTP event loop (health checks, streams of other requests).
const encoder = createPromptEncoder(workerData as TokenizerSource);
const port = parentPort;
if (port === null) throw new Error("tokenize-worker.js must run as a worker thread");
port.on("message", (job: TokenizeJob) => {
  try {
    const request = parseGenerationRequest(job.kind, parseJsonBody(Buffer.concat(job.slabs)), job.limits);
    let ids: Int32Array | null = null;
    if (request.kind === "chat") ids = Int32Array.from(encoder.encodeChat(request.messages, chatPromptOptions(request)));
    else if (typeof request.prompt === "string") ids = Int32Array.from(encoder.encode(request.prompt));
    const result: TokenizeResult = { id: job.id, request, ids, error: null };
    port.postMessage(result, ids === null ? [] : [ids.buffer as ArrayBuffer]);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    const api = e instanceof ApiError ? { status: e.status, type: e.type, param: e.param, code: e.code } : null;
    const result: TokenizeResult = { id: job.id, request: null, ids: null, error: { name: e.name, message: e.message, api } };
    port.postMessage(result);
  }
});
