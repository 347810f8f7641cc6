import { describe, expect, it } from "vitest";
import { ApiError } from "../../src/server/api-error.js";
import { checkExtraFields } from "../../src/server/extra-fields.js";

// The decision table of docs/serving.md ("Request fields: what is ignored, what is refused").
describe("checkExtraFields", () => {
  const known = new Set(["prompt"]);
  const refusal = (body: Record<string, unknown>): ApiError | null => {
    try {
      checkExtraFields(body, known);
      return null;
    } catch (err) {
      return err as ApiError;
    }
  };

  it("ignores unknown keys and reports them, at most 16, each cut to 64 characters", () => {
    const body = JSON.parse(`{"prompt":"x","__proto__":{"a":1},"constructor":1,${Array.from({ length: 30 }, (_, i) => `"f${i}":${i}`).join(",")},"${"k".repeat(100)}":1}`) as Record<string, unknown>;
    const ignored = checkExtraFields(body, known);
    expect(ignored.slice(0, 3)).toEqual(["__proto__", "constructor", "f0"]);
    expect(ignored).toHaveLength(16);
    expect(checkExtraFields({ ["k".repeat(100)]: 1 }, known)).toEqual(["k".repeat(64)]);
  });

  it("type-checks the harmless SDK fields and refuses the ones that would change the answer, naming them", () => {
    expect(refusal({ store: true, metadata: { a: "b" }, service_tier: "auto", reasoning_effort: "low", prediction: { type: "content", content: "x" }, parallel_tool_calls: true, modalities: ["text"] })).toBeNull();
    for (const [field, value] of [["store", "yes"], ["metadata", { a: 1 }], ["metadata", []], ["service_tier", 1], ["reasoning_effort", {}], ["prediction", "x"], ["parallel_tool_calls", "true"], ["modalities", "text"], ["modalities", ["text", "audio"]], ["audio", {}], ["web_search_options", {}], ["tools", []], ["tool_choice", "auto"], ["response_format", { type: "text" }], ["grammar", "root ::= x"], ["json_schema", {}], ["functions", []], ["function_call", "auto"]] as const) {
      const e = refusal({ [field]: value });
      expect(e, field).toBeInstanceOf(ApiError);
      expect(e?.status).toBe(400);
      expect(e?.param).toBe(field);
      expect(e?.message.startsWith(`${field}: `)).toBe(true);
    }
  });

  it("takes null as absent, as SDKs send it, and refuses nothing off the generation routes", () => {
    expect(refusal({ tools: null, response_format: null, store: null, audio: null })).toBeNull();
    expect(checkExtraFields({ tools: [{}], store: "yes" }, known, "", false)).toEqual(["tools", "store"]);
  });
});
