import type { RequestTrace } from "./api.js";
import { ms } from "./format.js";

const SVG = "http://www.w3.org/2000/svg";

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, title?: string): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (title) {
    const t = document.createElementNS(SVG, "title");
    t.textContent = title;
    node.append(t);
  }
  return node;
}

/**
 * Two rows on one time axis: the phases (queue, each prefill chunk) and, for every generated token, a bar whose
 * height is the time it took: the first token's bar is the prefill up to it (TTFT without the queue), each later
 * bar its inter-token latency.
 */
export function drawTimeline(box: HTMLElement, trace: RequestTrace): void {
  const width = Math.max(box.clientWidth || 600, 320);
  const phaseHeight = 22;
  const barArea = 120;
  const height = phaseHeight + barArea + 36;
  const end = Math.max(trace.e2eMs ?? 0, trace.tokens.at(-1)?.timeMs ?? 0, 1);
  const x = (t: number): number => 40 + (t / end) * (width - 50);
  const root = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "Request timeline" });

  root.append(svg("rect", { class: "phase queue", x: x(0), y: 4, width: Math.max(1, x(trace.queueMs) - x(0)), height: phaseHeight - 6 }, `queue ${ms(trace.queueMs)}`));
  trace.prefillChunks.forEach((chunk, i) => {
    root.append(
      svg(
        "rect",
        { class: `phase prefill chunk-${i % 2}`, x: x(chunk.startMs), y: 4, width: Math.max(1, x(chunk.endMs) - x(chunk.startMs)), height: phaseHeight - 6 },
        `prefill chunk ${i + 1}: ${chunk.nTokens} tokens in ${ms(chunk.endMs - chunk.startMs)}`,
      ),
    );
  });

  const gaps = trace.tokens.map((step, i) => (i === 0 ? step.timeMs - trace.queueMs : step.timeMs - trace.tokens[i - 1]!.timeMs));
  const maxGap = Math.max(...gaps, 1);
  const base = phaseHeight + barArea;
  trace.tokens.forEach((step, i) => {
    const start = i === 0 ? trace.queueMs : trace.tokens[i - 1]!.timeMs;
    const h = Math.max(1, (gaps[i]! / maxGap) * (barArea - 8));
    root.append(
      svg(
        "rect",
        { class: i === 0 ? "timeline-bar first" : "timeline-bar", x: x(start), y: base - h, width: Math.max(1, x(step.timeMs) - x(start) - 0.5), height: h },
        i === 0 ? `token 1 (time to first token ${ms(trace.ttftMs)}): ${JSON.stringify(step.text)}` : `token ${i + 1}: ${JSON.stringify(step.text)}, ${ms(gaps[i])} after the previous`,
      ),
    );
  });
  if (gaps.length > 1) {
    const mean = gaps.slice(1).reduce((a, b) => a + b, 0) / (gaps.length - 1);
    const y = base - (mean / maxGap) * (barArea - 8);
    root.append(svg("line", { class: "mean-itl", x1: x(trace.queueMs), x2: width - 10, y1: y, y2: y }, `mean inter-token latency ${ms(mean)}`));
    const label = svg("text", { class: "axis-label", x: width - 12, y: y - 4, "text-anchor": "end" });
    label.textContent = `mean ITL ${ms(mean)}`;
    root.append(label);
  }
  if (trace.ttftMs != null) {
    root.append(svg("line", { class: "ttft-mark", x1: x(trace.ttftMs), x2: x(trace.ttftMs), y1: 0, y2: base }, `time to first token ${ms(trace.ttftMs)}`));
  }
  const axis = svg("text", { class: "axis-label", x: 40, y: height - 8 });
  axis.textContent = `0 — ${ms(end)} (queue grey, prefill blue, decode bars)`;
  root.append(axis);
  box.replaceChildren(root);
}
