import { Command, CommanderError } from "commander";
import { TsinferError } from "../errors.js";
import { registerCommands } from "./commands/index.js";

const program = new Command();
program
  .name("tsinfer")
  .description("LLM inference engine and server in TypeScript")
  .version("0.1.0")
  .showHelpAfterError()
  .exitOverride();
registerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.exitCode = reportError(err);
}

/** One line on stderr, never a stack trace (set TSINFER_DEBUG=1 for one). */
function reportError(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode;
  if (process.env.TSINFER_DEBUG) console.error(err);
  const message = err instanceof Error ? err.message : String(err);
  const prefix = err instanceof TsinferError ? err.name : "error";
  console.error(`tsinfer: ${prefix}: ${message.split("\n")[0]}`);
  return 1;
}
