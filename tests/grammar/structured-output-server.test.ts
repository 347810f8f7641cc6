import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import OpenAI from "openai";
import { zodResponseFormat } from "openai/helpers/zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { startServe } from "../server/serve-process.js";
import type { ServeProcess } from "../server/serve-process.js";

// 50 schemas written by hand (tests/grammar/schemas-50.json); every output must parse and validate with ajv
// (JSON Schema 2020-12) and ajv-formats (date, time, date-time, uuid, email), and end by the grammar ("stop").
interface NamedSchema {
  name: string;
  schema: Record<string, unknown>;
}
const { schemas } = JSON.parse(readFileSync("tests/grammar/schemas-50.json", "utf8")) as { schemas: NamedSchema[] };
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));

let server: ServeProcess;
let client: OpenAI;

beforeAll(async () => {
  // 16 sequences share 400 KV tokens: they cannot all grow at once, so some are preempted (and recomputed) mid-grammar.
  server = await startServe(["--parallel", "16", "--max-queue", "256", "--ctx-size", "320", "--kv-cache-size", "400t", "--traces", "300"]);
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "unused", maxRetries: 0 });
}, 60_000);
afterAll(async () => {
  expect(await server?.stop()).toBe(0);
});

interface Answer {
  id: string;
  text: string;
  finish: string;
}

