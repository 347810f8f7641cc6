import type { Command } from "commander";
import { formatHubRef, hubSettingsFromEnv, parseHubRef, removeCachedModel } from "../../hub/index.js";
import { formatBytes } from "../download-progress-bar.js";

export function registerRmCommand(program: Command): void {
  program
    .command("rm")
    .description("remove a model from the Hugging Face cache: org/repo (all of it), org/repo:QUANT or org/repo/file.gguf")
    .argument("<models...>", "models as `tsinfer ls` names them")
    .action((models: string[]) => {
      const settings = hubSettingsFromEnv();
      for (const model of models) {
        const ref = parseHubRef(model);
        const removed = removeCachedModel(ref, settings.cacheDir);
        process.stderr.write(`tsinfer rm: removed ${formatHubRef(ref)} (${formatBytes(removed.freedBytes)} freed${removed.repoRemoved ? ", repository folder removed" : ""})\n`);
      }
    });
}
