import type { GenerateFinishReason } from "../engine/generate.js";
import type { GenerationTimings } from "../engine/timings.js";
import type { ResponseFormat } from "../grammar/response-format.js";
import type { SamplingParams } from "../sampling/sampling-params.js";
import type { BrowserBackendInfo } from "./browser-backend.js";

/** Messages between a page (EngineClient) and the engine's Web Worker (engine-worker.ts). */
export type EngineRequestMessage =
  | { type: "load"; file: Blob; backend?: "auto" | "wasm" | "ref"; threads?: number; ctxLen?: number }
  | {
      type: "generate";
      prompt: string;
      maxTokens: number;
      sampling?: Partial<Omit<SamplingParams, "logitBias">>;
      stop?: string[];
      /** Structured output, as OpenAI's response_format (json_object or json_schema); compiled in the worker. */
      responseFormat?: ResponseFormat;
    };

export interface LoadedModelInfo {
  name: string;
  arch: string;
  nLayers: number;
  hiddenSize: number;
  vocabSize: number;
  ctxLen: number;
  backend: BrowserBackendInfo;
  loadMs: number;
}

export interface GenerationSummary {
  text: string;
  promptTokens: number;
  tokenIds: number[];
  finishReason: GenerateFinishReason;
  timings: GenerationTimings;
}

export type EngineResponseMessage =
  | { type: "progress"; loadedBytes: number; totalBytes: number }
  | { type: "loaded"; info: LoadedModelInfo }
  | { type: "token"; id: number }
  | { type: "text"; text: string }
  | { type: "done"; result: GenerationSummary }
  | { type: "error"; message: string };