async function post(path: string, body: Record<string, unknown>): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${server.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** Three request shapes in turn: chat + response_format, completions + response_format, completions + llama-server's json_schema. */
async function ask(i: number, schema: Record<string, unknown>, sampling: Record<string, unknown>): Promise<Answer> {
  const responseFormat = { type: "json_schema", json_schema: { name: `s${i}`, schema, strict: true } };
  const common = { model: "default", max_tokens: 300, ...sampling };
  const shape = i % 3;
  const { status, json } =
    shape === 0
      ? await post("/v1/chat/completions", { ...common, messages: [{ role: "user", content: "Tell me a story." }], response_format: responseFormat })
      : await post("/v1/completions", { ...common, prompt: "Once upon a time", ...(shape === 1 ? { response_format: responseFormat } : { json_schema: schema }) });
  expect(status, JSON.stringify(json)).toBe(200);
  const choice = (json.choices as { text?: string; message?: { content: string }; finish_reason: string }[])[0]!;
  return { id: json.id as string, text: choice.message?.content ?? choice.text ?? "", finish: choice.finish_reason };
}

function expectValid(name: string, schema: Record<string, unknown>, a: Answer): void {
  let value: unknown;
  expect(() => (value = JSON.parse(a.text)), `${name}: ${a.text}`).not.toThrow();
  const ok = ajv.validate(schema, value);
  expect(ok, `${name}: ${a.text} — ${ajv.errorsText()}`).toBe(true);
  expect(a.finish, `${name}: ${a.text}`).toBe("stop");
}

describe("structured output through the real server (stories-7m)", () => {
  it("50 schemas × (greedy, seeded temperature 1): every output validates with ajv, through preemptions", async () => {
    const runs = schemas.flatMap(({ name, schema }, i) => [
      { name: `${name} (greedy)`, schema, p: ask(i, schema, { temperature: 0 }) },
      { name: `${name} (seed ${100 + i})`, schema, p: ask(i, schema, { temperature: 1, seed: 100 + i }) },
    ]);
    const answers = await Promise.all(runs.map((r) => r.p));
    for (let k = 0; k < runs.length; k++) expectValid(runs[k]!.name, runs[k]!.schema, answers[k]!);
    let preemptions = 0;
    for (const a of answers) preemptions += ((await (await fetch(`${server.url}/v1/traces/${a.id}`)).json()) as { preemptions: number }).preemptions;
    expect(preemptions).toBeGreaterThan(0);
  }, 240_000);

  it("json_object starts a JSON object; n = 2 gives each choice its own grammar state; streaming equals non-streaming", async () => {
    // A free-form object may not close within max_tokens on a 7M model: what it wrote must still be a JSON prefix.
    const obj = await post("/v1/completions", { model: "default", prompt: "Once upon a time", max_tokens: 40, temperature: 0, response_format: { type: "json_object" } });
    const objText = (obj.json.choices as { text: string }[])[0]!.text;
    expect(objText).toMatch(/^\{("|\})/);
    const person = schemas.find((s) => s.name === "person")!.schema;
    const body = { model: "default", prompt: "Once upon a time", max_tokens: 120, temperature: 1, seed: 5, n: 2, response_format: { type: "json_schema", json_schema: { name: "p", schema: person } } };
    const full = await post("/v1/completions", body);
    expect(full.status).toBe(200);
    const texts = (full.json.choices as { text: string; finish_reason: string }[]).map((c) => c.text);
    expect(texts).toHaveLength(2);
    expect(texts[0]).not.toBe(texts[1]);
    for (const t of texts) expect(ajv.validate(person, JSON.parse(t)), t).toBe(true);
    const schema = schemas.find((s) => s.name === "nested-address")!.schema;
    const streamed = await client.chat.completions.create({ model: "default", messages: [{ role: "user", content: "Hi" }], max_tokens: 200, temperature: 0, stream: true, response_format: { type: "json_schema", json_schema: { name: "a", schema } } });
    let text = "";
    for await (const chunk of streamed) text += chunk.choices[0]?.delta.content ?? "";
    const once = await client.chat.completions.create({ model: "default", messages: [{ role: "user", content: "Hi" }], max_tokens: 200, temperature: 0, response_format: { type: "json_schema", json_schema: { name: "a", schema } } });
    expect(text).toBe(once.choices[0]!.message.content);
    expect(ajv.validate(schema, JSON.parse(text))).toBe(true);
  }, 60_000);

  it("the openai client's chat.completions.parse with a zod response format returns the parsed object", async () => {
    const Pet = z.object({ kind: z.enum(["cat", "dog"]), name: z.string().max(10), legs: z.number().int().min(0).max(4) });
    const res = await client.chat.completions.parse({ model: "default", messages: [{ role: "user", content: "A pet" }], max_tokens: 80, temperature: 0, response_format: zodResponseFormat(Pet, "pet") });
    const parsed = res.choices[0]!.message.parsed;
    expect(parsed).not.toBeNull();
    expect(Pet.parse(parsed)).toEqual(parsed);
  }, 60_000);

  it("with ignore_eos the grammar still ends the answer (finish_reason stop) once it is complete", async () => {
    const schema = { type: "object", properties: { ok: { type: "boolean" } }, required: ["ok"] };
    const { status, json } = await post("/v1/completions", { model: "default", prompt: "Once upon a time", max_tokens: 50, temperature: 0, ignore_eos: true, json_schema: schema });
    expect(status).toBe(200);
    const choice = (json.choices as { text: string; finish_reason: string }[])[0]!;
    expect(JSON.parse(choice.text)).toHaveProperty("ok");
    expect(choice.finish_reason).toBe("stop");
    // logprobs under a grammar: forbidden tokens (-∞) are not listed as alternatives; every value is a number.
    const lp = await post("/v1/chat/completions", { model: "default", messages: [{ role: "user", content: "Hi" }], max_tokens: 30, temperature: 0, logprobs: true, top_logprobs: 5, json_schema: schema });
    const content = ((lp.json.choices as { logprobs: { content: { logprob: unknown; top_logprobs: { logprob: unknown }[] }[] } }[])[0]!).logprobs.content;
    expect(content.length).toBeGreaterThan(0);
    for (const t of content) {
      expect(typeof t.logprob).toBe("number");
      for (const alt of t.top_logprobs) expect(typeof alt.logprob).toBe("number");
    }
    expect(content[0]!.top_logprobs.length).toBeLessThan(5); // only "{" (a byte token in this vocabulary) can start the object
  }, 60_000);

  it("a GBNF grammar in llama-server's `grammar` field shapes the text", async () => {
    const grammar = 'root ::= "The " animal " is " color "."\nanimal ::= "cat" | "dog" | "bird"\ncolor ::= "red" | "green" | [a-z]{1,8}';
    for (const sampling of [{ temperature: 0 }, { temperature: 1, seed: 9 }]) {
      const { status, json } = await post("/v1/completions", { model: "default", prompt: "Once upon a time", max_tokens: 40, grammar, ...sampling });
      expect(status).toBe(200);
      const choice = (json.choices as { text: string; finish_reason: string }[])[0]!;
      expect(choice.text).toMatch(/^The (cat|dog|bird) is [a-z]{1,8}\.$/);
      expect(choice.finish_reason).toBe("stop");
    }
  }, 60_000);

  it("malformed or unsupported grammars get a 400 that names the problem, and the server stays up", async () => {
    const chat = { model: "default", messages: [{ role: "user", content: "Hi" }], max_tokens: 8 };
    const cases: [Record<string, unknown>, RegExp, string][] = [
      [{ response_format: { type: "json_schema", json_schema: { name: "x", schema: { type: "object", properties: { a: { type: "string", not: { const: "b" } } } } } } }, /#\/properties\/a\/not.*"not" is not supported/, "response_format.json_schema.schema"],
      [{ response_format: { type: "json_schema", json_schema: { name: "x", schema: { type: "object", uniqueItems: true } } } }, /"uniqueItems" is not supported/, "response_format.json_schema.schema"],
      [{ response_format: { type: "json_schema", json_schema: { name: "x", schema: { $ref: "#/$defs/missing" } } } }, /#\/\$ref.*points to nothing/, "response_format.json_schema.schema"],
      [{ response_format: { type: "json_schema", json_schema: { name: "x", schema: { type: "strin" } } } }, /#\/type: expected one of/, "response_format.json_schema.schema"],
      [{ response_format: { type: "json_schema", json_schema: { name: "x", schema: { type: "string", minLength: -1 } } } }, /#\/minLength: expected an integer ≥ 0/, "response_format.json_schema.schema"],
      [{ response_format: { type: "json_schema", json_schema: { name: "x", schema: { type: "number", maximum: 3 } } } }, /maximum on a number is not supported/, "response_format.json_schema.schema"],
      [{ response_format: { type: "json_schema", json_schema: { name: "x", schema: { type: "string", format: "ipv4" } } } }, /#\/format: the format "ipv4" is not supported/, "response_format.json_schema.schema"],
      [{ response_format: { type: "json_schema", json_schema: { name: "x", schema: { type: "string", pattern: "([a-z" } } } }, /#\/pattern: not a valid regular expression/, "response_format.json_schema.schema"],
      [{ response_format: { type: "json_schema", json_schema: { name: "x" } } }, /response_format\.json_schema\.schema: required/, "response_format.json_schema.schema"],
      [{ response_format: { type: "xml" } }, /response_format\.type: expected "text", "json_object" or "json_schema"/, "response_format.type"],
      [{ response_format: "json" }, /response_format: expected an object/, "response_format"],
      [{ json_schema: "not a schema" }, /json_schema: expected a JSON Schema object/, "json_schema"],
      [{ grammar: 'root ::= "a" | undefined_rule' }, /grammar: .*Rule "undefined_rule" is not defined/, "grammar"],
      [{ grammar: 'root ::= ("a"' }, /grammar: EBNF parser error/, "grammar"],
      [{ grammar: 'start ::= "a"' }, /grammar: .*root rule with name "root" is not found/, "grammar"],
      [{ grammar: 42 }, /grammar: expected a string/, "grammar"],
      [{ grammar: 'root ::= "a"', response_format: { type: "json_object" } }, /only one of response_format, json_schema and grammar/, "grammar"],
    ];
    for (const [extra, message, param] of cases) {
      const { status, json } = await post("/v1/chat/completions", { ...chat, ...extra });
      const error = json.error as { message: string; param: string | null; type: string };
      expect(status, JSON.stringify(extra)).toBe(400);
      expect(error.message).toMatch(message);
      expect(error.param).toBe(param);
      expect(error.type).toBe("invalid_request_error");
    }
    const after = await post("/v1/chat/completions", { ...chat, response_format: { type: "text" } });
    expect(after.status).toBe(200);
  }, 60_000);
});
