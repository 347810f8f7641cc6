// The server's API as the page uses it: OpenAI-compatible chat streaming plus tsinfer's trace and stats endpoints.

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface SamplingSettings {
  temperature: number;
  top_p: number;
  top_k: number;
  min_p: number;
  max_tokens: number;
  seed?: number;
}

export interface TopLogprob {
  token: string;
  logprob: number;
  bytes?: number[] | null;
}

export interface TokenLogprob extends TopLogprob {
  top_logprobs: TopLogprob[];
}

export interface StreamEvent {
  id: string;
  text: string;
  logprobs: TokenLogprob[];
  finishReason: string | null;
}

export interface TraceToken {
  id: number;
  text: string;
  special?: boolean;
  bytes?: number[];
}

export interface TraceStep {
  timeMs: number;
  id: number;
  text: string;
  logprob?: number;
  top?: { id: number; text: string; logprob: number }[];
}

export interface TraceKvPoint {
  timeMs: number;
  blocks: number;
  sharedBlocks: number;
  bytes: number;
}

/** What the server recorded for one request (GET /v1/traces/:id); times are ms since the request arrived. */
export interface RequestTrace {
  id: string;
  promptTokens: TraceToken[];
  queueMs: number;
  prefillChunks: { startMs: number; endMs: number; nTokens: number }[];
  tokens: TraceStep[];
  kv: TraceKvPoint[];
  ttftMs: number | null;
  e2eMs: number | null;
  finishReason: string | null;
  cachedPromptTokens?: number;
}

export interface ServerStats {
  running: number;
  waiting: number;
  generationTokensTotal: number;
  kvUsagePerc: number;
}

export async function* streamChat(
  messages: ChatMessage[],
  settings: SamplingSettings,
  signal: AbortSignal,
): AsyncGenerator<StreamEvent> {
  const res = await fetch("v1/chat/completions", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      model: "default",
      messages,
      stream: true,
      logprobs: true,
      top_logprobs: 5,
      ...settings,
    }),
    signal,
  });
  if (!res.ok || !res.body) throw new Error(await errorMessage(res));
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = event
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).trim())
        .join("\n");
      if (!data || data === "[DONE]") continue;
      const parsed = parseChunk(data);
      if (parsed) yield parsed;
    }
  }
}

interface ChunkJson {
  id?: string;
  choices?: {
    delta?: { content?: string | null };
    logprobs?: { content?: TokenLogprob[] | null } | null;
    finish_reason?: string | null;
  }[];
}

function parseChunk(data: string): StreamEvent | null {
  const chunk = JSON.parse(data) as ChunkJson;
  const choice = chunk.choices?.[0];
  if (!choice) return null;
  return {
    id: chunk.id ?? "",
    text: choice.delta?.content ?? "",
    logprobs: choice.logprobs?.content ?? [],
    finishReason: choice.finish_reason ?? null,
  };
}

async function errorMessage(res: Response): Promise<string> {
  // The session ended (the server restarted, or its keys changed): the page itself asks for the key again.
  if (res.status === 401) window.location.reload();
  try {
    const body = (await res.json()) as { error?: { message?: string } };
    return body.error?.message ?? `HTTP ${res.status}`;
  } catch {
    return `HTTP ${res.status}`;
  }
}

export async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path);
  if (!res.ok) throw new Error(await errorMessage(res));
  return (await res.json()) as T;
}
