import type { ServerResponse } from "node:http";
import type { ApiError } from "./api-error.js";

/** Unsent bytes one stream may hold in memory (the client is not reading) before its request is cancelled. */
export const SSE_BUFFER_LIMIT_BYTES = 1 << 20;

/**
 * One server-sent-events response. The engine produces tokens at its own pace, so a client that stops reading
 * would make the server buffer without bound: past `limitBytes` of unsent data (res.write returned false and
 * 'drain' has not caught up) the connection is destroyed, and its 'close' frees the request's sequences.
 * The 200 and its headers go out with the first event, so a request that fails before it (e.g. its deadline
 * passes while it waits for a slot) still gets a plain HTTP error.
 */
export class SseWriter {
  private closed = false;
  private started = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly requestId: string,
    readonly limitBytes = SSE_BUFFER_LIMIT_BYTES,
  ) {}

  data(payload: object | string): void {
    const res = this.res;
    if (this.closed || res.writableEnded || res.destroyed) return;
    if (!this.started) {
      this.started = true;
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive", "x-request-id": this.requestId });
    }
    const ok = res.write(`data: ${typeof payload === "string" ? payload : JSON.stringify(payload)}\n\n`);
    if (!ok && res.writableLength > this.limitBytes) {
      this.closed = true;
      res.destroy();
    }
  }

  /**
   * An error. Before the first event: an HTTP error with OpenAI's body. After it: OpenAI's and vLLM's
   * `data: {"error": …}` event, then the stream ends (no [DONE]) and so does the connection, once the event is
   * flushed, for clients that read until the socket closes.
   */
  fail(err: ApiError): void {
    const res = this.res;
    if (this.closed || res.writableEnded || res.destroyed) return;
    if (!this.started) {
      this.closed = true;
      const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8", "x-request-id": this.requestId };
      if (err.retryAfterSec !== null) headers["retry-after"] = String(err.retryAfterSec);
      res.writeHead(err.status, headers);
      res.end(JSON.stringify(err.toBody()));
      return;
    }
    this.data(err.toBody());
    this.end();
    res.socket?.end();
  }

  end(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.res.writableEnded && !this.res.destroyed) this.res.end();
  }
}
