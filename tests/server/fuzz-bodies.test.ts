import { Ajv } from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fuzzCases, tokenizerFuzzCases } from "./fuzz-body-generator.js";
import { startServe } from "./serve-process.js";
import type { ServeProcess } from "./serve-process.js";

// OpenAI's answer shapes (API reference: chat completion object, chunk object, completion object, error object),
// as JSON Schemas that ajv checks each answer against. Extra fields (usage details, llama-server timings) are allowed.
const FINISH = { enum: ["stop", "length", "tool_calls", "content_filter", "function_call"] };
const TOOL_CALL = {
  type: "object",
  required: ["id", "type", "function"],
  properties: { id: { type: "string" }, type: { const: "function" }, function: { type: "object", required: ["name", "arguments"], properties: { name: { type: "string" }, arguments: { type: "string" } } } },
};
const USAGE = { type: "object", required: ["prompt_tokens", "completion_tokens", "total_tokens"], properties: { prompt_tokens: { type: "integer" }, completion_tokens: { type: "integer" }, total_tokens: { type: "integer" } } };
const LOGPROBS = { type: ["object", "null"] };
const envelope = (object: string, choice: object) => ({
  type: "object",
  required: ["id", "object", "created", "model", "choices"],
  properties: { id: { type: "string" }, object: { const: object }, created: { type: "integer" }, model: { type: "string" }, choices: { type: "array", items: choice }, usage: { anyOf: [USAGE, { type: "null" }] } },
});
const CHAT = envelope("chat.completion", {
  type: "object",
  required: ["index", "message", "finish_reason"],
  properties: {
    index: { type: "integer" },
    finish_reason: FINISH,
    logprobs: LOGPROBS,
    message: {
      type: "object",
      required: ["role", "content"],
      properties: { role: { const: "assistant" }, content: { type: ["string", "null"] }, reasoning_content: { type: ["string", "null"] }, tool_calls: { type: "array", items: TOOL_CALL } },
    },
  },
});
const CHAT_CHUNK = envelope("chat.completion.chunk", {
  type: "object",
  required: ["index", "delta"],
  properties: {
    index: { type: "integer" },
    finish_reason: { anyOf: [FINISH, { type: "null" }] },
    logprobs: LOGPROBS,
    delta: {
      type: "object",
      properties: {
        role: { const: "assistant" },
        content: { type: ["string", "null"] },
        reasoning_content: { type: ["string", "null"] },
        tool_calls: { type: "array", items: { type: "object", required: ["index"], properties: { index: { type: "integer" }, id: { type: "string" }, function: { type: "object" } } } },
      },
    },
  },
});
const COMPLETION = envelope("text_completion", { type: "object", required: ["index", "text", "finish_reason"], properties: { index: { type: "integer" }, text: { type: "string" }, finish_reason: { anyOf: [FINISH, { type: "null" }] }, logprobs: LOGPROBS } });
const ERROR = {
  type: "object",
  required: ["error"],
  properties: { error: { type: "object", required: ["message", "type"], properties: { message: { type: "string", minLength: 1 }, type: { type: "string" }, param: { type: ["string", "null"] }, code: { type: ["string", "null"] } } } },
};

const ajv = new Ajv({ allErrors: false, strict: false });
// llama-server's /tokenize and /detokenize answers (tools/server/README.md).
const TOKENIZE = {
  type: "object",
  required: ["tokens"],
  properties: {
    tokens: {
      type: "array",
      items: {
        anyOf: [
          { type: "integer", minimum: 0 },
          { type: "object", required: ["id", "piece"], properties: { id: { type: "integer", minimum: 0 }, piece: { anyOf: [{ type: "string" }, { type: "array", minItems: 1, items: { type: "integer", minimum: 0, maximum: 255 } }] } } },
        ],
      },
    },
  },
};
const DETOKENIZE = { type: "object", required: ["content"], properties: { content: { type: "string" } } };
const validators = {
  chat: ajv.compile(CHAT),
  chatChunk: ajv.compile(CHAT_CHUNK),
  completion: ajv.compile(COMPLETION),
  error: ajv.compile(ERROR),
  tokenize: ajv.compile(TOKENIZE),
  detokenize: ajv.compile(DETOKENIZE),
};

