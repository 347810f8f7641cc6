import type { ServedModel, TokenDecoder, TokenPiece } from "../../src/server/served-model.js";
import { CountingModel } from "../engine/fake-model.js";

/**
 * For HTTP-layer unit tests only (validation, error shapes, SSE framing, auth, cancellation bookkeeping):
 * the counting stand-in model with a letter tokenizer (id 3 + k ↔ letter k). The acceptance tests in
 * serve-acceptance.test.ts use the real stories-7m model through `tsinfer serve`.
 */
export function letterServedModel(numBlocks = 64): ServedModel {
  const model = new CountingModel(64, 128, 4, numBlocks);
  const letter = (id: number) => (id >= 3 ? String.fromCharCode(97 + ((id - 3) % 26)) : "");
  const piece = (id: number): TokenPiece => ({ text: letter(id), bytes: [...Buffer.from(letter(id))], special: id < 3 });
  const encode = (text: string) => [1, ...[...text].map((c) => 3 + ((c.charCodeAt(0) + 26 * 8 - 97) % 26))];
  return {
    id: "letters",
    model,
    eosIds: [2],
    kvBytesPerToken: 128,
    encode,
    encodeChat: (messages) => encode(messages.map((m) => m.content).join("")),
    tokenize: (text, addSpecial) => (addSpecial ? encode(text) : encode(text).slice(1)),
    createDecoder: (_context): TokenDecoder => ({ push: letter, flush: () => "" }),
    tokenPiece: piece,
    info: () => ({ id: "letters" }),
  };
}

/**
 * For the HTTP shapes of tool calls and reasoning: the letter model with a real chat template (whose markers pick the
 * output format), whose answer text is a script: a chat whose last message is "k" gets `scripts[k]` (any other,
 * scripts[0]), one piece per generated token until the counting model reaches EOS. "k think" also ends the prompt
 * with a token whose text is "<think>\n", as templates that open the reasoning in the prompt do.
 */
export function scriptedServedModel(chatTemplate: string, scripts: string[][]): ServedModel {
  const base = letterServedModel();
  const thinkId = 40;
  return {
    ...base,
    chatTemplate,
    encodeChat: (messages) => {
      const [key, think] = String(messages[messages.length - 1].content).split(" ");
      const k = Number(key);
      return [1, 3, 4, 5 + (Number.isInteger(k) && k >= 0 && k < scripts.length ? k : 0), ...(think === "think" ? [thinkId] : [])];
    },
    createDecoder: (context): TokenDecoder => {
      const script = scripts[context[3] - 5] ?? [];
      let at = 0;
      return { push: () => script[at++] ?? "", flush: () => "" };
    },
    tokenPiece: (id) => (id === thinkId ? { text: "<think>\n", bytes: [...Buffer.from("<think>\n")], special: true } : base.tokenPiece(id)),
  };
}
