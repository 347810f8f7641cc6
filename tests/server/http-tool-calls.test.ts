// The HTTP shapes of parsed answers (tool_calls, reasoning_content, finish_reason "tool_calls"), streamed and not,
// with the Qwen3 template's format and scripted answer text (scriptedServedModel). The stream is checked chunk by
// chunk against OpenAI's documented shape and assembled by the official openai client's stream helper, which must
// give the non-streamed message.
import { readFileSync } from "node:fs";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer } from "../../src/server/start-server.js";
import type { RunningServer } from "../../src/server/start-server.js";
import { mulberry32 } from "../../src/server/bench/mulberry32.js";
import { scriptedServedModel } from "./fake-served-model.js";

const chat = JSON.parse(readFileSync("tests/fixtures/chat/chat_templates.json", "utf8")) as { templates: Record<string, string>; tools: OpenAI.ChatCompletionTool[] };
const tools: OpenAI.ChatCompletionTool[] = [...chat.tools, { type: "function", function: { name: "get_time", parameters: { type: "object", properties: {} } } }];

/** `text` cut into pieces of `size` characters (one per generated token). */
const pieces = (text: string, size: number): string[] => Array.from({ length: Math.ceil(text.length / size) }, (_, i) => text.slice(i * size, (i + 1) * size));
const twoCalls = 'I will check.\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>\n<tool_call>\n{"name": "get_time", "arguments": {}}\n</tool_call>';
const scripts = [
  pieces(twoCalls, 4),
  pieces("<think>\nA greeting.\n</think>\n\nHello there!", 3),
  pieces('<tool_call>\n{"name": "get_weather", "arguments": {"city": ', 5),
  pieces("Two and two.\n</think>\n\nIt is 4.", 2),
];

let server: RunningServer;
let client: OpenAI;

beforeAll(async () => {
  server = await startServer(scriptedServedModel(chat.templates.qwen3, scripts), { host: "127.0.0.1", port: 0, parallel: 4, maxBatchTokens: 64, maxQueue: 8, apiKeys: [], traceCapacity: 0 });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "unused", maxRetries: 0 });
});
afterAll(async () => server.shutdown(0));

const ask = (script: number, extra: Partial<OpenAI.ChatCompletionCreateParamsNonStreaming> = {}) =>
  client.chat.completions.create({ model: "letters", messages: [{ role: "user", content: String(script) }], tools, temperature: 0, ...extra });

