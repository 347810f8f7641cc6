import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { checkJsonSchema, MAX_INTEGER_RANGE } from "../../src/grammar/json-schema-check.js";

function rejects(schema: unknown): string {
  try {
    checkJsonSchema(schema, "schema");
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(schema)}`);
}

describe("checkJsonSchema", () => {
  it("names an unsupported keyword and its JSON pointer", () => {
    expect(rejects({ type: "object", properties: { "a/b": { type: "array", uniqueItems: true } } })).toMatch(/^schema: #\/properties\/a~1b\/uniqueItems: the keyword "uniqueItems" is not supported/);
    expect(rejects({ allOf: [{ type: "string" }] })).toMatch(/#\/allOf: the keyword "allOf"/);
    expect(rejects({ type: "object", patternProperties: {} })).toMatch(/"patternProperties"/);
    expect(rejects({ anyOf: [{ type: "string", contentEncoding: "base64" }] })).toMatch(/#\/anyOf\/0\/contentEncoding/);
  });

  it("names malformed keywords, dangling references and contradictions", () => {
    expect(rejects("object")).toMatch(/the schema must be an object/);
    expect(rejects({ type: 3 })).toMatch(/#\/type: expected one of/);
    expect(rejects({ properties: [] })).toMatch(/#\/properties: expected an object of subschemas/);
    expect(rejects({ required: "a" })).toMatch(/#\/required: expected an array/);
    expect(rejects({ properties: { a: {} }, required: ["b"] })).toMatch(/"b" is required but not in properties/);
    expect(rejects({ items: [{ type: "string" }] })).toMatch(/use prefixItems/);
    expect(rejects({ anyOf: [] })).toMatch(/#\/anyOf: expected a non-empty array/);
    expect(rejects({ enum: [] })).toMatch(/#\/enum: expected a non-empty array/);
    expect(rejects({ $ref: "#/$defs/x" })).toMatch(/#\/\$ref: the reference "#\/\$defs\/x" points to nothing/);
    expect(rejects({ $ref: "https://example.com/s.json" })).toMatch(/only local references/);
    expect(rejects({ $defs: { a: { type: "string" } }, $ref: "#/$defs/a", type: "string" })).toMatch(/"type" beside \$ref/);
    expect(rejects({ type: "string", minLength: 3, maxLength: 2 })).toMatch(/minLength \(3\) is greater than maxLength \(2\)/);
    expect(rejects({ type: "array", maxItems: 1.5 })).toMatch(/#\/maxItems: expected an integer ≥ 0/);
    expect(rejects({ type: "string", pattern: "(" })).toMatch(/#\/pattern: not a valid regular expression/);
    expect(rejects({ type: "string", pattern: "^a$", maxLength: 3 })).toMatch(/"maxLength" together with "pattern"/);
    expect(rejects({ type: "string", format: "hostname" })).toMatch(/the format "hostname" is not supported/);
    expect(rejects({ type: "integer", minimum: 5, maximum: 4 })).toMatch(/minimum \(5\) is greater than maximum \(4\)/);
    expect(rejects({ type: "integer", exclusiveMinimum: 1, exclusiveMaximum: 2 })).toMatch(/no integer satisfies/);
    expect(rejects({ type: "number", minimum: 0 })).toMatch(/minimum on a number is not supported/);
    expect(rejects({ type: "integer", minimum: 0 })).toMatch(new RegExp(`at most ${MAX_INTEGER_RANGE} values`));
    expect(rejects({ type: ["integer", "null"], maximum: 3 })).toMatch(/needs "type": "integer"/);
    let deep: Record<string, unknown> = { type: "string" };
    for (let i = 0; i < 100; i++) deep = { type: "array", items: deep };
    expect(rejects(deep)).toMatch(/nests deeper than 64 levels/);
  });

  it("keeps annotations, turns bounded integers into enums and formats into RFC patterns", () => {
    const out = checkJsonSchema({ title: "T", description: "d", $comment: "c", type: "object", properties: { n: { type: "integer", minimum: 1, exclusiveMaximum: 4, default: 2 }, d: { type: "string", format: "date" } }, required: ["n"] }, "schema") as Record<string, Record<string, Record<string, unknown>>>;
    expect(out.title).toBe("T");
    expect(out.properties!.n).toEqual({ default: 2, enum: [1, 2, 3] });
    expect(out.properties!.d!.format).toBeUndefined();
    expect(new RegExp(out.properties!.d!.pattern as string).test("2024-02-28")).toBe(true);
    expect(new RegExp(out.properties!.d!.pattern as string).test("2024-02-30")).toBe(false);
    expect(checkJsonSchema({ $defs: { a: { $ref: "#" } }, anyOf: [{ type: "null" }, { $ref: "#/$defs/a" }] }, "schema")).toBeTruthy();
  });
});
