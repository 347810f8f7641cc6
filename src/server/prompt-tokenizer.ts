import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { InputError } from "../errors.js";
import type { ChatMessage, GenerationRequest } from "./parse-generation-request.js";
import type { ServedModel } from "./served-model.js";

export interface TokenizeJob {
  id: number;
  text: string;
  messages: ChatMessage[] | null;
}

export interface TokenizeResult {
  id: number;
  ids: Int32Array | null;
  error: string | null;
  errorName: string | null;
}

/** Prompts up to this many characters are tokenized inline: a worker round trip costs more than they do. */
export const INLINE_TOKENIZE_MAX_CHARS = 64 * 1024;

const workerFile = fileURLToPath(new URL("./tokenize-worker.js", import.meta.url));

/**
 * Turns a request's prompt into token ids: small prompts on the calling thread, large ones on a worker thread
 * that holds its own tokenizer, so one long prompt cannot stall the event loop. Without a tokenizer source (a
 * served model built in memory) or a compiled worker file (running from sources), everything is inline.
 */
export class PromptTokenizer {
  private worker: Worker | null = null;
  private nextJobId = 1;
  private readonly pending = new Map<number, { resolve: (ids: number[]) => void; reject: (err: Error) => void }>();

  constructor(
    private readonly served: ServedModel,
    readonly inlineMaxChars = INLINE_TOKENIZE_MAX_CHARS,
  ) {}

  get usesWorker(): boolean {
    return this.served.tokenizerSource !== undefined && existsSync(workerFile);
  }

  async encode(r: GenerationRequest): Promise<number[]> {
    if (r.kind === "completion" && typeof r.prompt !== "string") return r.prompt ?? [];
    const chars = r.kind === "chat" ? r.messages.reduce((n, m) => n + m.content.length, 0) : (r.prompt as string).length;
    if (chars <= this.inlineMaxChars || !this.usesWorker) return r.kind === "chat" ? this.served.encodeChat(r.messages) : this.served.encode(r.prompt as string);
    const job: TokenizeJob = { id: this.nextJobId++, text: r.kind === "chat" ? "" : (r.prompt as string), messages: r.kind === "chat" ? r.messages : null };
    return new Promise((resolve, reject) => {
      this.pending.set(job.id, { resolve, reject });
      this.ensureWorker().postMessage(job);
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w !== null) await w.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker !== null) return this.worker;
    const w = new Worker(workerFile, { workerData: this.served.tokenizerSource });
    w.unref(); // never keeps the process alive on its own
    w.on("message", (m: TokenizeResult) => {
      const p = this.pending.get(m.id);
      if (p === undefined) return;
      this.pending.delete(m.id);
      if (m.ids !== null) p.resolve(Array.from(m.ids));
      else p.reject(m.errorName === "InputError" ? new InputError(m.error ?? "tokenization failed") : new Error(`tokenizer worker: ${m.error}`));
    });
    // A dead worker fails what it held; the next large prompt starts a fresh one.
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