async function rawStream(body: object): Promise<{ choices: { delta: Record<string, unknown>; finish_reason: string | null }[] }[]> {
  const res = await fetch(`${server.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...body, stream: true }) });
  const events = (await res.text()).split("\n\n").filter((e) => e.length > 0).map((e) => e.replace(/^data: /, ""));
  expect(events.at(-1)).toBe("[DONE]");
  return events.slice(0, -1).map((e) => JSON.parse(e) as { choices: { delta: Record<string, unknown>; finish_reason: string | null }[] });
}

describe("tool calls and reasoning over HTTP (scripted answers, Qwen3 template)", () => {
  it("parallel calls become message.tool_calls with unique ids, content keeps the text, finish_reason tool_calls", async () => {
    const res = await ask(0);
    const choice = res.choices[0];
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBe("I will check.");
    const calls = (choice.message.tool_calls ?? []) as OpenAI.ChatCompletionMessageFunctionToolCall[];
    expect(calls.map((c) => [c.type, c.function.name, JSON.parse(c.function.arguments)])).toEqual([
      ["function", "get_weather", { city: "Paris" }],
      ["function", "get_time", {}],
    ]);
    for (const c of calls) expect(c.id).toMatch(/^call_[A-Za-z0-9]{24}$/);
    expect(new Set(calls.map((c) => c.id)).size).toBe(2);
  });

  it("streams each call as OpenAI does (index, id, type, name and empty arguments, then the arguments) and ends with tool_calls", async () => {
    const chunks = await rawStream({ messages: [{ role: "user", content: "0" }], tools, temperature: 0 });
    const deltas = chunks.map((c) => c.choices[0].delta);
    expect(deltas[0]).toEqual({ role: "assistant", content: "" });
    const callDeltas = deltas.filter((d) => d.tool_calls !== undefined).map((d) => (d.tool_calls as object[])[0]);
    expect(callDeltas).toHaveLength(4);
    expect(callDeltas[0]).toMatchObject({ index: 0, type: "function", function: { name: "get_weather", arguments: "" } });
    expect(callDeltas[1]).toEqual({ index: 0, function: { arguments: '{"city":"Paris"}' } });
    expect(callDeltas[2]).toMatchObject({ index: 1, type: "function", function: { name: "get_time", arguments: "" } });
    expect(callDeltas[3]).toEqual({ index: 1, function: { arguments: "{}" } });
    expect(deltas.map((d) => d.content ?? "").join("")).toBe("I will check.");
    expect(chunks.at(-1)?.choices[0]).toMatchObject({ delta: {}, finish_reason: "tool_calls" });
    expect(chunks.slice(0, -1).every((c) => c.choices[0].finish_reason === null)).toBe(true);
  });

  it("the openai client's stream helper assembles the same message as the non-streamed answer", async () => {
    const whole = (await ask(0)).choices[0];
    const stream = client.chat.completions.stream({ model: "letters", messages: [{ role: "user", content: "0" }], tools, temperature: 0, stream: true });
    const assembled = (await stream.finalChatCompletion()).choices[0];
    const withoutIds = (m: OpenAI.ChatCompletionMessage) => ({ content: m.content, calls: (m.tool_calls as OpenAI.ChatCompletionMessageFunctionToolCall[]).map((c) => ({ ...c, id: "" })) });
    expect(withoutIds(assembled.message)).toEqual(withoutIds(whole.message));
    expect(assembled.finish_reason).toBe(whole.finish_reason);
  });

  it("<think> goes to reasoning_content, streamed and not; reasoning_format none keeps it in content", async () => {
    const whole = (await ask(1)).choices[0].message as OpenAI.ChatCompletionMessage & { reasoning_content?: string };
    expect(whole.reasoning_content).toBe("A greeting.");
    expect(whole.content).toBe("Hello there!");
    const deltas = (await rawStream({ messages: [{ role: "user", content: "1" }], tools, temperature: 0 })).map((c) => c.choices[0].delta);
    expect(deltas.map((d) => d.reasoning_content ?? "").join("")).toBe("A greeting.");
    expect(deltas.map((d) => d.content ?? "").join("")).toBe("Hello there!");
    const raw = (await ask(1, { reasoning_format: "none" } as object)).choices[0].message as OpenAI.ChatCompletionMessage & { reasoning_content?: string };
    expect(raw.content).toBe("<think>\nA greeting.\n</think>\n\nHello there!");
    expect(raw.reasoning_content).toBeUndefined();
  });

  it("a prompt that opened <think> (DeepSeek-R1 style): the answer is reasoning until </think>", async () => {
    const message = (await ask(3, { messages: [{ role: "user", content: "3 think" }] })).choices[0].message as OpenAI.ChatCompletionMessage & { reasoning_content?: string };
    expect(message.reasoning_content).toBe("Two and two.");
    expect(message.content).toBe("It is 4.");
    const plain = (await ask(3)).choices[0].message as OpenAI.ChatCompletionMessage & { reasoning_content?: string };
    expect(plain.content).toBe("Two and two.\n</think>\n\nIt is 4."); // no <think> opened: nothing to split
  });

  it("tool_choice none leaves calls as text; a call cut off mid-JSON stays text with finish_reason stop", async () => {
    const none = (await ask(0, { tool_choice: "none" })).choices[0];
    expect(none.message.content).toBe(twoCalls);
    expect(none.message.tool_calls ?? []).toEqual([]);
    expect(none.finish_reason).toBe("stop");
    const cut = (await ask(2)).choices[0];
    expect(cut.message.content).toBe('<tool_call>\n{"name": "get_weather", "arguments": {"city":'); // trailing whitespace trimmed, as llama.cpp does
    expect(cut.finish_reason).toBe("stop");
  });

  it("parallel_tool_calls false answers the first call only", async () => {
    const res = await ask(0, { parallel_tool_calls: false });
    expect(((res.choices[0].message.tool_calls ?? []) as OpenAI.ChatCompletionMessageFunctionToolCall[]).map((c) => c.function.name)).toEqual(["get_weather"]);
  });
});

/** Replaces one randomly chosen value somewhere inside `v` with a hostile one. */
function mutate(v: unknown, rand: () => number): unknown {
  const hostile: unknown[] = [null, "", "x".repeat(300), -1, 1e308, true, [], {}, [null], { type: "function" }, "required", "none", { name: 1 }, '{"a":', "{}", [[[]]]];
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  if (rand() < 0.25 || v === null || typeof v !== "object") return pick(hostile);
  if (Array.isArray(v)) {
    if (v.length === 0) return [pick(hostile)];
    const i = Math.floor(rand() * v.length);
    return v.map((x, j) => (j === i ? mutate(x, rand) : x));
  }
  const entries = Object.entries(v as Record<string, unknown>);
  if (rand() < 0.1) return { ...(v as object), [pick(["tool_calls", "tool_call_id", "name", "function", "arguments", "parameters", "strict"])]: pick(hostile) };
  const [key] = pick(entries);
  return { ...(v as object), [key]: mutate((v as Record<string, unknown>)[key], rand) };
}

describe("fuzzed tool bodies", () => {
  it("1,000 mutations of a tool request each get a 200 or a 4xx in OpenAI's error shape, and the server stays up", async () => {
    const rand = mulberry32(23);
    const base = {
      messages: [
        { role: "user", content: "0" },
        { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city": "Paris"}' } }] },
        { role: "tool", tool_call_id: "call_1", name: "get_weather", content: "sunny" },
        { role: "user", content: "0" },
      ],
      tools,
      tool_choice: "auto",
      parallel_tool_calls: true,
      chat_template_kwargs: { enable_thinking: false },
      max_tokens: 2,
    };
    const statuses = new Map<number, number>();
    for (let i = 0; i < 1000; i++) {
      const body = mutate(base, rand);
      const res = await fetch(`${server.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      const json = (await res.json()) as { error?: { message: string; type: string }; choices?: unknown[] };
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status === 200) expect(json.choices).toHaveLength(1);
      else {
        expect(res.status, `${JSON.stringify(body).slice(0, 300)} → ${json.error?.message}`).toBeGreaterThanOrEqual(400);
        expect(res.status, `${JSON.stringify(body).slice(0, 300)} → ${json.error?.message}`).toBeLessThan(500);
        expect(typeof json.error?.message).toBe("string");
      }
    }
    expect(statuses.get(200) ?? 0).toBeGreaterThan(50);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(50);
    expect((await ask(0)).choices[0].finish_reason).toBe("tool_calls");
  }, 120_000);
});
