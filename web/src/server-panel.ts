import uPlot from "uplot";
import { getJson, type ServerStats } from "./api.js";

const WINDOW_SEC = 300;
const POLL_MS = 2000;

/** Server-wide load over the last minutes: running and waiting requests and generated tokens per second. */
export function startServerPanel(box: HTMLElement): void {
  const times: number[] = [];
  const running: number[] = [];
  const waiting: number[] = [];
  const throughput: number[] = [];
  let lastTokens: number | null = null;
  let lastTime = 0;
  box.setAttribute("role", "img");
  box.setAttribute("aria-label", "Server load over the last five minutes");
  const plot = new uPlot(
    {
      width: Math.max(box.clientWidth || 500, 300),
      height: 160,
      axes: [{}, { label: "requests" }, { side: 1, scale: "tps", label: "tokens/s", grid: { show: false } }],
      scales: { tps: { auto: true } },
      series: [
        {},
        { label: "running", stroke: "#2563eb", width: 2 },
        { label: "waiting", stroke: "#d97706", width: 2 },
        { label: "tokens/s", stroke: "#16a34a", width: 2, scale: "tps" },
      ],
    },
    [times, running, waiting, throughput],
    box,
  );
  const poll = async (): Promise<void> => {
    try {
      const stats = await getJson<ServerStats>("v1/stats");
      const now = Date.now() / 1000;
      const tps = lastTokens == null ? 0 : (stats.generationTokensTotal - lastTokens) / Math.max(now - lastTime, 1e-3);
      lastTokens = stats.generationTokensTotal;
      lastTime = now;
      times.push(now);
      running.push(stats.running);
      waiting.push(stats.waiting);
      throughput.push(Math.max(0, tps));
      while (times.length && times[0]! < now - WINDOW_SEC) {
        times.shift();
        running.shift();
        waiting.shift();
        throughput.shift();
      }
      plot.setData([times, running, waiting, throughput]);
    } catch {
      // The server may be restarting; the next poll tries again.
    }
  };
  void poll();
  setInterval(() => void poll(), POLL_MS);
}
