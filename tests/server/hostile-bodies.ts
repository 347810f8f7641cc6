import { mulberry32 } from "../../src/server/bench/mulberry32.js";

/** One HTTP request that a correct server must refuse with a 4xx OpenAI-style error. */
export interface HostileCase {
  kind: string;
  method: "POST" | "GET";
  path: string;
  contentType: string;
  body: Uint8Array<ArrayBuffer> | null;
}


const enc = new TextEncoder();
const bytes = (s: string): Uint8Array<ArrayBuffer> => enc.encode(s) as Uint8Array<ArrayBuffer>;

const WRONG_TYPES: Record<string, unknown[]> = {
  max_tokens: ["10", true, {}, [5], 1.5],
  temperature: ["hot", [], {}, true],
  top_p: ["1", {}, false],
  top_k: [1.5, "4", []],
  min_p: ["0.1", {}],
  n: [1.5, "2", {}],
  stream: ["yes", 1, {}],
  stop: [5, [1, 2], {}, [""], ["a", "b", "c", "d", "e"]],
  seed: [-1, 1.5, "7"],
  presence_penalty: ["x", 3, -3],
  frequency_penalty: [{}, 2.5],
  repetition_penalty: [0, -1, "2", 100],
  logit_bias: [[1, 2], "x", { abc: 1 }, { "99999": 1 }, { "5": 500 }, { "5": "1" }],
  model: [5, {}, []],
  user: [5, {}],
  stream_options: ["x", 5, { include_usage: "yes" }, [true]], // unknown keys inside it are ignored, as at the top level
  ignore_eos: ["true", 1],
  response_format: ["json", 5, { type: "xml" }, { type: "json_schema" }, { type: "json_schema", json_schema: { name: "x", schema: { type: "object", not: {} } } }, { type: "json_schema", json_schema: { name: "x", schema: { $ref: "#/nowhere" } } }],
  json_schema: [5, "x", { type: "strin" }, { type: "integer", minimum: 0 }],
  grammar: [5, 'root ::= ("a"', 'start ::= "a"', 'root ::= "a" | b'],
};
const HUGE_MAX_TOKENS = [-1, 0, 1e9, 2 ** 53, -1e308, 513, 1e308];
const BAD_MESSAGES: unknown[] = [[], [{}], [{ role: "user" }], [{ role: "robot", content: "x" }], [{ role: "user", content: 5 }], [{ role: "user", content: [{ type: "image_url", image_url: { url: "x" } }] }], "hello", {}, [null], [{ role: "user", content: "x", tool_calls: [] }], [{ role: "user", content: [] }]];
const BAD_PROMPTS: unknown[] = [5, {}, true, [[]], [-1], [1.5], [99999], ["a", "b"], "", [], [""]];
// Unknown fields are ignored (as llama-server, vLLM and ollama do); these are refused: a wrong type of a field SDKs send,
// or a field whose being ignored would change the answer (docs/serving.md lists them).
const REFUSED_FIELDS: [string, unknown][] = [["store", "yes"], ["metadata", 5], ["metadata", { a: 1 }], ["parallel_tool_calls", "x"], ["modalities", ["text", "audio"]], ["audio", { voice: "alloy", format: "wav" }], ["web_search_options", {}], ["best_of", 3], ["echo", true], ["suffix", "x"]];
const OUT_OF_RANGE: [string, unknown][] = [["temperature", -1], ["temperature", 3], ["top_p", 0], ["top_p", 2], ["n", 0], ["n", 100], ["min_p", 1.5], ["top_k", -2]];

/**
 * A deterministic mix of `count` malformed or hostile requests: invalid JSON, wrong types, negative or huge
 * max_tokens, empty or malformed messages, prompts longer than the context, refused fields, oversized bodies,
 * invalid UTF-8, non-object JSON, unknown models, wrong content types and routes.
 */
