import type { Command } from "commander";
import { registerLogitsCommand } from "./logits.js";
import { registerConvertCommand } from "./convert.js";
import { registerRunCommand } from "./run.js";
import { registerChatCommand } from "./chat.js";
import { registerInspectCommand } from "./inspect.js";
import { registerBenchServeCommand } from "./bench-serve.js";
import { registerServeCommand } from "./serve.js";
import { registerTemplateCommand } from "./template.js";
import { registerBenchCommand } from "./bench.js";
import { registerQuantizeCommand } from "./quantize.js";
import { registerTokenizeCommand } from "./tokenize.js";
import { registerPerplexityCommand } from "./perplexity.js";
import { registerPullCommand } from "./pull.js";
import { registerLsCommand } from "./ls.js";
import { registerRmCommand } from "./rm.js";

// Each command lives in its own file and registers itself here (one line each).
export function registerCommands(program: Command): void {
  void program;
  registerConvertCommand(program);
  registerRunCommand(program);
  registerChatCommand(program);
  registerInspectCommand(program);
  registerBenchServeCommand(program);
  registerServeCommand(program);
  registerTemplateCommand(program);
  registerQuantizeCommand(program);
  registerLogitsCommand(program);
  registerBenchCommand(program);
  registerTokenizeCommand(program);
  registerPerplexityCommand(program);
  registerPullCommand(program);
  registerLsCommand(program);
  registerRmCommand(program);
}
