// Tool calling through a real `tsinfer serve` (stories-7m, whose file has no chat template) given the Qwen2.5
// template with --chat-template-file: the tool round trip reaches the template exactly as Jinja2 renders it (the
// trace's prompt ids are the reference rendering's tokens), answers are well-formed, streamed answers assembled by
// the openai client equal the non-streamed ones, and bad tool fields are 400s naming the field.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadTokenizer } from "../../src/tokenizer/load-tokenizer.js";
import { parsePythonJson } from "../../src/chat/jinja/python-json-parse.js";
import { STORIES_GGUF, startServe } from "./serve-process.js";
import type { ServeProcess } from "./serve-process.js";

const chat = JSON.parse(readFileSync("tests/fixtures/chat/chat_templates.json", "utf8")) as {
  templates: Record<string, string>;
  tools: Record<string, unknown>[];
  cases: { template: string; conversation: string; add_generation_prompt: boolean; tools: boolean; rendered?: string }[];
};
const chatCases = chat.cases;
const conversations = parsePythonJson(readFileSync("tests/chat/fixtures/template-conversations.json", "utf8")) as {
  conversations: Record<string, { role: string; content: string; tool_calls?: { id: string; type: string; function: { name: string; arguments: unknown } }[] }[]>;
  cases: { template: string; conversation: string; add_generation_prompt: boolean; tools: boolean; rendered?: string }[];
};
const templateName = "Qwen-Qwen2.5-7B-Instruct";
const scratch = mkdtempSync(join(tmpdir(), "tsinfer-serve-tools-"));
const templateFile = join(scratch, "qwen2.5.jinja");
writeFileSync(templateFile, chat.templates[templateName]);

/** The fixture's tool round trip as an OpenAI client sends it (arguments as a JSON string). */
const roundTrip = conversations.conversations["tool-roundtrip"].map((m) =>
  m.tool_calls === undefined ? m : { ...m, tool_calls: m.tool_calls.map((c) => ({ ...c, function: { name: c.function.name, arguments: JSON.stringify(c.function.arguments) } })) },
);

