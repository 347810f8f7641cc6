import type { Command } from "commander";
import { hubSettingsFromEnv, listCachedModels, type CachedModelEntry } from "../../hub/index.js";
import { formatBytes } from "../download-progress-bar.js";

export function registerLsCommand(program: Command): void {
  program
    .command("ls")
    .alias("list")
    .description("list the models in the Hugging Face cache ($HF_HOME/hub): name, file, size, architecture, parameters, type")
    .option("--json", "one JSON array instead of a table")
    .action((opts: { json?: boolean }) => {
      const models = listCachedModels(hubSettingsFromEnv().cacheDir);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(models)}\n`);
        return;
      }
      process.stdout.write(table(models));
    });
}

function formatParams(n: number | undefined): string {
  if (n === undefined) return "?";
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  return n >= 1e3 ? `${(n / 1e3).toFixed(1)}K` : String(n);
}

function table(models: CachedModelEntry[]): string {
  const rows = [["NAME", "FILE", "SIZE", "ARCH", "PARAMS", "TYPE"]];
  for (const m of models) {
    rows.push([m.name, m.file, formatBytes(m.sizeBytes), m.architecture ?? (m.error !== undefined ? "(unreadable)" : "?"), formatParams(m.paramCount), m.type ?? "?"]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => `${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ")}\n`).join("");
}
