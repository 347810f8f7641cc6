// Which answer format each fixture template gets (by the markers it renders, as llama.cpp picks its parser), and
// whether its Jinja2-rendered generation prompt leaves the model inside <think> (tests/fixtures/chat references).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { detectChatOutputFormat, outputMarkers, promptOpensThinking } from "../../src/chat/chat-output-format.js";

const chat = JSON.parse(readFileSync("tests/fixtures/chat/chat_templates.json", "utf8")) as {
  templates: Record<string, string>;
  cases: { template: string; conversation: string; add_generation_prompt: boolean; tools: boolean; rendered?: string }[];
};

const expected: Record<string, [string, boolean]> = {
  deepseek_v3: ["json", false],
  gemma3: ["json", false],
  llama3: ["json", false],
  qwen3: ["hermes", true],
  "CohereForAI-c4ai-command-r-plus-tool_use": ["json", false],
  "CohereForAI-c4ai-command-r7b-12-2024-tool_use": ["json", false],
  "NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use": ["hermes", false],
  "NousResearch-Hermes-3-Llama-3.1-8B-tool_use": ["hermes", false],
  "Qwen-Qwen2.5-7B-Instruct": ["hermes", false],
  "deepseek-ai-DeepSeek-R1-Distill-Llama-8B": ["json", true],
  "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B": ["json", true],
  "fireworks-ai-llama-3-firefunction-v2": ["json", false],
  "google-gemma-2-2b-it": ["json", false],
  "llama-cpp-deepseek-r1": ["json", true],
  "meetkai-functionary-medium-v3.1": ["json", false],
  "meetkai-functionary-medium-v3.2": ["json", false],
  "meta-llama-Llama-3.1-8B-Instruct": ["llama3", false],
  "meta-llama-Llama-3.2-3B-Instruct": ["llama3", false],
  "meta-llama-Llama-3.3-70B-Instruct": ["llama3", false],
  "microsoft-Phi-3.5-mini-instruct": ["json", false],
  "mistralai-Mistral-Nemo-Instruct-2407": ["mistral", false],
};

describe("output format of the fixture templates", () => {
  it("covers every template", () => {
    expect(Object.keys(expected).sort()).toEqual(Object.keys(chat.templates).sort());
  });
  for (const [name, [toolCalls, reasoning]] of Object.entries(expected)) {
    it(`${name}: ${toolCalls}${reasoning ? " with <think>" : ""}`, () => {
      expect(detectChatOutputFormat(chat.templates[name])).toEqual({ toolCalls, reasoning });
    });
  }

  it("the DeepSeek-R1 templates' generation prompt opens <think>; Qwen3's and the others' do not", () => {
    const opens = chat.cases
      .filter((c) => c.conversation === "single" && c.add_generation_prompt && !c.tools && c.rendered !== undefined)
      .filter((c) => promptOpensThinking(c.rendered ?? ""))
      .map((c) => c.template)
      .sort();
    expect(opens).toEqual(["deepseek-ai-DeepSeek-R1-Distill-Llama-8B", "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B", "llama-cpp-deepseek-r1"]);
  });

  it("no template: plain-JSON calls, no reasoning; the markers a format must see in its text", () => {
    expect(detectChatOutputFormat(undefined)).toEqual({ toolCalls: "json", reasoning: false });
    expect(outputMarkers({ toolCalls: "hermes", reasoning: true })).toEqual(["<think>", "</think>", "<tool_call>", "</tool_call>"]);
    expect(outputMarkers({ toolCalls: "llama3", reasoning: false })).toEqual(["<|python_tag|>"]);
    expect(outputMarkers({ toolCalls: "mistral", reasoning: false })).toEqual(["[TOOL_CALLS]"]);
  });
});
