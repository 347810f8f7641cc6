import type { DownloadProgress } from "../hub/index.js";

const redrawMs = 100;

function formatBytes(n: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return "--";
  const t = Math.round(s);
  return t >= 3600 ? `${Math.floor(t / 3600)}h${String(Math.floor((t % 3600) / 60)).padStart(2, "0")}m` : t >= 60 ? `${Math.floor(t / 60)}m${String(t % 60).padStart(2, "0")}s` : `${t}s`;
}

/**
 * A one-line progress bar on stderr (file, percent, bytes, speed, ETA), redrawn at most every 100 ms; undefined
 * when stderr is not a terminal, so logs and pipes stay quiet (as llama.cpp's and huggingface_hub's bars), or when
 * HF_HUB_DISABLE_PROGRESS_BARS is set (huggingface_hub's switch).
 */
export function downloadProgressBar(stream: NodeJS.WriteStream = process.stderr): ((p: DownloadProgress) => void) | undefined {
  if (!stream.isTTY || /^(1|on|yes|true)$/i.test(process.env.HF_HUB_DISABLE_PROGRESS_BARS ?? "")) return undefined;
  let file = "";
  let startMs = 0;
  let lastDrawMs = 0;
  return (p) => {
    const now = Date.now();
    if (p.path !== file || p.doneBytes === p.resumedFrom) {
      file = p.path;
      startMs = now;
    }
    const finished = p.doneBytes === p.totalBytes;
    if (!finished && now - lastDrawMs < redrawMs) return;
    lastDrawMs = now;
    const elapsedS = Math.max((now - startMs) / 1000, 1e-3);
    const bytesPerSec = (p.doneBytes - p.resumedFrom) / elapsedS;
    const etaS = bytesPerSec > 0 ? (p.totalBytes - p.doneBytes) / bytesPerSec : Infinity;
    const fraction = p.totalBytes > 0 ? p.doneBytes / p.totalBytes : 1;
    const width = 24;
    const filled = Math.round(fraction * width);
    const name = file.length > 40 ? `…${file.slice(-39)}` : file;
    const line =
      `${name} [${"=".repeat(filled)}${" ".repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ` +
      `${formatBytes(p.doneBytes)}/${formatBytes(p.totalBytes)} ${formatBytes(bytesPerSec)}/s ETA ${formatSeconds(etaS)}`;
    stream.write(`\r${line}\x1b[K${finished ? "\n" : ""}`);
  };
}

export { formatBytes };
