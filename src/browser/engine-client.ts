import type { EngineRequestMessage, EngineResponseMessage, GenerationSummary, LoadedModelInfo } from "./engine-protocol.js";

type Pending = {
  resolve: (msg: EngineResponseMessage) => void;
  reject: (err: Error) => void;
  onMessage: (msg: EngineResponseMessage) => void;
};

/**
 * The page's side of the engine worker: one request at a time, streamed tokens and text through callbacks.
 * `worker` is the Web Worker running engine-worker.ts (the page creates it so its bundler emits the worker).
 */
export class EngineClient {
  private pending: Pending | undefined;

  constructor(private readonly worker: Worker) {
    worker.onmessage = (event: MessageEvent<EngineResponseMessage>) => {
      const p = this.pending;
      if (!p) return;
      const msg = event.data;
      if (msg.type === "error") {
        this.pending = undefined;
        p.reject(new Error(msg.message));
      } else if (msg.type === "loaded" || msg.type === "done") {
        this.pending = undefined;
        p.resolve(msg);
      } else {
        p.onMessage(msg);
      }
    };
    worker.onerror = (event: ErrorEvent) => {
      const p = this.pending;
      this.pending = undefined;
      p?.reject(new Error(`engine worker: ${event.message}`));
    };
  }

  get busy(): boolean {
    return this.pending !== undefined;
  }

  async load(file: Blob, options: { backend?: "auto" | "wasm" | "ref"; threads?: number; ctxLen?: number } = {},
    onProgress?: (loadedBytes: number, totalBytes: number) => void): Promise<LoadedModelInfo> {
    const msg = await this.request({ type: "load", file, ...options }, (m) => {
      if (m.type === "progress") onProgress?.(m.loadedBytes, m.totalBytes);
    });
    if (msg.type !== "loaded") throw new Error(`engine worker answered ${msg.type} to load`);
    return msg.info;
  }

  async generate(request: Omit<Extract<EngineRequestMessage, { type: "generate" }>, "type">,
    onText?: (text: string) => void, onToken?: (id: number) => void): Promise<GenerationSummary> {
    const msg = await this.request({ type: "generate", ...request }, (m) => {
      if (m.type === "text") onText?.(m.text);
      else if (m.type === "token") onToken?.(m.id);
    });
    if (msg.type !== "done") throw new Error(`engine worker answered ${msg.type} to generate`);
    return msg.result;
  }

  terminate(): void {
    this.worker.terminate();
    this.pending?.reject(new Error("engine worker terminated"));
    this.pending = undefined;
  }

  private request(msg: EngineRequestMessage, onMessage: (m: EngineResponseMessage) => void): Promise<EngineResponseMessage> {
    if (this.pending) return Promise.reject(new Error("the engine is busy with another request"));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject, onMessage };
      this.worker.postMessage(msg);
    });
  }
}
