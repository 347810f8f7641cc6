import { describe, expect, it } from "vitest";
import { peekModelName } from "../../src/server/peek-model-name.js";
import { hostileCases } from "./hostile-bodies.js";

// The reference is JSON.parse: for any body it parses, the peeked name is its top-level `model` when that is a string.
function expected(text: string): string | null {
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== "object" || v === null || Array.isArray(v)) return null;
    const m = (v as Record<string, unknown>).model;
    return typeof m === "string" ? m : null;
  } catch {
    return null;
  }
}

const bodies = [
  '{"model":"a","prompt":"x"}',
  '{ "prompt" : "say \\"model\\": \\"b\\"", "model" : "c" }',
  '{"messages":[{"role":"user","content":"hi","model":"inner"}],"model":"outer"}',
  '{"extra":{"model":"nested"},"prompt":"x"}',
  '{"mod\\u0065l":"escaped-key","prompt":"x"}',
  '{"model":"caf\\u00e9 \\"quoted\\" \\\\ back"}',
  '{"prompt":"ends with a backslash \\\\","model":"after"}',
  '{"model":5}',
  '{"model":null,"prompt":"x"}',
  '["model","a"]',
  '{"prompt":"x"}',
  '{"a":["{\\"model\\":\\"no\\"}",{"b":"}"}],"model":"yes"}',
  "{\n\t\"model\"\r\n:\n\"spaced\"}",
  '{"model":"unterminated',
];

describe("peekModelName", () => {
  it("agrees with JSON.parse on tricky bodies", () => {
    for (const b of bodies) {
      const got = peekModelName([Buffer.from(b)]);
      if (b.endsWith("unterminated")) expect(got).toBeNull();
      else expect(got, b).toBe(expected(b));
    }
  });

  it("reads a body split into slabs at every byte", () => {
    const b = Buffer.from('{"prompt":"Once \\"upon\\" a time","model":"stories"}');
    for (let i = 1; i < b.length; i++) expect(peekModelName([b.subarray(0, i), b.subarray(i)])).toBe("stories");
  });

  it("agrees with JSON.parse on the hostile request bodies of the HTTP tests", () => {
    let compared = 0;
    for (const c of hostileCases(400, 7, "x".repeat(2000))) {
      if (c.body === null) continue;
      const text = Buffer.from(c.body).toString("utf8");
      const want = expected(text);
      if (want === null && !text.includes('"model"')) continue;
      compared++;
      if (want !== null) expect(peekModelName([Buffer.from(c.body)]), text.slice(0, 200)).toBe(want);
    }
    expect(compared).toBeGreaterThan(10);
  });

  it("skips a 15 MB prompt quickly", () => {
    const body = Buffer.from(JSON.stringify({ messages: [{ role: "user", content: "word ".repeat(3_000_000) }], model: "last" }));
    const t0 = performance.now();
    expect(peekModelName([body])).toBe("last");
    expect(performance.now() - t0).toBeLessThan(200);
  });
});
