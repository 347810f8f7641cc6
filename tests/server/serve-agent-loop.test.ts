// What an agent framework does with the official openai client against a real `tsinfer serve` of stories-7m: a
// two-step tool loop (forced call → tool result → answer) through a chat template given with --chat-template-file,
// streamed tool calls that reassemble to the non-streamed ones, and `required` over several tools. stories-7m has no
// chat template and a 512-token context, so the template is a compact Hermes-style one written for this test (the
// Qwen2.5 template's tool preamble alone is ~420 tokens of it); the tool-call format is detected from its markers.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv } from "ajv";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServe } from "./serve-process.js";
import type { ServeProcess } from "./serve-process.js";

const TEMPLATE = `{%- if tools %}<|im_start|>system
Tools: {% for t in tools %}{{ t.function.name }} {% endfor %}
Call one as <tool_call>{"name": ..., "arguments": ...}</tool_call><|im_end|>
{% endif %}
{%- for m in messages %}
{%- if m.role == "tool" %}<|im_start|>tool
{{ m.content }}<|im_end|>
{% elif m.role == "assistant" and m.tool_calls %}<|im_start|>assistant
{% for c in m.tool_calls %}<tool_call>
{{ {"name": c.function.name, "arguments": c.function.arguments} | tojson }}
</tool_call>{% endfor %}<|im_end|>
{% else %}<|im_start|>{{ m.role }}
{{ m.content }}<|im_end|>
{% endif %}
{%- endfor %}
{%- if add_generation_prompt %}<|im_start|>assistant
{% endif %}`;

const weather: OpenAI.ChatCompletionTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Get the weather for a city",
    parameters: { type: "object", properties: { city: { type: "string", enum: ["Paris", "Tokyo", "Lima"] }, unit: { type: "string", enum: ["c", "f"] } }, required: ["city", "unit"], additionalProperties: false },
  },
};
const clock: OpenAI.ChatCompletionTool = {
  type: "function",
  function: { name: "get_time", description: "The time in a zone", parameters: { type: "object", properties: { zone: { type: "integer", minimum: -12, maximum: 14 } }, required: ["zone"] } },
};
const ajv = new Ajv({ strict: false });

const scratch = mkdtempSync(join(tmpdir(), "tsinfer-agent-loop-"));
const templateFile = join(scratch, "compact-tools.jinja");
writeFileSync(templateFile, TEMPLATE);
let server: ServeProcess;
let client: OpenAI;

beforeAll(async () => {
  server = await startServe(["--chat-template-file", templateFile, "--parallel", "4"]);
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "unused", maxRetries: 0 });
});
afterAll(async () => {
  expect(await server?.stop()).toBe(0);
  rmSync(scratch, { recursive: true, force: true });
});

function validCall(call: OpenAI.ChatCompletionMessageToolCall | undefined, tools: OpenAI.ChatCompletionTool[]): { name: string; args: unknown } {
  expect(call?.type).toBe("function");
  if (call?.type !== "function") throw new Error("not a function call");
  expect(call.id).toMatch(/^call_[A-Za-z0-9]+$/);
  const tool = tools.find((t) => t.type === "function" && t.function.name === call.function.name);
  expect(tool, call.function.name).toBeDefined();
  const args = JSON.parse(call.function.arguments) as unknown;
  const schema = tool?.type === "function" ? tool.function.parameters : undefined;
  expect(ajv.validate(schema ?? {}, args), `${call.function.arguments}: ${ajv.errorsText()}`).toBe(true);
  return { name: call.function.name, args };
}

describe("an agent's tool loop with the openai client (stories-7m, --chat-template-file)", () => {
  it("forced call → tool result → answer", async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "What is the weather in Paris?" }];
    const first = await client.chat.completions.create({
      model: "default",
      messages,
      tools: [weather, clock],
      tool_choice: { type: "function", function: { name: "get_weather" } },
      parallel_tool_calls: false,
      max_tokens: 120,
      temperature: 0,
    });
    const choice = first.choices[0];
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.tool_calls).toHaveLength(1);
    const call = choice.message.tool_calls?.[0];
    expect(validCall(call, [weather]).name).toBe("get_weather");

    messages.push(choice.message, { role: "tool", tool_call_id: call?.id ?? "", content: "Sunny, 21 degrees." });
    const second = await client.chat.completions.create({ model: "default", messages, tools: [weather, clock], max_tokens: 24, temperature: 0 });
    // The assistant's call and the tool's result went into the prompt (the template renders both).
    expect(second.usage?.prompt_tokens ?? 0).toBeGreaterThan((first.usage?.prompt_tokens ?? 0) + (first.usage?.completion_tokens ?? 0) / 2);
    const answer = second.choices[0];
    expect(["stop", "length"]).toContain(answer.finish_reason);
    expect(answer.message.tool_calls ?? []).toEqual([]);
    expect(typeof answer.message.content).toBe("string");
    expect((answer.message.content ?? "").length).toBeGreaterThan(0);
  });

  it("tool_choice required picks one of the tools, and its arguments validate against that tool's parameters (greedy and seeded)", async () => {
    for (const sampling of [{ temperature: 0 }, { temperature: 1, seed: 7 }, { temperature: 1, seed: 8 }]) {
      const res = await client.chat.completions.create({ model: "default", messages: [{ role: "user", content: "Help me." }], tools: [weather, clock], tool_choice: "required", parallel_tool_calls: false, max_tokens: 120, ...sampling });
      expect(res.choices[0].finish_reason).toBe("tool_calls");
      expect(res.choices[0].message.tool_calls).toHaveLength(1);
      validCall(res.choices[0].message.tool_calls?.[0], [weather, clock]);
    }
  });

  it("streamed tool calls (delta.tool_calls: index, id and name first, then the arguments) equal the non-streamed ones", async () => {
    const body = { model: "default", messages: [{ role: "user" as const, content: "Time please" }], tools: [weather, clock], tool_choice: "required" as const, parallel_tool_calls: false, max_tokens: 120, temperature: 1, seed: 11 };
    const whole = await client.chat.completions.create(body);
    const stream = await client.chat.completions.create({ ...body, stream: true });
    const calls: { id: string; name: string; arguments: string }[] = [];
    let finish: string | null = null;
    for await (const chunk of stream) {
      for (const d of chunk.choices[0]?.delta.tool_calls ?? []) {
        if (d.id !== undefined) {
          expect(d.index).toBe(calls.length);
          expect(d.function?.name).toBeDefined();
          calls.push({ id: d.id, name: d.function?.name ?? "", arguments: d.function?.arguments ?? "" });
        } else calls[d.index].arguments += d.function?.arguments ?? "";
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(finish).toBe("tool_calls");
    const expected = (whole.choices[0].message.tool_calls ?? []).map((c) => (c.type === "function" ? { name: c.function.name, arguments: c.function.arguments } : null));
    expect(calls.map((c) => ({ name: c.name, arguments: c.arguments }))).toEqual(expected);
    expect(calls.length).toBe(1);
  });
});
