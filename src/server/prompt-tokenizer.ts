import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { InputError } from "../errors.js";
import { ApiError } from "./api-error.js";
import type { ApiErrorType } from "./api-error.js";
import { parseJsonBody } from "./parse-json-body.js";
import { parseGenerationRequest } from "./parse-generation-request.js";
import type { GenerationRequest, ParseLimits } from "./parse-generation-request.js";
import type { ChatPromptOptions } from "./prompt-encoder.js";
import type { ServedModel } from "./served-model.js";

export interface TokenizeJob {
  id: number;
  kind: "completion" | "chat";
  /** The body in slabs (see readBodySlabs), transferred rather than copied. */
  slabs: Uint8Array[];
  limits: ParseLimits;
}

export interface TokenizeResult {
  id: number;
  request: GenerationRequest | null;
  ids: Int32Array | null;
  error: { name: string; message: string; api: { status: number; type: ApiErrorType; param: string | null; code: string | null } | null } | null;
}

/** A validated request and its prompt's token ids. */
export interface PreparedPrompt {
  request: GenerationRequest;
  promptIds: number[];
}

/** Bodies up to this many bytes are parsed and tokenized inline: a worker round trip costs more than they do. */
export const INLINE_BODY_MAX_BYTES = 64 * 1024;

const workerFile = fileURLToPath(new URL("./tokenize-worker.js", import.meta.url));

/**
 * Request body → validated request → prompt token ids. Small bodies on the calling thread; large ones (a 15 MB
 * JSON body alone takes ~150 ms to decode and parse) on a worker thread holding its own tokenizer, so one large
 * request cannot stall the event loop. Without a tokenizer source (a served model built in memory) or a compiled
 * worker file (running from sources), everything is inline.
 */
export class PromptTokenizer {
  private worker: Worker | null = null;
  private nextJobId = 1;
  private readonly pending = new Map<number, { resolve: (p: PreparedPrompt) => void; reject: (err: Error) => void }>();

  constructor(
    private readonly served: ServedModel,
    readonly inlineMaxBytes = INLINE_BODY_MAX_BYTES,
  ) {}

  get usesWorker(): boolean {
    return this.served.tokenizerSource !== undefined && existsSync(workerFile);
  }

  async prepare(kind: "completion" | "chat", slabs: Buffer[], limits: ParseLimits): Promise<PreparedPrompt> {
    const size = slabs.reduce((n, b) => n + b.length, 0);
    if (size <= this.inlineMaxBytes || !this.usesWorker) {
      const request = parseGenerationRequest(kind, parseJsonBody(slabs.length === 1 ? slabs[0] : Buffer.concat(slabs)), limits);
      return { request, promptIds: this.encodeInline(request) };
    }
    // The slabs move to the worker instead of being copied (a 15 MB copy by postMessage took ~60 ms of this thread).
    const job: TokenizeJob = { id: this.nextJobId++, kind, slabs, limits };
    return new Promise((resolve, reject) => {
      this.pending.set(job.id, { resolve, reject });
      this.ensureWorker().postMessage(job, slabs.map((b) => b.buffer as ArrayBuffer));
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w !== null) await w.terminate();
  }

  private encodeInline(r: GenerationRequest): number[] {
    if (r.kind === "chat") return this.served.encodeChat(r.messages, chatPromptOptions(r));
    return typeof r.prompt === "string" ? this.served.encode(r.prompt) : (r.prompt ?? []);
  }

  private ensureWorker(): Worker {
    if (this.worker !== null) return this.worker;
    const w = new Worker(workerFile, { workerData: this.served.tokenizerSource });
    w.unref(); // never keeps the process alive on its own
    w.on("message", (m: TokenizeResult) => {
      const p = this.pending.get(m.id);
      if (p === undefined) return;
      this.pending.delete(m.id);
      if (m.request !== null) p.resolve({ request: m.request, promptIds: m.ids !== null ? Array.from(m.ids) : (m.request.prompt as number[]) });
      else p.reject(rebuildError(m.error));
    });
    // A dead worker fails what it held; the next large request starts a fresh one.
    const fail = (err: Error) => {
      if (this.worker === w) this.worker = null;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    w.on("error", (err) => fail(new Error(`tokenizer worker failed: ${err.message}`)));
    w.on("exit", (code) => fail(new Error(`tokenizer worker exited with code ${code}`)));
    this.worker = w;
    return w;
  }
}

function rebuildError(e: TokenizeResult["error"]): Error {
  if (e === null) return new Error("tokenizer worker: no result");
  if (e.api !== null) return new ApiError(e.api.status, e.message, e.api.type, e.api.param, e.api.code);
  if (e.name === "InputError") return new InputError(e.message);
  return new Error(`tokenizer worker: ${e.message}`);
}

/** A chat request's tools and template variables, as encodeChat takes them. */
export function chatPromptOptions(r: GenerationRequest): ChatPromptOptions {
  return { tools: r.toolFields.templateTools, templateKwargs: r.toolFields.templateKwargs };
}
