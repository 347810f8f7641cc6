/**
 * Stands in for node:worker_threads in the browser bundle (see web/engine-demo/vite.config.ts), with just what
 * kernels/wasm/wasm-thread-pool.ts uses: `new Worker(source, { eval: true, workerData })`, once("online" | "error" | "exit"),
 * unref() and terminate(). The source runs in a Web Worker made from a Blob; its
 * `require("node:worker_threads").workerData` is the posted workerData (a shared WebAssembly.Memory, a compiled
 * module and a SharedArrayBuffer all cross by structured clone). Needs a cross-origin isolated page (COOP/COEP).
 */
// A Web Worker has no "exit" event: the pool's listener for it never fires here (its stall timeout still applies).
type WorkerEvent = "online" | "error" | "exit";

export interface WorkerOptions {
  eval: true;
  workerData: unknown;
}

export class Worker {
  private readonly worker: globalThis.Worker;
  private readonly listeners: { event: WorkerEvent; fn: (arg?: unknown) => void }[] = [];

  constructor(source: string, options: WorkerOptions) {
    const body = `self.onmessage = (event) => {
  self.onmessage = null;
  const require = () => ({ workerData: event.data });
  self.postMessage("online");
  ${source}
};`;
    const url = URL.createObjectURL(new Blob([body], { type: "text/javascript" }));
    this.worker = new globalThis.Worker(url);
    URL.revokeObjectURL(url);
    this.worker.onmessage = (e: MessageEvent) => {
      if (e.data === "online") this.emit("online");
    };
    this.worker.onerror = (e: ErrorEvent) => this.emit("error", new Error(`pool worker: ${e.message}`));
    this.worker.postMessage(options.workerData);
  }

  once(event: WorkerEvent, fn: (arg?: unknown) => void): this {
    this.listeners.push({ event, fn });
    return this;
  }

  /** Web Workers never keep a page alive; nothing to do. */
  unref(): void {}

  terminate(): Promise<number> {
    this.worker.terminate();
    return Promise.resolve(0);
  }

  private emit(event: WorkerEvent, arg?: unknown): void {
    for (let i = this.listeners.length - 1; i >= 0; i--) {
      const l = this.listeners[i]!;
      if (l.event !== event) continue;
      this.listeners.splice(i, 1);
      l.fn(arg);
    }
  }
}
