import { getJson, type RequestTrace, type TokenLogprob } from "./api.js";
import type { CompletedResponse } from "./chat.js";
import { el, ms, percent, tokenLabel } from "./format.js";
import { drawKvChart } from "./kv-chart.js";
import { drawTimeline } from "./timeline.js";

/** Fetches the server's trace of a finished response and shows how inference went, step by step. */
export async function showInspector(response: CompletedResponse): Promise<void> {
  let trace: RequestTrace;
  try {
    trace = await getJson<RequestTrace>(`v1/traces/${encodeURIComponent(response.id)}`);
  } catch (err) {
    document.querySelector("#inspector-empty")!.textContent = `No trace for this response: ${(err as Error).message}`;
    return;
  }
  document.querySelector<HTMLElement>("#inspector-empty")!.hidden = true;
  document.querySelector<HTMLElement>("#inspector-body")!.hidden = false;
  renderStats(trace);
  renderPromptTokens(trace);
  drawTimeline(document.querySelector<HTMLElement>("#timeline")!, trace);
  renderGeneratedTokens(trace, response.logprobs);
  drawKvChart(document.querySelector<HTMLElement>("#kv-chart")!, trace);
}

function renderStats(trace: RequestTrace): void {
  const gaps = interTokenGaps(trace);
  const meanItl = gaps.length ? gaps.reduce((a, b) => a + b, 0) / gaps.length : null;
  const decodeMs = trace.tokens.length > 1 ? trace.tokens[trace.tokens.length - 1]!.timeMs - trace.tokens[0]!.timeMs : 0;
  const tokensPerSec = decodeMs > 0 ? ((trace.tokens.length - 1) * 1000) / decodeMs : null;
  const items: [string, string][] = [
    ["Prompt tokens", String(trace.promptTokens.length)],
    ["From prefix cache", String(trace.cachedPromptTokens ?? 0)],
    ["Generated tokens", String(trace.tokens.length)],
    ["Queue", ms(trace.queueMs)],
    ["Time to first token", ms(trace.ttftMs)],
    ["Mean inter-token latency", ms(meanItl)],
    ["Decode speed", tokensPerSec == null ? "–" : `${tokensPerSec.toFixed(1)} tokens/s`],
    ["Finished because", trace.finishReason ?? "–"],
  ];
  const list = el("dl", { class: "stat-list" });
  for (const [name, value] of items) {
    const item = el("div", { class: "stat" });
    item.append(el("dt", {}, name), el("dd", {}, value));
    list.append(item);
  }
  document.querySelector("#inspector-stats")!.replaceChildren(list);
}

export function interTokenGaps(trace: RequestTrace): number[] {
  const gaps: number[] = [];
  for (let i = 1; i < trace.tokens.length; i++) gaps.push(trace.tokens[i]!.timeMs - trace.tokens[i - 1]!.timeMs);
  return gaps;
}

function renderPromptTokens(trace: RequestTrace): void {
  const box = document.querySelector<HTMLElement>("#prompt-tokens")!;
  const cached = trace.cachedPromptTokens ?? 0;
  box.replaceChildren(
    ...trace.promptTokens.map((token, i) => {
      const chip = el("span", { class: "chip prompt-chip", title: `token ${i}: id ${token.id}` });
      if (token.special) chip.classList.add("special");
      if (i < cached) chip.classList.add("cached");
      chip.append(el("span", { class: "chip-text" }, tokenLabel(token.text, token.bytes)), el("span", { class: "chip-id" }, String(token.id)));
      return chip;
    }),
  );
}

function renderGeneratedTokens(trace: RequestTrace, logprobs: TokenLogprob[]): void {
  const box = document.querySelector<HTMLElement>("#gen-tokens")!;
  const details = document.querySelector<HTMLElement>("#alternatives")!;
  details.replaceChildren();
  const chips = trace.tokens.map((step, i) => {
    const streamed = logprobs[i];
    const logprob = streamed?.logprob ?? step.logprob;
    const chip = el("button", { type: "button", class: "chip gen-chip", title: `generated token ${i + 1} (id ${step.id})` });
    chip.append(el("span", { class: "chip-text" }, tokenLabel(step.text, streamed?.bytes)));
    if (logprob != null) chip.append(el("span", { class: "chip-id" }, percent(Math.exp(logprob))));
    const show = (): void => showAlternatives(details, i, step.text, alternativesOf(step, streamed));
    chip.addEventListener("click", show);
    chip.addEventListener("mouseenter", show);
    chip.addEventListener("focus", show);
    return chip;
  });
  box.replaceChildren(...chips);
}

function alternativesOf(step: RequestTrace["tokens"][number], streamed?: TokenLogprob): { text: string; logprob: number; bytes?: number[] | null }[] {
  if (streamed?.top_logprobs?.length) return streamed.top_logprobs.map((t) => ({ text: t.token, logprob: t.logprob, bytes: t.bytes }));
  return (step.top ?? []).map((t) => ({ text: t.text, logprob: t.logprob }));
}

function showAlternatives(box: HTMLElement, index: number, chosen: string, alternatives: { text: string; logprob: number; bytes?: number[] | null }[]): void {
  const table = el("table", { class: "alt-table" });
  table.append(el("caption", {}, `Top ${alternatives.length} candidates for token ${index + 1}`));
  const head = el("tr");
  head.append(el("th", { scope: "col" }, "Token"), el("th", { scope: "col" }, "Probability"));
  table.append(head);
  for (const alt of alternatives.slice(0, 5)) {
    const row = el("tr", { class: alt.text === chosen ? "chosen alt-row" : "alt-row" });
    const p = Math.exp(alt.logprob);
    const bar = el("span", { class: "prob-bar", style: `width:${Math.max(1, p * 100).toFixed(1)}%` });
    const cell = el("td");
    cell.append(el("span", {}, percent(p)), bar);
    row.append(el("td", { class: "mono" }, tokenLabel(alt.text, alt.bytes)), cell);
    table.append(row);
  }
  box.replaceChildren(table);
}
