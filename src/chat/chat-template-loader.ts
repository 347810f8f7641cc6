// Where a model keeps its chat template, read as transformers and llama.cpp read it:
//  - a Hugging Face directory: chat_template.jinja (+ additional_chat_templates/<name>.jinja), else chat_template.json,
//    else tokenizer_config.json's chat_template; bos/eos from tokenizer_config.json;
//  - a tokenizer_config.json (or chat_template.json) file, or a bare .jinja file;
//  - a GGUF file: tokenizer.chat_template (+ tokenizer.chat_template.<name> for each of tokenizer.chat_templates),
//    bos/eos as the strings of tokenizer.ggml.tokens at tokenizer.ggml.bos_token_id / eos_token_id.
import { closeSync, existsSync, openSync, readFileSync, readSync, readdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { FormatError, InputError } from "../errors.js";
import { parseModelJson } from "../formats/parse-model-json.js";
import { ggufMagic, openGguf } from "../formats/index.js";
import { compileChatTemplate } from "./chat-template.js";

export interface LoadedChatTemplate {
  /** The template chosen (see selectChatTemplate). */
  template: string;
  /** Its name: "default" for a single template. */
  name: string;
  /** Every template the model ships, by name. */
  templates: Record<string, string>;
  /** Special tokens as the template sees them: null is Python None (declared but empty), undefined is not declared. */
  bosToken?: string | null;
  eosToken?: string | null;
  /** The other special tokens transformers passes to templates (unk_token, pad_token, sep_token, cls_token, mask_token) that the model declares. */
  otherSpecialTokens: Record<string, string | null>;
  /** The file the template came from. */
  source: string;
}

export interface ChatTemplateChoice {
  /** A template name (e.g. "tool_use"); default: "tool_use" when tools are given and present, else "default". */
  name?: string;
  /** Whether the conversation passes tools (transformers then prefers the "tool_use" template). */
  withTools?: boolean;
}

type TemplateSet = Record<string, string>;

/** transformers' get_chat_template: an explicit name, else tool_use with tools, else default. */
export function selectChatTemplate(templates: TemplateSet, source: string, choice: ChatTemplateChoice = {}): [string, string] {
  const names = Object.keys(templates);
  if (choice.name !== undefined) {
    if (!(choice.name in templates)) throw new InputError(`${source}: no chat template named '${choice.name}' (has: ${names.join(", ")})`);
    return [choice.name, templates[choice.name]];
  }
  if (choice.withTools && "tool_use" in templates) return ["tool_use", templates.tool_use];
  if ("default" in templates) return ["default", templates.default];
  if (names.length === 0) throw new FormatError(source, "holds no chat template");
  throw new FormatError(source, `has several chat templates (${names.join(", ")}) and none named 'default'`);
}

/** A chat_template value: a string, or a list of {name, template} (tokenizer_config.json since transformers 4.43). */
function templateSet(value: unknown, file: string, key: string): TemplateSet {
  if (typeof value === "string") return { default: value };
  if (Array.isArray(value)) {
    const set: TemplateSet = {};
    for (const entry of value as unknown[]) {
      const { name, template } = (entry ?? {}) as { name?: unknown; template?: unknown };
      if (typeof name !== "string" || typeof template !== "string") throw new FormatError(file, `${key} entries must be {name, template} strings`);
      set[name] = template;
    }
    return set;
  }
  throw new FormatError(file, `${key} must be a string or a list of {name, template}, got ${JSON.stringify(value)?.slice(0, 40)}`);
}

function readJson(file: string): Record<string, unknown> {
  return parseModelJson(file, readFileSync(file, "utf8")) as Record<string, unknown>;
}

/** bos_token/eos_token in tokenizer_config.json: a string, an AddedToken {content}, or null. */
function specialToken(config: Record<string, unknown>, key: string, file: string): string | null | undefined {
  const value = config[key];
  if (value === undefined || value === null || typeof value === "string") return value;
  const content = (value as { content?: unknown }).content;
  if (typeof content === "string") return content;
  throw new FormatError(file, `${key} must be a string or {"content": string}`);
}

const otherSpecialTokenKeys = ["unk_token", "sep_token", "pad_token", "cls_token", "mask_token"];

function otherSpecialTokens(config: Record<string, unknown>, file: string): Record<string, string | null> {
  const tokens: Record<string, string | null> = {};
  for (const key of otherSpecialTokenKeys) {
    const value = specialToken(config, key, file);
    if (value !== undefined) tokens[key] = value;
  }
  return tokens;
}

function fromConfigFile(file: string): Omit<LoadedChatTemplate, "template" | "name"> {
  const config = readJson(file);
  if (config.chat_template === undefined || config.chat_template === null) throw new FormatError(file, "has no chat_template");
  return {
    templates: templateSet(config.chat_template, file, "chat_template"),
    bosToken: specialToken(config, "bos_token", file),
    eosToken: specialToken(config, "eos_token", file),
    otherSpecialTokens: otherSpecialTokens(config, file),
    source: file,
  };
}

function fromDirectory(dir: string): Omit<LoadedChatTemplate, "template" | "name"> {
  const configFile = join(dir, "tokenizer_config.json");
  const config = existsSync(configFile) ? readJson(configFile) : {};
  const tokens = {
    bosToken: specialToken(config, "bos_token", configFile),
    eosToken: specialToken(config, "eos_token", configFile),
    otherSpecialTokens: otherSpecialTokens(config, configFile),
  };
  const jinjaFile = join(dir, "chat_template.jinja");
  if (existsSync(jinjaFile)) {
    const templates: TemplateSet = { default: readFileSync(jinjaFile, "utf8") };
    const extraDir = join(dir, "additional_chat_templates");
    if (existsSync(extraDir)) {
      for (const f of readdirSync(extraDir).sort()) if (f.endsWith(".jinja")) templates[f.slice(0, -6)] = readFileSync(join(extraDir, f), "utf8");
    }
    return { templates, ...tokens, source: jinjaFile };
  }
  const jsonFile = join(dir, "chat_template.json");
  if (existsSync(jsonFile)) return { templates: templateSet(readJson(jsonFile).chat_template, jsonFile, "chat_template"), ...tokens, source: jsonFile };
  if (config.chat_template !== undefined && config.chat_template !== null) {
    return { templates: templateSet(config.chat_template, configFile, "chat_template"), ...tokens, source: configFile };
  }
  throw new FormatError(dir, "has no chat template (no chat_template.jinja, chat_template.json or chat_template in tokenizer_config.json)");
}

function fromGguf(file: string): Omit<LoadedChatTemplate, "template" | "name"> {
  const gguf = openGguf(file);
  try {
    const templates: TemplateSet = {};
    const main = gguf.getString("tokenizer.chat_template");
    if (main !== undefined) templates.default = main;
    for (const name of gguf.getArray("tokenizer.chat_templates") ?? []) {
      const named = typeof name === "string" ? gguf.getString(`tokenizer.chat_template.${name}`) : undefined;
      if (named !== undefined) templates[name as string] = named;
    }
    if (Object.keys(templates).length === 0) throw new FormatError(file, "has no tokenizer.chat_template");
    const tokens = gguf.getArray("tokenizer.ggml.tokens");
    const tokenAt = (key: string): string | undefined => {
      const id = gguf.getNumber(key);
      if (id === undefined || tokens === undefined) return undefined;
      const token = tokens[id];
      if (typeof token !== "string") throw new FormatError(file, `${key} = ${id} is not an index of tokenizer.ggml.tokens (${tokens.length} tokens)`);
      return token;
    };
    // llama.cpp's GGUF keys for the special tokens (gguf-py constants.py; "seperator" is its spelling).
    const others: Record<string, string | null> = {};
    for (const [key, name] of [["unknown", "unk_token"], ["seperator", "sep_token"], ["padding", "pad_token"], ["cls", "cls_token"], ["mask", "mask_token"]]) {
      const id = gguf.getNumber(`tokenizer.ggml.${key}_token_id`);
      const token = id === undefined ? undefined : tokens?.[id];
      if (typeof token === "string") others[name] = token; // converters write -1 or out-of-range ids for "none"
    }
    return {
      templates,
      bosToken: tokenAt("tokenizer.ggml.bos_token_id"),
      eosToken: tokenAt("tokenizer.ggml.eos_token_id"),
      otherSpecialTokens: others,
      source: file,
    };
  } finally {
    gguf.close();
  }
}

function isGgufFile(file: string): boolean {
  const fd = openSync(file, "r");
  try {
    const head = Buffer.alloc(4);
    return readSync(fd, head, 0, 4, 0) === 4 && head.readUInt32LE(0) === ggufMagic;
  } finally {
    closeSync(fd);
  }
}

/** Reads a model's chat template(s) and special tokens from an HF directory, a JSON/Jinja file or a GGUF file. */
export function loadChatTemplate(path: string, choice: ChatTemplateChoice = {}): LoadedChatTemplate {
  if (!existsSync(path)) throw new InputError(`${path}: no such file or directory`);
  let found: Omit<LoadedChatTemplate, "template" | "name">;
  if (statSync(path).isDirectory()) found = fromDirectory(path);
  else if (isGgufFile(path)) found = fromGguf(path);
  else if (path.endsWith(".jinja")) found = { templates: { default: readFileSync(path, "utf8") }, otherSpecialTokens: {}, source: path };
  else if (basename(path) === "chat_template.json") {
    found = { templates: templateSet(readJson(path).chat_template, path, "chat_template"), otherSpecialTokens: {}, source: path };
  }
  else found = fromConfigFile(path);
  const [name, template] = selectChatTemplate(found.templates, found.source, choice);
  return { ...found, name, template };
}

/**
 * `--chat-template-file`: a Jinja file, or a tokenizer_config.json / chat_template.json holding the template, for a
 * model whose own template is missing or wrong. It must exist and parse, or the error names the file.
 */
export function readChatTemplateFile(path: string): string {
  let template: string;
  try {
    template = path.endsWith(".json") ? loadChatTemplate(path).template : readFileSync(path, "utf8");
  } catch (err) {
    if (err instanceof FormatError) throw err;
    throw new FormatError(path, `cannot read the chat template: ${(err as Error).message}`);
  }
  if (template.trim() === "") throw new FormatError(path, "the chat template is empty");
  try {
    compileChatTemplate(template);
  } catch (err) {
    throw new FormatError(path, (err as Error).message);
  }
  return template;
}