/** Why an answer is not a 4xx OpenAI error nor a valid 200 answer for its route, or null when it is one of them. */
function problemWith(path: string, status: number, contentType: string, text: string): string | null {
  const chat = path === "/v1/chat/completions";
  if (status >= 400 && status < 500) {
    try {
      return validators.error(JSON.parse(text)) ? null : `a ${status} without OpenAI's error shape`;
    } catch {
      return `a ${status} that is not JSON`;
    }
  }
  if (status !== 200) return `HTTP ${status}`;
  if (!contentType.includes("text/event-stream")) {
    const check = chat ? validators.chat : path === "/tokenize" ? validators.tokenize : path === "/detokenize" ? validators.detokenize : validators.completion;
    try {
      return check(JSON.parse(text)) ? null : `200 body: ${ajv.errorsText(check.errors)}`;
    } catch {
      return "a 200 that is not JSON";
    }
  }
  // SSE: chunks of the route's shape, then [DONE] or an error event (a stream that failed after its 200).
  const events = text.split("\n\n").filter((e) => e.startsWith("data: ")).map((e) => e.slice(6));
  if (events.length === 0) return "an empty event stream";
  for (const [i, data] of events.entries()) {
    if (data === "[DONE]") return i === events.length - 1 ? null : "events after [DONE]";
    const json: unknown = JSON.parse(data);
    if (validators.error(json)) return i === events.length - 1 ? null : "events after an error event";
    const check = chat ? validators.chatChunk : validators.completion;
    const isUsageChunk = typeof json === "object" && json !== null && Array.isArray((json as { choices?: unknown }).choices) && (json as { choices: unknown[] }).choices.length === 0;
    if (!isUsageChunk && !check(json)) return `chunk ${i}: ${ajv.errorsText(check.errors)}`;
  }
  return "a stream that ended with neither [DONE] nor an error event";
}

describe("the answer check of the fuzz run", () => {
  it("refuses what a broken server could send", () => {
    const chat = "/v1/chat/completions";
    const ok = JSON.stringify({ id: "c", object: "chat.completion", created: 1, model: "m", choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }] });
    expect(problemWith(chat, 200, "application/json", ok)).toBeNull();
    expect(problemWith(chat, 400, "application/json", JSON.stringify({ error: { message: "x: bad", type: "invalid_request_error", param: "x", code: null } }))).toBeNull();
    expect(problemWith(chat, 500, "application/json", JSON.stringify({ error: { message: "boom", type: "server_error" } }))).toMatch(/HTTP 500/);
    expect(problemWith(chat, 400, "text/plain", "Bad Request")).toMatch(/not JSON/);
    expect(problemWith(chat, 404, "application/json", JSON.stringify({ message: "no" }))).toMatch(/error shape/);
    expect(problemWith(chat, 200, "application/json", ok.replace('"stop"', '"eos"'))).toMatch(/finish_reason/);
    expect(problemWith("/v1/completions", 200, "application/json", ok)).not.toBeNull();
    const chunk = JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content: "a" }, finish_reason: null }] });
    expect(problemWith(chat, 200, "text/event-stream", `data: ${chunk}\n\ndata: [DONE]\n\n`)).toBeNull();
    expect(problemWith(chat, 200, "text/event-stream", `data: ${chunk}\n\n`)).toMatch(/neither/);
  });
});

describe("1,000 fuzzed chat and completion bodies (and 200 for /tokenize and /detokenize) against one real tsinfer serve", () => {
  let server: ServeProcess;
  beforeAll(async () => {
    server = await startServe(["--parallel", "4"]);
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
  });

  it("answers each with a 4xx in OpenAI's error shape or a valid answer, and stays up", async () => {
    const cases = [...fuzzCases(1000, 20261207), ...tokenizerFuzzCases(200, 20261208)];
    const failures: string[] = [];
    const tally = new Map<string, number>();
    const tokenizerTally = new Map<string, number>();
    const started = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const c = cases[next++]!;
        const res = await fetch(server.url + c.path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(c.body), signal: AbortSignal.timeout(30_000) });
        const text = await res.text();
        const problem = problemWith(c.path, res.status, res.headers.get("content-type") ?? "", text);
        if (problem !== null) failures.push(`${c.mutations.join("+")}: ${problem}; body ${JSON.stringify(c.body).slice(0, 300)}; answer ${text.slice(0, 300)}`);
        const key = `${res.status}${res.status === 200 && (res.headers.get("content-type") ?? "").includes("event-stream") ? " (stream)" : ""}`;
        const counts = c.path.startsWith("/v1/") ? tally : tokenizerTally;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    const show = (m: Map<string, number>) => [...m].map(([k, n]) => `${k} ×${n}`).join(", ");
    console.log(`fuzz-bodies: generation ${show(tally)}; tokenizer ${show(tokenizerTally)}; ${((performance.now() - started) / 1000).toFixed(1)} s`);
    expect(failures.slice(0, 5)).toEqual([]);
    // Both outcomes occur: the invariant is not met by refusing everything (nor by accepting everything).
    expect(tally.get("200") ?? 0).toBeGreaterThan(50);
    expect([...tally].filter(([k]) => k.startsWith("4")).reduce((n, [, v]) => n + v, 0)).toBeGreaterThan(300);
    expect(tokenizerTally.get("200") ?? 0).toBeGreaterThan(50);
    expect(tokenizerTally.get("400") ?? 0).toBeGreaterThan(20);
    const health = await fetch(server.url + "/health");
    expect(health.status).toBe(200);
    const after = await fetch(server.url + "/v1/completions", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt: "Once upon a time", max_tokens: 6, temperature: 0 }) });
    expect(after.status).toBe(200);
    expect(server.child.exitCode).toBeNull();
  }, 240_000);
});
