import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";

// `tsinfer chat` end to end through the built CLI (npm test builds first) on the bundled stories-7m, on a real
// pseudo-terminal: util-linux `script` runs it on a pty and relays our keystrokes (stdin) and its screen (stdout).

const chatArgs = ["chat", "--temp", "0", "-n", "32"];

/**
 * The terminal's text as it reads on screen: readline redraws its line with "cursor to column 1, clear below"
 * (\x1b[1G\x1b[0J), which replaces the current line; other escape sequences and carriage returns are dropped.
 */
function plain(raw: string): string {
  let text = "";
  for (const [i, piece] of raw.split("\x1b[1G\x1b[0J").entries()) {
    if (i > 0) text = text.slice(0, text.lastIndexOf("\n") + 1);
    text += piece.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").replace(/\r/g, "");
  }
  return text;
}

class Terminal {
  raw = "";
  readonly exited: Promise<number | null>;
  private readonly proc: ChildProcess;
  private waiters: Array<() => void> = [];

  constructor(args: string[]) {
    this.proc = spawn("script", ["-qfec", `node bin/tsinfer.js ${args.join(" ")}`, "/dev/null"], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, TERM: "xterm" },
    });
    const onData = (d: Buffer): void => {
      this.raw += d.toString("utf8");
      for (const w of this.waiters) w();
    };
    this.proc.stdout!.on("data", onData);
    this.proc.stderr!.on("data", onData);
    this.exited = new Promise((resolve) => this.proc.on("exit", (code) => resolve(code)));
  }

  get screen(): string {
    return plain(this.raw);
  }

  send(keys: string): void {
    this.proc.stdin!.write(keys);
  }

  /** Waits until the screen satisfies `done`; fails naming `what` and showing the screen's tail after timeoutMs. */
  async waitFor(what: string, done: (screen: string) => boolean, timeoutMs = 20_000): Promise<void> {
    if (done(this.screen)) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error(`timed out waiting for ${what}; screen ends with ${JSON.stringify(this.screen.slice(-400))}`));
      }, timeoutMs);
      const check = (): void => {
        if (!done(this.screen)) return;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve();
      };
      this.waiters.push(check);
    });
  }

  prompts(): number {
    return this.screen.split(">>> ").length - 1;
  }

  /** Types a line and waits for the next prompt; returns what was printed between the echoed line and that prompt. */
  async enter(line: string): Promise<string> {
    const n = this.prompts();
    this.send(`${line}\r`);
    await this.waitFor(`the prompt after "${line}"`, () => this.prompts() > n);
    return this.outputOf(n);
  }

  /** The output of the line typed at prompt number n (counted from 1). */
  outputOf(n: number): string {
    const parts = this.screen.split(">>> ");
    const block = parts[n] ?? "";
    return block.slice(block.indexOf("\n") + 1);
  }

  kill(): void {
    if (this.proc.exitCode === null) this.proc.kill("SIGKILL");
  }
}

function runChat(prompt: string): string {
  const r = spawnSync("node", ["bin/tsinfer.js", "run", "--chat", "-p", prompt, "--temp", "0", "-n", "32"], { encoding: "utf8", timeout: 30_000 });
  expect(r.status).toBe(0);
  return r.stdout;
}

function stats(output: string): { promptTokens: number; tokens: number; finish: string; ttftMs: number; decodeTokensPerSec: number } {
  const m = /prompt tokens: (\d+), generated tokens: (\d+) \((\w+)\)\nTTFT: ([\d.]+) ms, prefill: [\d.]+ tok\/s, decode: ([\d.]+) tok\/s/.exec(output);
  if (m === null) throw new Error(`no stats in ${JSON.stringify(output)}`);
  return { promptTokens: Number(m[1]), tokens: Number(m[2]), finish: m[3]!, ttftMs: Number(m[4]), decodeTokensPerSec: Number(m[5]) };
}

const terminals: Terminal[] = [];
function open(args: string[]): Terminal {
  const t = new Terminal(args);
  terminals.push(t);
  return t;
}
afterEach(() => {
  for (const t of terminals.splice(0)) t.kill();
});

