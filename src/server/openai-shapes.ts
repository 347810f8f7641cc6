import type { EngineRequest } from "../engine/engine-request.js";
import type { ChatOutputMessage } from "../chat/chat-output-parser.js";
import { chatFinishReason, chatMessage } from "./chat-output.js";
import type { Choice, Generation, LogprobEntry } from "./generation.js";

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
}

/** llama-server's `timings` plus the engine's queue/TTFT/E2E figures, for one finished request (ms). */
export interface Timings {
  cache_n: number;
  prompt_n: number;
  prompt_ms: number;
  prompt_per_second: number;
  predicted_n: number;
  predicted_ms: number;
  predicted_per_token_ms: number;
  predicted_per_second: number;
  queue_ms: number;
  ttft_ms: number;
  e2e_ms: number;
}

export function usageOf(gen: Generation): Usage {
  const prompt = gen.promptIds.length;
  const completion = gen.completionTokens;
  const cached = gen.choices.length > 0 ? gen.choices[0].req.numCachedPromptTokens : 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, prompt_tokens_details: { cached_tokens: cached } };
}

export function timingsOf(req: EngineRequest): Timings {
  const arrival = req.arrivalMs;
  const first = req.firstTokenMs ?? req.finishedMs ?? arrival;
  const scheduled = req.firstScheduledMs ?? arrival;
  const end = req.finishedMs ?? req.lastTokenMs ?? first;
  const promptN = req.prompt.length - req.numCachedPromptTokens;
  const promptMs = first - scheduled;
  const predictedN = req.output.length;
  const predictedMs = end - first;
  const perSecond = (n: number, ms: number): number => (ms > 0 ? (n * 1000) / ms : 0);
  return {
    cache_n: req.numCachedPromptTokens,
    prompt_n: promptN,
    prompt_ms: promptMs,
    prompt_per_second: perSecond(promptN, promptMs),
    predicted_n: predictedN,
    predicted_ms: predictedMs,
    predicted_per_token_ms: predictedN > 1 ? predictedMs / (predictedN - 1) : 0,
    predicted_per_second: perSecond(predictedN - 1, predictedMs),
    queue_ms: scheduled - arrival,
    ttft_ms: first - arrival,
    e2e_ms: end - arrival,
  };
}

type CompletionLogprobs = { tokens: string[]; token_logprobs: number[]; top_logprobs: Record<string, number>[]; text_offset: number[] };

/** The legacy completions logprobs layout (parallel arrays). */
export function completionLogprobs(entries: LogprobEntry[], startOffset: number): CompletionLogprobs {
  const out: CompletionLogprobs = { tokens: [], token_logprobs: [], top_logprobs: [], text_offset: [] };
  let offset = startOffset;
  for (const e of entries) {
    out.tokens.push(e.token);
    out.token_logprobs.push(e.logprob);
    const top: Record<string, number> = {};
    for (const t of e.top_logprobs) if (!(t.token in top)) top[t.token] = t.logprob;
    out.top_logprobs.push(top);
    out.text_offset.push(offset);
    offset += e.token.length;
  }
  return out;
}

function chatLogprobs(entries: LogprobEntry[]): { content: Omit<LogprobEntry, "id">[] } {
  return { content: entries.map(({ token, logprob, bytes, top_logprobs }) => ({ token, logprob, bytes, top_logprobs })) };
}

export function streamChunk(gen: Generation, created: number, model: string, choice: Choice, text: string, logprobs: LogprobEntry[], finishReason: string | null, first: boolean): object {
  const wantLogprobs = gen.request.topLogprobs !== null;
  if (gen.request.kind === "chat") {
    const delta: { role?: string; content?: string } = first ? { role: "assistant", content: text } : { content: text };
    return {
      id: gen.id,
      object: "chat.completion.chunk",
      created,
      model,
      choices: [{ index: choice.index, delta, logprobs: wantLogprobs && logprobs.length > 0 ? chatLogprobs(logprobs) : null, finish_reason: finishReason }],
    };
  }
  const offset = choice.text.length - text.length;
  return {
    id: gen.id,
    object: "text_completion",
    created,
    model,
    choices: [{ index: choice.index, text, logprobs: wantLogprobs && logprobs.length > 0 ? completionLogprobs(logprobs, offset) : null, finish_reason: finishReason }],
  };
}

/** One chat chunk with any delta (content, reasoning_content, tool_calls, or {} with the finish reason). */
export function chatChunk(gen: Generation, created: number, model: string, index: number, delta: Record<string, unknown>, logprobs: LogprobEntry[], finishReason: string | null): object {
  const wantLogprobs = gen.request.topLogprobs !== null;
  return {
    id: gen.id,
    object: "chat.completion.chunk",
    created,
    model,
    choices: [{ index, delta, logprobs: wantLogprobs && logprobs.length > 0 ? chatLogprobs(logprobs) : null, finish_reason: finishReason }],
  };
}

/** The last chunk when stream_options.include_usage: usage, and the request's timings as non-streaming answers carry. */
export function usageChunk(gen: Generation, created: number, model: string): object {
  const timings = gen.choices.length > 0 ? timingsOf(gen.choices[0].req) : null;
  return { id: gen.id, object: gen.request.kind === "chat" ? "chat.completion.chunk" : "text_completion", created, model, choices: [], usage: usageOf(gen), timings };
}

/** `parsed`: each chat choice's answer split into content, reasoning and tool calls (null: plain content). */
export function fullResponse(gen: Generation, created: number, model: string, parsed: ChatOutputMessage[] | null = null): object {
  const wantLogprobs = gen.request.topLogprobs !== null;
  const timings = gen.choices.length > 0 ? timingsOf(gen.choices[0].req) : null;
  if (gen.request.kind === "chat") {
    return {
      id: gen.id,
      object: "chat.completion",
      created,
      model,
      choices: gen.choices.map((c) => ({
        index: c.index,
        message: parsed === null ? { role: "assistant", content: c.text } : chatMessage(parsed[c.index]),
        logprobs: wantLogprobs ? chatLogprobs(c.logprobs) : null,
        finish_reason: parsed === null ? c.finishReason : chatFinishReason(c.finishReason, parsed[c.index].toolCalls.length),
      })),
      usage: usageOf(gen),
      timings,
    };
  }
  return {
    id: gen.id,
    object: "text_completion",
    created,
    model,
    choices: gen.choices.map((c) => ({ index: c.index, text: c.text, logprobs: wantLogprobs ? completionLogprobs(c.logprobs, 0) : null, finish_reason: c.finishReason })),
    usage: usageOf(gen),
    timings,
  };
}
