import { randomBytes } from "node:crypto";
import type { ModelRegistry } from "./model-registry.js";
import type { ServerMetrics } from "./server-metrics.js";
import type { TraceStore } from "./trace-store.js";

/** What the route handlers share. */
export interface ServerContext {
  /** The served models (one or several), each loaded on demand with its own engine. */
  readonly models: ModelRegistry;
  readonly metrics: ServerMetrics;
  readonly traces: TraceStore;
  /** Most requests (engine sequences) waiting for a slot before new ones are refused with 429. */
  readonly maxQueue: number;
  readonly maxN: number;
  /** A generation still running this long after it arrived is cancelled and answered with 504 (null: no deadline). */
  readonly requestTimeoutMs: number | null;
  /** Set on SIGTERM: new generations get 503 while running ones finish. */
  draining: boolean;
}

export function newRequestId(prefix: string): string {
  return `${prefix}-${randomBytes(12).toString("hex")}`;
}
