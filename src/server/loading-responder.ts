import { Worker } from "node:worker_threads";
import { InputError } from "../errors.js";
import type { CorsPolicy } from "./cors-policy.js";

export interface LoadingResponder {
  /** The port it listens on (the one asked for, or the one the system picked for port 0). */
  readonly port: number;
  /** Stops listening, so the real server can take the port. */
  close(): Promise<void>;
}

/**
 * While `serve` loads the model (synchronously, on the main thread), a worker thread holds the port: /health
 * answers 503 {"status":"loading"}, /live 200, anything else 503 with Retry-After, as llama-server answers while it
 * loads. A router or a Kubernetes probe so sees "not ready" rather than a refused connection; a web page on a
 * `--cors-origin` origin can read that too.
 */
export function startLoadingResponder(host: string, port: number, cors: CorsPolicy | null = null): Promise<LoadingResponder> {
  const worker = new Worker(new URL("./loading-worker.js", import.meta.url), { workerData: { host, port, cors } });
  return new Promise((resolve, reject) => {
    worker.once("error", reject);
    worker.on("message", function onMessage(m: { type: string; port?: number; message?: string }) {
      if (m.type === "error") {
        void worker.terminate();
        reject(new InputError(`cannot listen on ${host}:${port}: ${m.message ?? "unknown error"}`));
      } else if (m.type === "listening") {
        worker.off("message", onMessage);
        resolve({
          port: m.port ?? port,
          close: () =>
            new Promise<void>((done) => {
              worker.on("message", (c: { type: string }) => {
                if (c.type !== "closed") return;
                done(); // the port is free now; the thread ends in the background
                void worker.terminate();
              });
              worker.postMessage({ type: "close" });
            }),
        });
      }
    });
  });
}
