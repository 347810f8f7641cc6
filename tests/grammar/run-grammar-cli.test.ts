import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { describe, expect, it } from "vitest";

// `tsinfer run --grammar FILE` / `--json-schema FILE` through the built CLI on the bundled stories-7m.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const ajv = addFormats(new Ajv2020({ strict: false }));
const dir = mkdtempSync(join(tmpdir(), "tsinfer-grammar-"));

function runJson(...args: string[]): { text: string; status: number | null; stderr: string } {
  const r = spawnSync("node", ["bin/tsinfer.js", "run", "-p", "Once upon a time", "-n", "120", "--json", ...args], { encoding: "utf8", timeout: 120_000 });
  return { text: r.status === 0 ? (JSON.parse(r.stdout) as { text: string }).text : "", status: r.status, stderr: r.stderr };
}

describe("tsinfer run with a grammar", () => {
  it("--grammar FILE (GBNF) and --json-schema FILE shape the output, greedy and seeded", () => {
    const gbnf = join(dir, "story.gbnf");
    writeFileSync(gbnf, 'root ::= "The " animal " " verb "s " [a-z]{1,10} "."\nanimal ::= "cat" | "dog" | "fox"\nverb ::= "jump" | "run" | "sleep"\n');
    const schema = { type: "object", properties: { hero: { type: "string", maxLength: 10 }, friends: { type: "array", items: { enum: ["cat", "dog"] }, maxItems: 2 }, day: { type: "string", format: "date" } }, required: ["hero", "friends", "day"], additionalProperties: false };
    const schemaFile = join(dir, "schema.json");
    writeFileSync(schemaFile, JSON.stringify(schema));
    for (const sampling of [["--temp", "0"], ["--temp", "1", "--seed", "3"]]) {
      const g = runJson("--grammar", gbnf, ...sampling);
      expect(g.status, g.stderr).toBe(0);
      expect(g.text).toMatch(/^The (cat|dog|fox) (jump|run|sleep)s [a-z]{1,10}\.$/);
      const j = runJson("--json-schema", schemaFile, ...sampling);
      expect(j.status, j.stderr).toBe(0);
      expect(ajv.validate(schema, JSON.parse(j.text)), j.text).toBe(true);
    }
  }, 120_000);

  it("a bad grammar or schema file fails with a message naming the problem", () => {
    const bad = join(dir, "bad.gbnf");
    writeFileSync(bad, 'root ::= "a" | missing\n');
    const g = runJson("--grammar", bad);
    expect(g.status).not.toBe(0);
    expect(g.stderr).toMatch(/Rule "missing" is not defined/);
    const badSchema = join(dir, "bad.json");
    writeFileSync(badSchema, JSON.stringify({ type: "object", properties: { a: { not: {} } } }));
    const j = runJson("--json-schema", badSchema);
    expect(j.status).not.toBe(0);
    expect(j.stderr).toMatch(/#\/properties\/a\/not: the keyword "not" is not supported/);
    expect(runJson("--json-schema", join(dir, "absent.json")).stderr).toMatch(/--json-schema .*absent\.json: no such file/);
  }, 120_000);
});
