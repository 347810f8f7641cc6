import type { Command } from "commander";
import { formatHubRef, hubSettingsFromEnv, parseHubRef, pullModel } from "../../hub/index.js";
import { downloadProgressBar, formatBytes } from "../download-progress-bar.js";

export function registerPullCommand(program: Command): void {
  program
    .command("pull")
    .description("download a model from the Hugging Face Hub into its cache ($HF_HOME/hub); prints the local path")
    .argument("<model>", "org/repo[:QUANT] (a GGUF repository: Q4_K_M by default), org/repo/file.gguf, or org/repo (a safetensors model)")
    .addHelpText(
      "after",
      "\nEnvironment: HF_TOKEN (private or gated repositories), HF_ENDPOINT (a mirror), HF_HOME / HF_HUB_CACHE (the cache).\n" +
        "Example: tsinfer pull bartowski/Llama-3.2-1B-Instruct-GGUF:Q8_0\n",
    )
    .action(async (model: string) => {
      const ref = parseHubRef(model);
      const onProgress = downloadProgressBar();
      const pulled = await pullModel(ref, hubSettingsFromEnv(), onProgress !== undefined ? { onProgress } : {});
      const size = pulled.files.files.reduce((n, f) => n + f.size, 0);
      const what = pulled.files.kind === "gguf" ? pulled.files.files.map((f) => f.path).join(", ") : `${pulled.files.files.length} files`;
      const fetched = pulled.downloadedBytes > 0 ? `downloaded ${formatBytes(pulled.downloadedBytes)}` : "already in the cache";
      process.stderr.write(`tsinfer pull: ${formatHubRef(ref)} @ ${pulled.commit.slice(0, 12)}: ${what} (${formatBytes(size)}), ${fetched}\n`);
      process.stdout.write(`${pulled.localPath}\n`);
    });
}
