import { isUtf8 } from "node:buffer";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { ApiError, badField } from "./api-error.js";
import { checkExtraFields } from "./extra-fields.js";
import { isObject, optBool } from "./field-readers.js";
import type { JsonObject } from "./field-readers.js";
import type { ServedModel } from "./served-model.js";
import type { ServerContext } from "./server-context.js";

const TOKENIZE_FIELDS = new Set(["content", "add_special", "parse_special", "with_pieces", "model"]);
const DETOKENIZE_FIELDS = new Set(["tokens", "model"]);
/** Text and id lists are handled on the event loop: bounded as prompts are. */
const MAX_CONTENT_CHARS = 1 << 20;
const MAX_TOKENS = 1 << 20;

/** A token and its text: a string, or its bytes when they are not valid UTF-8 alone (part of a character). */
export interface TokenWithPiece {
  id: number;
  piece: string | number[];
}

/**
 * llama-server's POST /tokenize {content, add_special = false, parse_special = true, with_pieces = false} → {tokens}
 * and POST /detokenize {tokens} → {content} (tools/server/README.md of llama.cpp). `content` may also be a list of
 * strings and token ids (llama.cpp's tokenize_mixed). Detokenizing joins each token's piece, as llama.cpp's
 * tokens_to_str does: a SentencePiece text keeps the space its first word carries, and special tokens are written.
 * With several models, `model` picks the tokenizer (default the first), as llama-server's router mode reads it.
 */
export function registerTokenizeRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const utf8 = new TextDecoder("utf-8");
  const withModel = async <T>(body: JsonObject, use: (served: ServedModel) => T): Promise<T> => {
    const name = body.model;
    if (name !== undefined && name !== null && typeof name !== "string") throw badField("model", "expected a string", "invalid_type");
    const lease = await ctx.models.acquire(ctx.models.find(name ?? null));
    try {
      return use(lease.model.served);
    } finally {
      lease.release();
    }
  };

  app.post("/tokenize", async (request) => {
    const body = readBody(request, TOKENIZE_FIELDS);
    return withModel(body, (served) => tokenize(served, body));
  });

  app.post("/detokenize", async (request) => {
    const body = readBody(request, DETOKENIZE_FIELDS);
    return withModel(body, (served) => detokenize(served, body));
  });

  function tokenize(served: ServedModel, body: JsonObject): { tokens: number[] | TokenWithPiece[] } {
    const vocabSize = served.model.vocabSize;
    const addSpecial = optBool(body, "add_special") ?? false;
    const parseSpecial = optBool(body, "parse_special") ?? true;
    const withPieces = optBool(body, "with_pieces") ?? false;
    const ids = tokenizeContent(body.content, addSpecial, (text, special) => served.tokenize(text, special, parseSpecial), vocabSize);
    if (!withPieces) return { tokens: ids };
    const tokens: TokenWithPiece[] = ids.map((id) => {
      const bytes = new Uint8Array(served.tokenPiece(id).bytes);
      return { id, piece: isUtf8(bytes) ? utf8.decode(bytes) : [...bytes] };
    });
    return { tokens };
  }

  function detokenize(served: ServedModel, body: JsonObject): { content: string } {
    const ids = body.tokens === undefined || body.tokens === null ? [] : readTokenIds(body.tokens, "tokens", served.model.vocabSize);
    const parts = ids.map((id) => served.tokenPiece(id).bytes);
    const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      bytes.set(p, at);
      at += p.length;
    }
    // Bytes that end mid-character (a token list cut anywhere) decode to U+FFFD rather than failing.
    return { content: utf8.decode(bytes) };
  }
}

function readBody(request: FastifyRequest, known: ReadonlySet<string>): JsonObject {
  const body = request.body;
  if (!isObject(body)) throw new ApiError(400, "the request body must be a JSON object (Content-Type: application/json)", "invalid_request_error", null, "invalid_body");
  const ignored = checkExtraFields(body, known, "", false);
  if (ignored.length > 0) request.log.debug({ url: request.url, ignoredFields: ignored }, "request fields accepted and ignored");
  return body;
}

/** A string, or a list of strings and token ids; special tokens (BOS) are added before the first string only. */
function tokenizeContent(content: unknown, addSpecial: boolean, encode: (text: string, addSpecial: boolean) => number[], vocabSize: number): number[] {
  if (content === undefined || content === null) return [];
  if (typeof content === "string") {
    checkLength(content.length);
    return encode(content, addSpecial);
  }
  if (!Array.isArray(content) || content.length > MAX_TOKENS) throw badField("content", "expected a string, or an array of strings and token ids", "invalid_type");
  const out: number[] = [];
  let first = true;
  let chars = 0;
  for (let i = 0; i < content.length; i++) {
    const part: unknown = content[i];
    if (typeof part === "string") {
      chars += part.length;
      checkLength(chars);
      for (const id of encode(part, addSpecial && first)) out.push(id);
      first = false;
    } else out.push(readTokenId(part, `content[${i}]`, vocabSize));
  }
  return out;
}

function checkLength(chars: number): void {
  if (chars > MAX_CONTENT_CHARS) throw badField("content", `${chars} characters, more than the ${MAX_CONTENT_CHARS} one request may tokenize`);
}

function readTokenIds(v: unknown, param: string, vocabSize: number): number[] {
  if (!Array.isArray(v)) throw badField(param, "expected an array of token ids", "invalid_type");
  if (v.length > MAX_TOKENS) throw badField(param, `more than ${MAX_TOKENS} token ids`);
  return v.map((id: unknown, i) => readTokenId(id, `${param}[${i}]`, vocabSize));
}

function readTokenId(id: unknown, param: string, vocabSize: number): number {
  if (typeof id !== "number" || !Number.isInteger(id)) throw badField(param, `expected a token id (an integer), got ${JSON.stringify(id)?.slice(0, 40) ?? typeof id}`, "invalid_type");
  if (id < 0 || id >= vocabSize) throw badField(param, `token id ${id} is outside the vocabulary (0 to ${vocabSize - 1})`);
  return id;
}
