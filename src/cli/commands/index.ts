import type { Command } from "commander";
import { registerBenchServeCommand } from "./bench-serve.js";

// Each command lives in its own file and registers itself here (one line each).
export function registerCommands(program: Command): void {
  void program;
  registerBenchServeCommand(program);
}
