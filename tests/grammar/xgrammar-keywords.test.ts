import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { describe, expect, it } from "vitest";
import { checkJsonSchema } from "../../src/grammar/json-schema-check.js";
import { loadXgrammar } from "../../src/grammar/xgrammar-module.js";

// Soundness of every supported keyword: whatever the compiled grammar accepts, ajv (the reference validator) must
// accept too; and the grammar must accept the valid examples written in our one-line style (so it is not vacuous).
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const ajv = addFormats(new Ajv2020({ strict: false }));

const ints = (a: number, b: number): string[] => Array.from({ length: b - a + 1 }, (_, i) => String(a + i));

/** [schema, candidate texts, texts that must be accepted]. */
const cases: [Record<string, unknown>, string[], string[]][] = [
  [{ type: "integer", minimum: -5, maximum: 120 }, ints(-60, 200), ["-5", "0", "120"]],
  [{ type: "integer", minimum: 5, maximum: 40 }, ints(-20, 100), ["5", "40"]],
  [{ type: "integer", exclusiveMinimum: 0, exclusiveMaximum: 10 }, ints(-20, 30), ["1", "9"]],
  [{ type: "string", minLength: 2, maxLength: 4 }, ['"a"', '"ab"', '"abcd"', '"abcde"', '""'], ['"ab"', '"abcd"']],
  [{ type: "string", pattern: "^[A-Z]{2}-\\d{3}$" }, ['"AB-123"', '"A-123"', '"AB-1234"', '"ab-123"'], ['"AB-123"']],
  [{ type: "string", format: "date" }, ['"2024-01-31"', '"2024-02-30"', '"2024-04-31"', '"2024-13-01"', '"2024-1-01"'], ['"2024-01-31"']],
  [{ type: "string", format: "time" }, ['"12:30:00Z"', '"12:60:00Z"', '"24:00:00Z"', '"12:30:00.5+01:00"'], ['"12:30:00Z"', '"12:30:00.5+01:00"']],
  [{ type: "string", format: "date-time" }, ['"2024-01-31T12:30:00Z"', '"2024-02-30T12:30:00Z"', '"2024-01-31T12:60:00Z"', '"2024-01-31 12:30:00Z"'], ['"2024-01-31T12:30:00Z"']],
  [{ type: "string", format: "uuid" }, ['"123e4567-e89b-12d3-a456-426614174000"', '"123e4567-e89b-12d3-a456-42661417400"', '"not-a-uuid"'], ['"123e4567-e89b-12d3-a456-426614174000"']],
  [{ type: "string", format: "email" }, ['"tim@example.com"', '"tim@localhost"', '"@example.com"', '"tim.ben@a.b.c"', '"a b@c.de"'], ['"tim@example.com"', '"tim.ben@a.b.c"']],
  [{ type: "array", items: { type: "integer" }, minItems: 2, maxItems: 3 }, ["[1]", "[1, 2]", "[1, 2, 3]", "[1, 2, 3, 4]", '[1, "a"]'], ["[1, 2]", "[1, 2, 3]"]],
  [{ type: "array", prefixItems: [{ type: "string" }, { type: "integer" }], items: false }, ['["a", 1]', '[1, 1]', '["a", 1, 2]', '["a", "b"]'], ['["a", 1]']],
  [{ type: "object", properties: { a: { type: "integer" }, b: { type: "string" } }, required: ["a"], additionalProperties: false }, ['{"a": 1}', '{"a": 1, "b": "x"}', "{}", '{"b": "x"}', '{"a": 1, "c": 2}', '{"a": "1"}'], ['{"a": 1}', '{"a": 1, "b": "x"}']],
  [{ enum: ["a", 1, null, true] }, ['"a"', "1", "null", "true", '"b"', "false", "2"], ['"a"', "1", "null", "true"]],
  [{ const: "fixed" }, ['"fixed"', '"other"'], ['"fixed"']],
  [{ anyOf: [{ type: "integer" }, { type: "boolean" }] }, ["1", "true", '"a"', "null"], ["1", "true"]],
  [{ oneOf: [{ type: "string", maxLength: 1 }, { type: "null" }] }, ['"a"', "null", '"ab"', "1"], ['"a"', "null"]],
  [{ type: ["string", "null"] }, ['"a"', "null", "1"], ['"a"', "null"]],
  [{ $defs: { n: { type: "object", properties: { v: { type: "integer", minimum: 0, maximum: 3 }, next: { anyOf: [{ type: "null" }, { $ref: "#/$defs/n" }] } }, required: ["v", "next"] } }, $ref: "#/$defs/n" }, ['{"v": 1, "next": null}', '{"v": 1, "next": {"v": 2, "next": null}}', '{"v": 9, "next": null}', '{"v": 1, "next": {"v": 2}}'], ['{"v": 1, "next": {"v": 2, "next": null}}']],
];

describe("xgrammar 0.1.27 behind our schema check enforces every supported keyword (ajv as the reference)", () => {
  it("accepts nothing ajv rejects and the valid one-line examples", async () => {
    const { api } = await loadXgrammar();
    for (const [schema, candidates, mustAccept] of cases) {
      const checked = JSON.stringify(checkJsonSchema(schema, "schema"));
      const grammar = await api.Grammar.fromJSONSchema(checked, false, -1, [", ", ": "], true);
      for (const text of candidates) {
        const accepted = await api.Testings.isGrammarAcceptString(grammar, text);
        const valid = ajv.validate(schema, JSON.parse(text));
        if (accepted) expect(valid, `${JSON.stringify(schema)} accepted ${text}`).toBe(true);
        if (mustAccept.includes(text)) expect(accepted, `${JSON.stringify(schema)} rejected ${text}`).toBe(true);
      }
      grammar.dispose();
    }
  }, 60_000);

  it("xgrammar alone mis-enforces the bounds and formats we rewrite (why the rewrites exist)", async () => {
    const { api } = await loadXgrammar();
    const raw = async (schema: unknown, text: string): Promise<boolean> => {
      const g = await api.Grammar.fromJSONSchema(JSON.stringify(schema), false, -1, [", ", ": "], true);
      const accepted = await api.Testings.isGrammarAcceptString(g, text);
      g.dispose();
      return accepted;
    };
    expect(await raw({ type: "integer", minimum: -5, maximum: 120 }, "125")).toBe(true);
    expect(await raw({ type: "integer", minimum: 5 }, "3")).toBe(true);
    expect(await raw({ type: "number", minimum: 1.5, maximum: 3 }, "3.5")).toBe(true);
    expect(await raw({ type: "string", format: "date" }, '"2024-02-30"')).toBe(true);
  }, 60_000);
});
