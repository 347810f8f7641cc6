import { request as httpRequest } from "node:http";
import type { Agent } from "node:http";
import { request as httpsRequest } from "node:https";

/** What one streamed request measured on the client (vLLM's RequestFuncOutput). Times in ms. */
export interface RequestResult {
  ok: boolean;
  error: string | null;
  promptTokens: number;
  outputTokens: number;
  ttftMs: number;
  e2eMs: number;
  /** Gaps between consecutive content chunks after the first. */
  itlMs: number[];
  text: string;
}

export interface BenchRequest {
  baseUrl: string;
  apiKey: string | null;
  model: string;
  endpoint: "completions" | "chat";
  prompt: string;
  maxTokens: number;
  ignoreEos: boolean;
  temperature: number;
}

/**
 * Sends one streaming request to an OpenAI-compatible server and times its chunks: TTFT at the first chunk
 * carrying text, one ITL sample per later text chunk, output tokens from the final usage chunk
 * (stream_options.include_usage), or the number of text chunks when the server sends no usage.
 *
 * It goes through node:http(s) with a keep-alive agent and reads the body's `data` events directly, not through
 * fetch's web streams: the client shares the machine with the server it measures, and fetch cost about 300 µs of
 * CPU per chunk here (a third of a core at 8 streams of stories-7m), against about 60 µs this way.
 */
export function sendBenchRequest(r: BenchRequest, agent?: Agent): Promise<RequestResult> {
  const chat = r.endpoint === "chat";
  const body: Record<string, unknown> = {
    model: r.model,
    max_tokens: r.maxTokens,
    temperature: r.temperature,
    stream: true,
    stream_options: { include_usage: true },
    ...(chat ? { messages: [{ role: "user", content: r.prompt }] } : { prompt: r.prompt }),
    ...(r.ignoreEos ? { ignore_eos: true } : {}),
  };
  const result: RequestResult = { ok: false, error: null, promptTokens: 0, outputTokens: 0, ttftMs: 0, e2eMs: 0, itlMs: [], text: "" };
  const start = performance.now();
  let last = start;
  let chunks = 0;
  const onEvent = (event: string): void => {
    for (const line of event.split("\n")) {
      if (!line.startsWith("data:")) continue;
      const data = line.slice(5).trim();
      if (data === "[DONE]") continue;
      const chunk = JSON.parse(data) as StreamChunk;
      if (chunk.error) throw new Error(chunk.error.message ?? "stream error");
      if (chunk.usage) {
        result.promptTokens = chunk.usage.prompt_tokens ?? 0;
        result.outputTokens = chunk.usage.completion_tokens ?? 0;
      }
      const choice = chunk.choices?.[0];
      const text = (chat ? choice?.delta?.content : choice?.text) ?? "";
      if (text.length === 0) continue;
      const now = performance.now();
      if (chunks === 0) result.ttftMs = now - start;
      else result.itlMs.push(now - last);
      last = now;
      chunks++;
      result.text += text;
    }
  };
  const fail = (err: unknown): RequestResult => {
    result.error = err instanceof Error ? err.message : String(err);
    return result;
  };
  let url: URL;
  try {
    url = new URL(`${r.baseUrl.replace(/\/$/, "")}/v1/${chat ? "chat/completions" : "completions"}`);
  } catch (err) {
    return Promise.resolve(fail(err));
  }
  const payload = JSON.stringify(body);
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise<RequestResult>((resolve) => {
    const req = send(url, {
      method: "POST",
      agent,
      headers: {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(payload),
        ...(r.apiKey ? { authorization: `Bearer ${r.apiKey}` } : {}),
      },
    });
    req.on("error", (err) => resolve(fail(err)));
    req.on("response", (res) => {
      res.setEncoding("utf8");
      let buffer = "";
      if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) >= 300) {
        res.on("data", (d: string) => (buffer += d));
        res.on("end", () => resolve(fail(`HTTP ${res.statusCode}: ${buffer.slice(0, 200)}`)));
        return;
      }
      res.on("data", (d: string) => {
        buffer += d;
        let end: number;
        try {
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const event = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            onEvent(event);
          }
        } catch (err) {
          res.destroy();
          resolve(fail(err));
        }
      });
      res.on("error", (err) => resolve(fail(err)));
      res.on("end", () => {
        result.e2eMs = performance.now() - start;
        if (result.outputTokens === 0) result.outputTokens = chunks;
        result.ok = chunks > 0;
        if (!result.ok) result.error = "no text was generated";
        resolve(result);
      });
    });
    req.end(payload);
  });
}

interface StreamChunk {
  error?: { message?: string };
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  choices?: { text?: string; delta?: { content?: string | null } }[];
}
