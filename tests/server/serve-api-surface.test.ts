import { readFileSync } from "node:fs";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORIES_GGUF, startServe } from "./serve-process.js";
import type { ServeProcess } from "./serve-process.js";

// llama.cpp's own tokenization (node-llama-cpp 3.21.1) of stories-7m: see tests/tokenizer/fixtures/README.md.
interface LlamaCppIds {
  texts: string[];
  vocabularies: Record<string, { plain: number[][]; parseSpecial: number[][] }>;
}
interface LlamaCppFuzz {
  vocabularies: Record<string, { plain: number[][]; detokenized: string[] }>;
}
const llamaIds = JSON.parse(readFileSync("tests/tokenizer/fixtures/llamacpp-ids.json", "utf8")) as LlamaCppIds;
const llamaFuzz = JSON.parse(readFileSync("tests/tokenizer/fixtures/fuzz-llamacpp.json", "utf8")) as LlamaCppFuzz;
const storiesIds = llamaIds.vocabularies[STORIES_GGUF]!;
const storiesFuzz = llamaFuzz.vocabularies[STORIES_GGUF]!;

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}
type TokenWithPiece = { id: number; piece: string | number[] };

describe("a forgiving API surface on a real tsinfer serve (stories-7m)", () => {
  let server: ServeProcess;
  let client: OpenAI;
  const post = async (path: string, body: unknown): Promise<{ status: number; json: unknown }> => {
    const res = await fetch(server.url + path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    return { status: res.status, json: await res.json() };
  };
  const expectError = async (path: string, body: unknown, param: string): Promise<ErrorBody["error"]> => {
    const res = await post(path, body);
    expect(res.status, JSON.stringify(body).slice(0, 200)).toBe(400);
    const e = (res.json as ErrorBody).error;
    expect(e.type).toBe("invalid_request_error");
    expect(e.param).toBe(param);
    expect(e.message).toContain(param);
    return e;
  };

  beforeAll(async () => {
    server = await startServe(["--parallel", "2", "--log-level", "debug", "--cors-origin", "https://a.example,https://b.example", "--cors-origin", "http://localhost:5173"]);
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "unused", maxRetries: 0 });
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
  });

  it("ignores unknown fields on every JSON route (same answer as without them) and logs them at debug level", async () => {
    const extras = { some_future_field: { nested: [1, 2] }, cache_prompt: true, n_predict: 3, __proto__x: 1, constructor: "x" };
    const plain = { prompt: "Once upon a time", max_tokens: 6, temperature: 0 };
    const a = await post("/v1/completions", plain);
    await new Promise((r) => setTimeout(r, 200));
    expect(server.output()).not.toContain("accepted and ignored"); // a request with no extra field logs nothing
    const b = await post("/v1/completions", { ...plain, ...extras, stream_options: null });
    expect(b.status).toBe(200);
    expect((b.json as { choices: { text: string }[] }).choices[0].text).toBe((a.json as { choices: { text: string }[] }).choices[0].text);
    const messages = [{ role: "user", content: "Once upon a time", refusal: null, annotations: [] }];
    const body = { messages, max_tokens: 3, temperature: 0, chat_template_kwargs_x: {}, stream: true, stream_options: { include_usage: true, include_obfuscation: false } };
    const stream = await fetch(server.url + "/v1/chat/completions", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    expect(stream.status).toBe(200);
    expect(await stream.text()).toContain('"usage":{');
    // A body over 64 KB is parsed on the tokenizer worker thread: the same decision there.
    expect((await post("/v1/completions", { ...plain, max_tokens: 2, padding_field: "x".repeat(70_000) })).status).toBe(200);
    expect((await post("/tokenize", { content: "Once", whatever: 1 })).status).toBe(200);
    expect((await post("/detokenize", { tokens: [1], whatever: 1 })).status).toBe(200);
    await expect.poll(() => server.output(), { timeout: 5_000 }).toContain('"ignoredFields":["some_future_field","cache_prompt","n_predict","__proto__x","constructor"]');
    const ignoredLines = () => server.output().split("\n").filter((l) => l.includes("accepted and ignored")).map((l) => JSON.parse(l) as { level: number; url: string; ignoredFields: string[] });
    await expect.poll(() => ignoredLines().map((l) => l.url), { timeout: 5_000 }).toContain("/detokenize");
    const lines = ignoredLines();
    expect(lines.every((l) => l.level === 20)).toBe(true); // pino's debug
    expect(lines.map((l) => l.url)).toEqual(expect.arrayContaining(["/v1/completions", "/v1/chat/completions", "/tokenize", "/detokenize"]));
    expect(lines.some((l) => l.ignoredFields.length === 1 && l.ignoredFields[0] === "padding_field")).toBe(true);
    expect(lines.find((l) => l.url === "/v1/chat/completions")?.ignoredFields).toEqual(["chat_template_kwargs_x", "stream_options.include_obfuscation", "messages[0].refusal", "messages[0].annotations"]);
  });

  it("takes what SDKs send (metadata, store, reasoning_effort, service_tier, prediction, modalities) from the official openai client", async () => {
    const res = await client.chat.completions.create({
      model: "stories-7m-f16",
      messages: [{ role: "user", content: "Once upon a time" }],
      max_tokens: 4,
      temperature: 0,
      metadata: { run: "ci" },
      store: false,
      reasoning_effort: "low",
      service_tier: "auto",
      parallel_tool_calls: false,
      prediction: { type: "content", content: "there was" },
      modalities: ["text"],
      user: "u1",
    });
    expect(res.choices[0]?.message.role).toBe("assistant");
    const completion = await client.completions.create({ model: "stories-7m-f16", prompt: "Once upon", max_tokens: 3, suffix: "" });
    expect(completion.choices[0]?.text.length).toBeGreaterThan(0);
  });

  it("still refuses wrong types of known fields, and fields whose being ignored would change the answer", async () => {
    const chat = { messages: [{ role: "user", content: "Hi" }], max_tokens: 2 };
    await expectError("/v1/chat/completions", { ...chat, temperature: "hot" }, "temperature");
    await expectError("/v1/chat/completions", { ...chat, store: "yes" }, "store");
    await expectError("/v1/chat/completions", { ...chat, metadata: { a: 1 } }, "metadata");
    await expectError("/v1/chat/completions", { ...chat, parallel_tool_calls: 1 }, "parallel_tool_calls");
    await expectError("/v1/chat/completions", { ...chat, reasoning_effort: 3 }, "reasoning_effort");
    await expectError("/v1/chat/completions", { ...chat, modalities: ["text", "audio"] }, "modalities");
    await expectError("/v1/chat/completions", { ...chat, audio: { voice: "alloy", format: "wav" } }, "audio");
    await expectError("/v1/chat/completions", { ...chat, web_search_options: {} }, "web_search_options");
    await expectError("/v1/chat/completions", { ...chat, echo: true }, "echo");
    await expectError("/v1/chat/completions", { ...chat, stream: true, stream_options: { include_usage: "yes" } }, "include_usage");
    await expectError("/v1/chat/completions", { messages: [{ role: "user", content: "Hi", tool_calls: [] }] }, "messages[0].tool_calls");
    await expectError("/v1/chat/completions", { messages: [{ role: "user", content: "Hi", name: 5 }] }, "messages[0].name");
    await expectError("/v1/completions", { prompt: "Hi", best_of: 3 }, "best_of");
    await expectError("/tokenize", { content: 5 }, "content");
    await expectError("/tokenize", { content: "x", with_pieces: "yes" }, "with_pieces");
    await expectError("/detokenize", { tokens: "1 2" }, "tokens");
  });

  it("says why a suffix is refused: tsinfer does no fill-in-the-middle", async () => {
    const e = await expectError("/v1/completions", { prompt: "def f(", suffix: "return x", max_tokens: 4 }, "suffix");
    expect(e.message).not.toMatch(/longer than/);
    expect(e.message).toMatch(/fill-in-the-middle/);
    expect(e.code).toBe("unsupported_value");
    await expectError("/v1/completions", { prompt: "def f(", suffix: 5 }, "suffix");
  });

  it("takes --cors-origin from the command line, repeated and comma-separated", async () => {
    for (const origin of ["https://a.example", "https://b.example", "http://localhost:5173"]) {
      const pre = await fetch(server.url + "/v1/chat/completions", { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST" } });
      expect(pre.status).toBe(204);
      expect(pre.headers.get("access-control-allow-origin")).toBe(origin);
    }
    const foreign = await fetch(server.url + "/v1/models", { headers: { origin: "https://c.example" } });
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("tokenizes as llama.cpp does, with and without special-token parsing and BOS", async () => {
    const texts = llamaIds.texts.slice(0, 120);
    for (const [i, text] of texts.entries()) {
      const plain = (await post("/tokenize", { content: text, parse_special: false })).json as { tokens: number[] };
      expect(plain.tokens, text).toEqual(storiesIds.plain[i]);
      const special = (await post("/tokenize", { content: text })).json as { tokens: number[] };
      expect(special.tokens, text).toEqual(storiesIds.parseSpecial[i]);
    }
    // stories-7m's GGUF asks for BOS (tokenizer.ggml.add_bos_token): llama.cpp puts id 1 (<s>) first.
    const withBos = (await post("/tokenize", { content: texts[3], parse_special: false, add_special: true })).json as { tokens: number[] };
    expect(withBos.tokens).toEqual([1, ...storiesIds.plain[3]!]);
    // llama.cpp's tokenize_mixed: strings and ids in one list; BOS only before the first string.
    const mixed = (await post("/tokenize", { content: [texts[3], 2, texts[4]], parse_special: false, add_special: true })).json as { tokens: number[] };
    expect(mixed.tokens).toEqual([1, ...storiesIds.plain[3]!, 2, ...storiesIds.plain[4]!]);
    expect(((await post("/tokenize", {})).json as { tokens: number[] }).tokens).toEqual([]);
    await expectError("/tokenize", { content: ["a", 4096] }, "content[1]");
  });

  it("gives pieces as text, or as bytes when a token holds part of a character, and detokenizes as llama.cpp", async () => {
    const utf8 = new TextDecoder("utf-8", { fatal: true });
    let byteTokens = 0;
    for (const [i, ids] of storiesFuzz.plain.slice(0, 150).entries()) {
      const content = ((await post("/detokenize", { tokens: ids })).json as { content: string }).content;
      // llama-server joins pieces (tokens_to_str); llama_detokenize also drops the space SentencePiece put before the first word.
      const reference = storiesFuzz.detokenized[i]!;
      expect(content.startsWith(" ") ? content.slice(1) : content, JSON.stringify(reference)).toBe(reference);
      const text = reference;
      const pieces = ((await post("/tokenize", { content: text, parse_special: false, with_pieces: true })).json as { tokens: TokenWithPiece[] }).tokens;
      const bytes: number[] = [];
      for (const p of pieces) {
        if (typeof p.piece === "string") bytes.push(...Buffer.from(p.piece, "utf8"));
        else {
          byteTokens++;
          expect(() => utf8.decode(new Uint8Array(p.piece as number[]))).toThrow();
          bytes.push(...p.piece);
        }
      }
      const joined = Buffer.from(bytes).toString("utf8");
      const ids2 = pieces.map((p) => p.id);
      const again = ((await post("/detokenize", { tokens: ids2 })).json as { content: string }).content;
      expect(joined).toBe(again);
    }
    expect(byteTokens).toBeGreaterThan(0);
    await expectError("/detokenize", { tokens: [1, 2, 4096] }, "tokens[2]");
    await expectError("/detokenize", { tokens: [1, -1] }, "tokens[1]");
    await expectError("/detokenize", { tokens: [1.5] }, "tokens[0]");
    expect(((await post("/detokenize", {})).json as { content: string }).content).toBe("");
  });
});
