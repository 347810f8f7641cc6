import { createInterface } from "node:readline";
import { TsinferError } from "../../errors.js";
import { formatTimings } from "../format-timings.js";
import type { ChatSession } from "./chat-session.js";
import { formatChatSettings, withSetting } from "./chat-settings.js";

export const chatHelp = [
  "  /set                 list the sampling settings",
  "  /set <name> <value>  change one, e.g. /set temperature 0.2 (/set seed random: a new seed per answer)",
  "  /system <text>       set the system message (/system alone shows it)",
  "  /clear               forget the conversation (the system message stays)",
  "  /stats               the last answer's tokens, TTFT and tokens/s",
  "  /bye                 exit (also Ctrl-D, or Ctrl-C twice at an empty prompt)",
  "  /help                this list",
  "Ctrl-C stops an answer and keeps the conversation; the arrow keys walk the history.",
].join("\n");

const prompt = ">>> ";

/**
 * The interactive loop on a terminal. Lines are handled one at a time in order; readline keeps reading keys while an
 * answer streams, so Ctrl-C (readline's SIGINT event in raw mode) can abort it. Resolves when the user leaves.
 */
export function runChatRepl(session: ChatSession, vocabSize: number, input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Promise<void> {
  const rl = createInterface({ input, output, prompt, terminal: true, historySize: 200, removeHistoryDuplicates: true });
  const write = (text: string): void => void output.write(text);
  let answering: AbortController | undefined;
  let ctrlCAtEmptyPrompt = false;
  let queue = Promise.resolve();
  let closed = false;

  const handleLine = async (line: string): Promise<void> => {
    const text = line.trim();
    if (text === "") return;
    if (text.startsWith("/")) {
      if (runCommand(text)) rl.close();
      return;
    }
    answering = new AbortController();
    let last = "";
    try {
      const result = await session.ask(
        text,
        (piece) => {
          last = piece;
          write(piece);
        },
        answering.signal,
        (n) => write(`(the context holds ${session.ctxLen} tokens: the ${n} oldest messages were dropped)\n`),
      );
      if (!last.endsWith("\n")) write("\n");
      if (result.finishReason === "abort") write("(stopped)\n");
      write("\n");
    } catch (err) {
      if (!(err instanceof TsinferError)) throw err;
      write(`error: ${err.message}\n`);
    } finally {
      answering = undefined;
    }
  };

  /** Runs a slash command; true when the session should end. */
  const runCommand = (text: string): boolean => {
    const [command = "", ...rest] = text.split(/\s+/);
    const arg = text.slice(command.length).trim();
    switch (command) {
      case "/bye":
      case "/exit":
        return true;
      case "/help":
      case "/?":
        write(`${chatHelp}\n`);
        return false;
      case "/clear":
        session.clear();
        write("conversation cleared\n");
        return false;
      case "/system":
        if (arg === "") write(session.system === undefined ? "no system message\n" : `system: ${session.system}\n`);
        else {
          session.system = arg;
          write("system message set\n");
        }
        return false;
      case "/stats":
        write(session.lastResult === undefined ? "no answer yet\n" : formatTimings(session.lastResult));
        return false;
      case "/set":
        if (rest.length === 0) write(`${formatChatSettings(session.settings)}\n`);
        else if (rest.length !== 2) write("error: usage: /set <name> <value> (/set alone lists the names)\n");
        else {
          try {
            session.settings = withSetting(session.settings, rest[0]!, rest[1]!, vocabSize);
            write(`${rest[0]} = ${rest[1]}\n`);
          } catch (err) {
            if (!(err instanceof TsinferError)) throw err;
            write(`error: ${err.message}\n`);
          }
        }
        return false;
      default:
        write(`error: unknown command ${command}; /help lists them\n`);
        return false;
    }
  };

  rl.on("line", (line) => {
    ctrlCAtEmptyPrompt = false;
    queue = queue.then(() => handleLine(line)).then(() => {
      if (!closed) rl.prompt();
    });
  });
  rl.on("SIGINT", () => {
    if (answering !== undefined) {
      answering.abort();
      return;
    }
    if (rl.line !== "") {
      // As a shell does: drop the half-typed line, stay.
      write("^C\n");
      rl.write(null, { ctrl: true, name: "u" });
      ctrlCAtEmptyPrompt = false;
      rl.prompt();
      return;
    }
    if (ctrlCAtEmptyPrompt) {
      write("\n");
      rl.close();
      return;
    }
    ctrlCAtEmptyPrompt = true;
    write("\n(Ctrl-C again, Ctrl-D or /bye to exit)\n");
    rl.prompt();
  });

  return new Promise((resolve, reject) => {
    rl.on("close", () => {
      closed = true;
      answering?.abort();
      queue.then(resolve, reject);
    });
    write(`Type a message, or /help for the commands.\n`);
    rl.prompt();
  });
}
