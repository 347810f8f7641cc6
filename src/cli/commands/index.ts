import type { Command } from "commander";
import { registerConvertCommand } from "./convert.js";
import { registerBenchServeCommand } from "./bench-serve.js";
import { registerTemplateCommand } from "./template.js";

// Each command lives in its own file and registers itself here (one line each).
export function registerCommands(program: Command): void {
  void program;
  registerConvertCommand(program);
  registerBenchServeCommand(program);
  registerTemplateCommand(program);
}