let server: ServeProcess;
let client: OpenAI;
const post = (body: object) => fetch(`${server.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

beforeAll(async () => {
  server = await startServe(["--chat-template-file", templateFile, "--traces", "20", "--parallel", "4"]);
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "unused", maxRetries: 0 });
});
afterAll(async () => {
  expect(await server?.stop()).toBe(0);
  rmSync(scratch, { recursive: true, force: true });
});

describe("tool calling through tsinfer serve --chat-template-file (stories-7m, Qwen2.5 template)", () => {
  async function promptIdsOf(id: string): Promise<number[]> {
    const trace = (await (await fetch(`${server.url}/v1/traces/${id}`)).json()) as { promptTokens: { id: number }[] };
    return trace.promptTokens.map((t) => t.id);
  }

  it("the tools reach the template as Jinja2 renders them", async () => {
    const reference = chatCases.find((c) => c.template === templateName && c.conversation === "single" && c.add_generation_prompt && c.tools);
    const res = await client.chat.completions.create({ model: "default", messages: [{ role: "user", content: "Hello!" }], tools: chat.tools as unknown as OpenAI.ChatCompletionTool[], max_tokens: 4, temperature: 0 });
    const expected = loadTokenizer(STORIES_GGUF).encode(reference?.rendered ?? "", { addSpecialTokens: false });
    expect(await promptIdsOf(res.id)).toEqual(expected);
    expect(res.choices[0].message.role).toBe("assistant");
  });

  // The round trip with the tool list is longer (600 tokens) than stories-7m's context (512): it is sent without tools here.
  it("the tool round trip (assistant tool_calls, tool result) reaches the template as Jinja2 renders it, and the answer is well-formed", async () => {
    const reference = conversations.cases.find((c) => c.template === templateName && c.conversation === "tool-roundtrip" && c.add_generation_prompt && !c.tools);
    expect(reference?.rendered).toBeDefined();
    const res = await client.chat.completions.create({
      model: "default",
      messages: roundTrip as OpenAI.ChatCompletionMessageParam[],
      parallel_tool_calls: true,
      max_tokens: 8,
      temperature: 0,
    });
    const tok = loadTokenizer(STORIES_GGUF);
    const expected = tok.encode(reference?.rendered ?? "", { addSpecialTokens: false });
    expect(res.usage?.prompt_tokens).toBe(expected.length);
    expect(await promptIdsOf(res.id)).toEqual(expected);
    const choice = res.choices[0];
    expect(choice.message.role).toBe("assistant");
    expect(typeof choice.message.content).toBe("string");
    expect(["stop", "length"]).toContain(choice.finish_reason); // stories-7m writes stories, not <tool_call>
    expect(choice.message.tool_calls ?? []).toEqual([]);
  });

  it("a streamed answer, assembled by the openai client, equals the non-streamed one for the same seeded request", async () => {
    const request = { model: "default", messages: [{ role: "user" as const, content: "Once upon a time" }], tools: chat.tools as unknown as OpenAI.ChatCompletionTool[], max_tokens: 24, temperature: 0.9, seed: 7 };
    const whole = await client.chat.completions.create(request);
    const stream = client.chat.completions.stream({ ...request, stream: true });
    const assembled = await stream.finalChatCompletion();
    expect(assembled.choices[0].message.content).toBe(whole.choices[0].message.content);
    expect(assembled.choices[0].finish_reason).toBe(whole.choices[0].finish_reason);
    expect(assembled.choices[0].message.tool_calls ?? []).toEqual(whole.choices[0].message.tool_calls ?? []);
  });

  it("chat_template_kwargs reach the template; tool_choice none still shows the tools", async () => {
    const res = await post({ messages: [{ role: "user", content: "Hi" }], tools: chat.tools, tool_choice: "none", chat_template_kwargs: { enable_thinking: false }, max_tokens: 2 });
    expect(res.status).toBe(200);
  });

  it("bad tool fields are 400s naming the field", async () => {
    const bad = structuredClone(roundTrip) as { tool_calls?: { function: { arguments: string } }[] }[];
    (bad[2].tool_calls ?? [])[0].function.arguments = '{"city": "Paris"';
    const cases: [object, string][] = [
      [{ messages: bad, tools: chat.tools }, "messages[2].tool_calls[0].function.arguments"],
      [{ messages: [{ role: "tool", content: "1" }], tools: chat.tools }, "messages[0].tool_call_id"],
      [{ messages: [{ role: "assistant" }] }, "messages[0].content"],
      [{ messages: [{ role: "user", content: "x" }], tools: [{ type: "function", function: { name: "bad name!" } }] }, "tools[0].function.name"],
      [{ messages: [{ role: "user", content: "x" }], tools: [{ type: "retrieval" }] }, "tools[0].type"],
      [{ messages: [{ role: "user", content: "x" }], tools: [{ type: "function", function: { name: "f", parameters: "x" } }] }, "tools[0].function.parameters"],
      [{ messages: [{ role: "user", content: "x" }], tools: chat.tools, tool_choice: { type: "function", function: { name: "nope" } } }, "tool_choice.function.name"],
      [{ messages: [{ role: "user", content: "x" }], tool_choice: "required" }, "tool_choice"],
      [{ messages: [{ role: "user", content: "x" }], tools: chat.tools, tool_choice: "sometimes" }, "tool_choice"],
      [{ messages: [{ role: "user", content: "x" }], tools: chat.tools, tool_choice: "required", response_format: { type: "json_object" } }, "tool_choice"],
      [{ messages: [{ role: "user", content: "x" }], chat_template_kwargs: [1] }, "chat_template_kwargs"],
      [{ messages: [{ role: "user", content: "x" }], chat_template_kwargs: { messages: [] } }, "chat_template_kwargs.messages"],
      [{ messages: [{ role: "user", content: "x" }], parallel_tool_calls: "yes" }, "parallel_tool_calls"],
      [{ messages: [{ role: "user", content: "x" }], reasoning_format: "maybe" }, "reasoning_format"],
    ];
    for (const [body, param] of cases) {
      const res = await post(body);
      const error = ((await res.json()) as { error: { param: string | null; message: string } }).error;
      expect(res.status, error.message).toBe(400);
      expect(error.param, error.message).toBe(param);
      expect(error.message.startsWith(param)).toBe(true);
    }
    expect((await post({ messages: [{ role: "user", content: "still up" }], max_tokens: 1 })).status).toBe(200);
  });

  it("a forced tool_choice (required, or a named function) makes even stories-7m call the tool with arguments that validate", async () => {
    // The fixture's tool with the city bounded, so a 7M-parameter model finishes the call within the context.
    const tools = [{ type: "function", function: { name: "get_weather", description: "Get the weather for a city", parameters: { type: "object", properties: { city: { type: "string", enum: ["Paris", "Tokyo", "Lima"] } }, required: ["city"] } } }];
    for (const toolChoice of ["required", { type: "function", function: { name: "get_weather" } }]) {
      const res = await post({ messages: [{ role: "user", content: "Weather in Paris?" }], tools, tool_choice: toolChoice, parallel_tool_calls: false, max_tokens: 90, temperature: 0 });
      const body = (await res.json()) as { choices: { finish_reason: string; message: { content: string | null; tool_calls?: { id: string; type: string; function: { name: string; arguments: string } }[] } }[] };
      expect(res.status, JSON.stringify(body)).toBe(200);
      const choice = body.choices[0];
      expect(choice.finish_reason).toBe("tool_calls");
      expect(choice.message.tool_calls).toHaveLength(1);
      const call = choice.message.tool_calls?.[0];
      expect(call?.type).toBe("function");
      expect(call?.id).toMatch(/^call_/);
      expect(call?.function.name).toBe("get_weather");
      expect(["Paris", "Tokyo", "Lima"]).toContain((JSON.parse(call?.function.arguments ?? "{}") as { city: string }).city);
    }
  });

  it("a chat template file that is missing or does not parse stops serve and run with an error naming it", () => {
    const broken = join(scratch, "broken.jinja");
    writeFileSync(broken, "{% for m in messages %}{{ m.content ");
    for (const file of [broken, join(scratch, "missing.jinja")]) {
      const serve = spawnSync(process.execPath, ["bin/tsinfer.js", "serve", "--port", "0", "--chat-template-file", file], { encoding: "utf8", timeout: 60_000 });
      expect(serve.status).not.toBe(0);
      expect(serve.stderr).toContain(file);
      const run = spawnSync(process.execPath, ["bin/tsinfer.js", "run", "--chat", "-p", "Hi", "-n", "1", "--chat-template-file", file], { encoding: "utf8", timeout: 60_000 });
      expect(run.status).not.toBe(0);
      expect(run.stderr).toContain(file);
    }
  });

  it("run --chat and chat use the --chat-template-file template", () => {
    const run = spawnSync(process.execPath, ["bin/tsinfer.js", "run", "--chat", "-p", "Hi", "-n", "1", "--temp", "0", "--json", "--chat-template-file", templateFile], { encoding: "utf8", timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).not.toContain("no chat template");
    const rendered = "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n";
    const expectedTokens = loadTokenizer(STORIES_GGUF).encode(rendered, { addSpecialTokens: false }).length;
    expect((JSON.parse(run.stdout) as { promptTokens: number }).promptTokens).toBe(expectedTokens);
    const chatCli = spawnSync(process.execPath, ["bin/tsinfer.js", "chat", "-n", "1", "--chat-template-file", templateFile], { encoding: "utf8", input: "Hi", timeout: 60_000 });
    expect(chatCli.status, chatCli.stderr).toBe(0);
    expect(chatCli.stderr).not.toContain("no chat template");
  });
});
