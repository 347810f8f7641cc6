// Chat templates rendered as transformers' apply_chat_template renders them: Jinja2 in an
// ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True) with the loopcontrols extension, transformers'
// tojson/raise_exception/strftime_now, and render(messages=, tools=, documents=, add_generation_prompt=, **special
// tokens, **kwargs). Parsing is @huggingface/jinja's; evaluation follows Python through jinja/python-interpreter.ts.
import { Environment, parse } from "@huggingface/jinja";
import type { JinjaValue } from "./jinja/jinja-values.js";
import { ArrayValue, FunctionValue, IntegerValue, ObjectValue, isInteger, splitArguments, toJinjaValue } from "./jinja/jinja-values.js";
import { ChatTemplateError, pyTypeError } from "./jinja/python-errors.js";
import { pythonTypeName } from "./jinja/python-equality.js";
import { createPythonInterpreter } from "./jinja/python-interpreter.js";
import { pythonStr } from "./jinja/python-str.js";
import { pythonStrftime } from "./jinja/python-strftime.js";
import { tokenizeTemplate } from "./jinja/template-source.js";

export { ChatTemplateError } from "./jinja/python-errors.js";

/** One chat message: role and content, plus whatever else a template reads (tool_calls, name, reasoning_content…). */
export interface ChatMessage {
  role: string;
  content?: unknown;
  [key: string]: unknown;
}

export interface RenderChatTemplateOptions {
  messages: ChatMessage[];
  /** JSON-schema tool definitions ({"type": "function", "function": {...}}); absent means the template sees None. */
  tools?: unknown[] | null;
  /** RAG documents for templates that take them; absent means None. */
  documents?: unknown[] | null;
  addGenerationPrompt?: boolean;
  /** The tokenizer's special tokens as the template sees them; null is Python None, undefined leaves them unset. */
  bosToken?: string | null;
  eosToken?: string | null;
  /** More template variables (transformers' **kwargs), e.g. enable_thinking, date_string. */
  extra?: Record<string, unknown>;
  /** The clock strftime_now reads; the real current time unless given. */
  now?: () => Date;
}

type Program = ReturnType<typeof parse>;
const compiled = new Map<string, Program>();
const maxCompiled = 16;

/** Parses a template once (transformers caches compiled templates too); syntax errors become ChatTemplateError. */
export function compileChatTemplate(template: string): Program {
  let program = compiled.get(template);
  if (program === undefined) {
    try {
      program = parse(tokenizeTemplate(template));
    } catch (err) {
      throw new ChatTemplateError("TemplateSyntaxError", `chat template does not parse: ${(err as Error).message}`);
    }
    if (compiled.size >= maxCompiled) compiled.delete(compiled.keys().next().value as string);
    compiled.set(template, program);
  }
  return program;
}

/** jinja2.sandbox.MAX_RANGE: the sandbox refuses longer ranges (and so a template cannot allocate without bound). */
const maxRange = 100_000;

function pythonRange(args: JinjaValue[]): JinjaValue {
  const [positional] = splitArguments(args);
  for (const a of positional) if (!isInteger(a)) throw pyTypeError(`'${pythonTypeName(a)}' object cannot be interpreted as an integer`);
  const n = positional.map((a) => a.value as number);
  const [start, stop, step] = n.length === 1 ? [0, n[0], 1] : [n[0], n[1], n[2] ?? 1];
  if (step === 0) throw new ChatTemplateError("ValueError", "range() arg 3 must not be zero");
  if (Math.ceil((stop - start) / step) > maxRange) {
    throw new ChatTemplateError("OverflowError", `Range too big. The sandbox blocks ranges larger than MAX_RANGE (${maxRange}).`);
  }
  const out: JinjaValue[] = [];
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(new IntegerValue(i));
  return new ArrayValue(out);
}

function globals(now: () => Date): Record<string, JinjaValue> {
  return {
    true: toJinjaValue(true), false: toJinjaValue(false), none: toJinjaValue(null),
    True: toJinjaValue(true), False: toJinjaValue(false), None: toJinjaValue(null),
    range: new FunctionValue(pythonRange),
    dict: new FunctionValue((args) => new ObjectValue(new Map(splitArguments(args)[1]))),
    raise_exception: new FunctionValue(([message]) => {
      throw new ChatTemplateError("TemplateError", message === undefined ? "" : pythonStr(message));
    }),
    strftime_now: new FunctionValue(([format]) => toJinjaValue(pythonStrftime(now(), format === undefined ? "" : pythonStr(format)))),
  };
}

/** Renders `template` for a conversation; throws ChatTemplateError when the template raises or cannot run. */
export function renderChatTemplate(template: string, options: RenderChatTemplateOptions): string {
  const program = compileChatTemplate(template);
  const env = new Environment();
  const define = (name: string, value: JinjaValue): void => {
    env.setVariable(name, value as unknown as Parameters<Environment["setVariable"]>[1]);
  };
  for (const [name, value] of Object.entries(globals(options.now ?? (() => new Date())))) define(name, value);
  const context: Record<string, unknown> = {
    messages: options.messages,
    tools: options.tools ?? null,
    documents: options.documents ?? null,
    add_generation_prompt: options.addGenerationPrompt ?? false,
  };
  if (options.bosToken !== undefined) context.bos_token = options.bosToken;
  if (options.eosToken !== undefined) context.eos_token = options.eosToken;
  Object.assign(context, options.extra);
  for (const [name, value] of Object.entries(context)) define(name, toJinjaValue(value));
  try {
    return createPythonInterpreter(env).run(program).value as string;
  } catch (err) {
    if (err instanceof ChatTemplateError) throw err;
    throw new ChatTemplateError("TemplateRuntimeError", (err as Error).message);
  }
}
