import { describe, expect, it } from "vitest";
import { generate } from "../../src/engine/generate.js";
import { InputError } from "../../src/errors.js";
import { loadModel } from "../../src/model/load-model.js";
import { loadTokenizer } from "../../src/tokenizer/load-tokenizer.js";

// The library path (generate(): run, chat, browser) with OpenAI's response_format shapes.
const model = loadModel("models/stories-7m/stories-7m-f16.gguf");
const tokenizer = loadTokenizer("models/stories-7m/hf");

describe("generate() with responseFormat", () => {
  it("json_schema constrains greedy output to the schema and ends with stop; text leaves it free", async () => {
    const schema = { type: "object", properties: { hero: { enum: ["Tim", "Lily"] }, age: { type: "integer", minimum: 2, maximum: 9 } }, required: ["hero", "age"] };
    const r = await generate(model, tokenizer, "Once upon a time", { maxTokens: 60, sampling: { temperature: 0 }, responseFormat: { type: "json_schema", json_schema: { name: "h", schema } } });
    const value = JSON.parse(r.text) as { hero: string; age: number };
    expect(["Tim", "Lily"]).toContain(value.hero);
    expect(value.age).toBeGreaterThanOrEqual(2);
    expect(value.age).toBeLessThanOrEqual(9);
    expect(r.finishReason).toBe("stop");
    const free = await generate(model, tokenizer, "Once upon a time", { maxTokens: 8, sampling: { temperature: 0 }, responseFormat: { type: "text" } });
    expect(free.text.startsWith("{")).toBe(false);
  }, 60_000);

  it("a bad responseFormat is an InputError naming it", async () => {
    await expect(generate(model, tokenizer, "Hi", { maxTokens: 4, responseFormat: { type: "json_schema", json_schema: { name: "x", schema: { type: "object", propertyNames: {} } } } })).rejects.toThrow(
      /responseFormat: #\/propertyNames: the keyword "propertyNames" is not supported/,
    );
    await expect(generate(model, tokenizer, "Hi", { maxTokens: 4, grammar: { kind: "gbnf", text: "root ::= " } })).rejects.toBeInstanceOf(InputError);
  }, 60_000);
});
