import uPlot from "uplot";
import type { RequestTrace } from "./api.js";
import { bytesText } from "./format.js";

let kvPlot: uPlot | null = null;

/** KV cache blocks held by this request over its lifetime, and how many of them it shares with other requests. */
export function drawKvChart(box: HTMLElement, trace: RequestTrace): void {
  kvPlot?.destroy();
  const points = trace.kv.length ? trace.kv : [{ timeMs: 0, blocks: 0, sharedBlocks: 0, bytes: 0 }];
  const data: uPlot.AlignedData = [
    points.map((p) => p.timeMs / 1000),
    points.map((p) => p.blocks),
    points.map((p) => p.sharedBlocks),
  ];
  const last = points[points.length - 1]!;
  box.setAttribute("aria-label", `KV cache: ${last.blocks} blocks (${bytesText(last.bytes)}), ${last.sharedBlocks} shared with other requests`);
  box.setAttribute("role", "img");
  kvPlot = new uPlot(
    {
      width: Math.max(box.clientWidth || 500, 300),
      height: 160,
      scales: { x: { time: false } },
      axes: [{ label: "seconds since arrival" }, { label: "blocks" }],
      series: [{}, { label: "blocks used", stroke: "#2563eb", width: 2 }, { label: "shared (prefix cache)", stroke: "#16a34a", width: 2 }],
    },
    data,
    box,
  );
  const note = document.createElement("p");
  note.className = "muted";
  note.textContent = `At the end: ${last.blocks} blocks, ${bytesText(last.bytes)} of KV cache, ${last.sharedBlocks} blocks shared.`;
  box.append(note);
}