export function hostileCases(count: number, seed: number, longText: string): HostileCase[] {
  const rnd = mulberry32(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)];
  const baseCompletion = () => ({ model: "stories-7m-f16", prompt: "Once upon a time", max_tokens: 4, temperature: 0 }) as Record<string, unknown>;
  const baseChat = () => ({ model: "stories-7m-f16", messages: [{ role: "user", content: "Hi" }], max_tokens: 4 }) as Record<string, unknown>;
  const json = (kind: string, chat: boolean, body: unknown): HostileCase => ({ kind, method: "POST", path: chat ? "/v1/chat/completions" : "/v1/completions", contentType: "application/json", body: bytes(JSON.stringify(body)) });
  const cases: HostileCase[] = [];
  for (let i = 0; i < count; i++) {
    const chat = rnd() < 0.5;
    const base = chat ? baseChat() : baseCompletion();
    const category = i < 5 ? 99 : Math.floor(rnd() * 12);
    switch (category) {
      case 0: {
        const text = JSON.stringify(base);
        let cut = text.slice(0, 1 + Math.floor(rnd() * (text.length - 2)));
        if (rnd() < 0.3) cut = text.replace(":", "::");
        cases.push({ kind: "invalid-json", method: "POST", path: chat ? "/v1/chat/completions" : "/v1/completions", contentType: "application/json", body: bytes(cut) });
        break;
      }
      case 1: {
        const field = pick(Object.keys(WRONG_TYPES));
        if (field === "stream_options") base.stream = true;
        base[field] = pick(WRONG_TYPES[field]);
        cases.push(json(`wrong-type:${field}`, chat, base));
        break;
      }
      case 2:
        base[chat && rnd() < 0.5 ? "max_completion_tokens" : "max_tokens"] = pick(HUGE_MAX_TOKENS);
        cases.push(json("max-tokens", chat, base));
        break;
      case 3:
        if (chat) base.messages = pick(BAD_MESSAGES);
        else base.prompt = pick(BAD_PROMPTS);
        if (rnd() < 0.2) delete base[chat ? "messages" : "prompt"];
        cases.push(json("bad-input", chat, base));
        break;
      case 4: {
        const long = longText.slice(0, 2500 + Math.floor(rnd() * 4000));
        if (chat) base.messages = [{ role: "user", content: long }];
        else base.prompt = rnd() < 0.7 ? long : Array.from({ length: 520 + Math.floor(rnd() * 500) }, (_, k) => 300 + (k % 3000));
        cases.push(json("too-long", chat, base));
        break;
      }
      case 5: {
        // suffix is a field of text completions only (on chat it is an unknown field, ignored).
        const [k, v] = pick(chat ? REFUSED_FIELDS.slice(0, -1) : REFUSED_FIELDS);
        base[k] = v;
        cases.push(json(`refused-field:${k}`, chat, base));
        break;
      }
      case 6: {
        const text = JSON.stringify(base);
        const at = text.indexOf("\"", text.indexOf(chat ? "Hi" : "Once") - 1) + 1;
        const bad = pick([[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82]]);
        const body = new Uint8Array([...bytes(text.slice(0, at)), ...bad, ...bytes(text.slice(at))]);
        cases.push({ kind: "invalid-utf8", method: "POST", path: chat ? "/v1/chat/completions" : "/v1/completions", contentType: "application/json", body });
        break;
      }
      case 7:
        cases.push({ kind: "non-object", method: "POST", path: chat ? "/v1/chat/completions" : "/v1/completions", contentType: "application/json", body: bytes(pick(["[]", "1", "\"x\"", "null", "true", "[{}]", "", "   "])) });
        break;
      case 8: {
        const [k, v] = pick(OUT_OF_RANGE);
        base[k] = v;
        if (rnd() < 0.3 && chat) Object.assign(base, { logprobs: true, top_logprobs: 21 });
        else if (rnd() < 0.3 && !chat) base.logprobs = 6;
        cases.push(json(`out-of-range:${k}`, chat, base));
        break;
      }
      case 9:
        base.model = pick(["gpt-4o", "stories-7m", "../../etc/passwd", "x".repeat(200)]);
        cases.push(json("unknown-model", chat, base));
        break;
      case 10:
        cases.push({ kind: "content-type", method: "POST", path: chat ? "/v1/chat/completions" : "/v1/completions", contentType: pick(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]), body: bytes(JSON.stringify(base)) });
        break;
      case 11:
        cases.push({ kind: "route", method: pick(["GET", "POST"] as const), path: pick(["/v1/completion", "/v1/chat", "/v2/completions", "/v1/embeddings", "/v1/traces/nope", "/v1/completions/../../etc"]), contentType: "application/json", body: null });
        break;
      default: {
        // 10 MB bodies: read, then refused for their prompt's length.
        const big = JSON.stringify({ ...base, prompt: "a".repeat(10 << 20) });
        cases.push({ kind: "10MB", method: "POST", path: "/v1/completions", contentType: "application/json", body: bytes(big) });
      }
    }
  }
  return cases;
}
