import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { downloadProgressBar } from "../../src/cli/download-progress-bar.js";

/** A stderr stand-in that records what is written; isTTY as a terminal's stream has it. */
function terminal(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  let out = "";
  const w = new Writable({
    write(chunk: Buffer, _enc, done) {
      out += chunk.toString();
      done();
    },
  });
  return { stream: Object.assign(w, { isTTY }) as unknown as NodeJS.WriteStream, text: () => out };
}

describe("download progress bar", () => {
  it("on a terminal: one redrawn line with file, percent, bytes, speed and ETA; a newline when done", async () => {
    const t = terminal(true);
    const bar = downloadProgressBar(t.stream)!;
    bar({ path: "m-Q4_K_M.gguf", doneBytes: 0, totalBytes: 4_000_000, resumedFrom: 0 });
    await new Promise((r) => setTimeout(r, 250));
    bar({ path: "m-Q4_K_M.gguf", doneBytes: 1_000_000, totalBytes: 4_000_000, resumedFrom: 0 });
    const line = t.text().split("\r").at(-1)!;
    expect(line).toMatch(/^m-Q4_K_M.gguf \[======\s+\]\s+25% 1.0 MB\/4.0 MB [\d.]+ MB\/s ETA \ds\x1b\[K$/);
    bar({ path: "m-Q4_K_M.gguf", doneBytes: 4_000_000, totalBytes: 4_000_000, resumedFrom: 0 });
    expect(t.text().split("\r").at(-1)).toMatch(/\[=+\] 100% 4.0 MB\/4.0 MB [\d.]+ MB\/s ETA 0s\x1b\[K\n$/);
  });

  it("not a terminal, or HF_HUB_DISABLE_PROGRESS_BARS=1: no bar at all", () => {
    expect(downloadProgressBar(terminal(false).stream)).toBeUndefined();
    process.env.HF_HUB_DISABLE_PROGRESS_BARS = "1";
    try {
      expect(downloadProgressBar(terminal(true).stream)).toBeUndefined();
    } finally {
      delete process.env.HF_HUB_DISABLE_PROGRESS_BARS;
    }
  });
});