describe("tsinfer chat on a pseudo-terminal", () => {
  it("two turns, Ctrl-C during a stream, a third turn, /set, /stats, history, /clear, /system, /bye", async () => {
    const first = runChat("Once upon a time");
    expect(first.trim().length).toBeGreaterThan(20);

    const t = open(chatArgs);
    await t.waitFor("the first prompt", () => t.prompts() === 1);
    expect(t.screen).toContain("warning: the model has no chat template");

    // Turn 1 at temperature 0 is exactly run --chat's answer (stdout: the text and a newline).
    const answer1 = await t.enter("Once upon a time");
    expect(answer1.trimEnd()).toBe(first.trimEnd());
    const stats1 = stats(await t.enter("/stats"));
    expect(stats1).toMatchObject({ promptTokens: 5, tokens: 32, finish: "length" });
    expect(stats1.ttftMs).toBeGreaterThan(0);
    expect(stats1.decodeTokensPerSec).toBeGreaterThan(0);

    // Turn 2 sees turn 1: its prompt holds the first message and answer as well.
    const answer2 = await t.enter("The cat sat");
    expect(answer2.trim().length).toBeGreaterThan(0);
    const stats2 = stats(await t.enter("/stats"));
    expect(stats2.promptTokens).toBeGreaterThan(5 + 32);

    // A long answer, stopped by Ctrl-C once it has begun to stream; the session stays.
    expect(await t.enter("/set max_tokens 4000")).toContain("max_tokens = 4000");
    const n = t.prompts();
    t.send("The dog\r");
    await t.waitFor("the long answer to start streaming", () => t.prompts() === n && t.outputOf(n).trim().length > 0);
    t.send("\x03");
    await t.waitFor("the prompt after Ctrl-C", () => t.prompts() > n);
    expect(t.outputOf(n)).toContain("(stopped)");
    const stopped = stats(await t.enter("/stats"));
    expect(stopped.finish).toBe("abort");
    expect(stopped.tokens).toBeGreaterThan(0);
    expect(stopped.promptTokens + stopped.tokens).toBeLessThan(512);

    // /set: a change shows in the listing; a bad name or value gets one error line and changes nothing.
    expect(await t.enter("/set temperature 0.2")).toContain("temperature = 0.2");
    expect(await t.enter("/set")).toMatch(/^ {2}temperature +0\.2 /m);
    expect(await t.enter("/set temprature 1")).toMatch(/^error: unknown setting "temprature"; known: temperature, top_k/m);
    expect(await t.enter("/set top_p 2")).toMatch(/^error: top_p 2: .*expected in \(0, 1\]\n$/);
    expect(await t.enter("/set seed x")).toMatch(/^error: seed x: expected a number\n$/);
    expect(await t.enter("/set")).toMatch(/^ {2}top_p +0\.95 /m);

    // Turn 3 after the stop answers and is counted.
    expect(await t.enter("/set max_tokens 24")).toContain("max_tokens = 24");
    const answer3 = await t.enter("A little bird");
    expect(answer3.trim().length).toBeGreaterThan(0);
    const stats3 = stats(await t.enter("/stats"));
    expect(stats3.finish).not.toBe("abort");
    expect(stats3.tokens).toBeLessThanOrEqual(24);

    // Arrow up recalls the last line (/stats), Enter runs it again.
    const before = t.prompts();
    t.send("\x1b[A\r");
    await t.waitFor("the prompt after the recalled line", () => t.prompts() > before);
    expect(stats(t.outputOf(before))).toEqual(stats3);

    // /clear forgets the conversation: the first message at temperature 0 gives the first answer again.
    expect(await t.enter("/clear")).toContain("conversation cleared");
    await t.enter("/set temperature 0");
    await t.enter("/set max_tokens 32");
    expect((await t.enter("Once upon a time")).trimEnd()).toBe(first.trimEnd());
    expect(stats(await t.enter("/stats")).promptTokens).toBe(5);

    // /system goes first in the conversation: the same message now has a longer prompt.
    expect(await t.enter("/system Stories for children.")).toBe("system message set\n");
    expect(await t.enter("/system")).toBe("system: Stories for children.\n");
    await t.enter("/clear");
    expect((await t.enter("Once upon a time")).trim().length).toBeGreaterThan(0);
    expect(stats(await t.enter("/stats")).promptTokens).toBeGreaterThan(5 + 3);

    expect(await t.enter("/nope")).toMatch(/^error: unknown command \/nope; \/help lists them/);
    expect(await t.enter("/help")).toContain("/system <text>");
    t.send("/bye\r");
    expect(await t.exited).toBe(0);
  }, 90_000);

  it("Ctrl-C at a half-typed line clears it; twice at an empty prompt exits 0; so does Ctrl-D", async () => {
    const a = open(chatArgs);
    await a.waitFor("the first prompt", () => a.prompts() === 1);
    a.send("half a line\x03");
    await a.waitFor("a fresh prompt", () => a.prompts() === 2);
    // Were the half line still there, this would be the message "half a line/stats".
    expect(await a.enter("/stats")).toBe("no answer yet\n");
    a.send("\x03");
    await a.waitFor("the exit hint", (s) => s.includes("(Ctrl-C again, Ctrl-D or /bye to exit)"));
    a.send("\x03");
    expect(await a.exited).toBe(0);

    const b = open(chatArgs);
    await b.waitFor("the first prompt", () => b.prompts() === 1);
    b.send("\x04");
    expect(await b.exited).toBe(0);
  }, 40_000);
});

describe("tsinfer chat with piped stdin", () => {
  it("answers the whole of stdin once, as run --chat does, and exits 0", () => {
    const r = spawnSync("node", ["bin/tsinfer.js", ...chatArgs], { input: "Once upon a time\n", encoding: "utf8", timeout: 30_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(runChat("Once upon a time"));
    expect(r.stdout).not.toContain(">>>");
  });

  it("refuses empty stdin with one error line", () => {
    const r = spawnSync("node", ["bin/tsinfer.js", ...chatArgs], { input: "\n", encoding: "utf8", timeout: 30_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/stdin is empty/);
  });
});
