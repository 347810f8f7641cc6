import { statSync } from "node:fs";
import { basename } from "node:path";
import { fitModelRunner } from "../engine/fit-model-runner.js";
import { grammarCompilerFor } from "../grammar/grammar-compiler.js";
import type { KernelBackend } from "../kernels/backend.js";
import type { KvType } from "../kernels/kv-layer.js";
import { ggmlTypeName } from "../quant/ggml-type.js";
import { machineFreeMemoryBytes } from "./machine-memory.js";
import { loadModel } from "../model/load-model.js";
import { createPromptEncoder, maxTokenBytes } from "./prompt-encoder.js";
import type { TokenizerSource } from "./prompt-encoder.js";
import { keepSpecialTokens } from "./marker-decoder.js";
import type { ServedModel, TokenPiece } from "./served-model.js";

export interface LoadServedModelOptions {
  modelPath: string;
  /** tokenizer.json / HF directory / GGUF; default: the model itself (or the `hf/` directory beside a GGUF). */
  tokenizerPath?: string;
  /** A Jinja chat template file overriding the model's. */
  chatTemplatePath?: string;
  /** Most sequences per step. */
  parallel: number;
  /** Longest sequence; default (and maximum) the model's context. */
  ctxSize?: number;
  /** KV cache capacity: "64MB" / "1.5GB" (bytes) or "4096t" (tokens); default ctxSize × parallel tokens. */
  kvCacheSize?: string;
  maxBatchTokens: number;
  blockSize?: number;
  backend?: KernelBackend;
  /** KV cache element type (f32, f16 or q8_0); default f32. */
  kvType?: KvType;
  /** Free memory the KV cache is fitted to (default: the machine's, see machineFreeMemoryBytes). */
  freeMemoryBytes?: number;
  /** `--served-model-name`: the names clients use (the first is reported); default the file's name. */
  servedModelNames?: readonly string[];
}

/** Loads model + tokenizer + chat template: the engine's model runner (fitted to the memory) and what the routes need. */
export function loadServedModel(o: LoadServedModelOptions): ServedModel {
  const model = loadModel(o.modelPath, { maxBatchTokens: o.maxBatchTokens, ...(o.backend ? { backend: o.backend } : {}) });
  const c = model.config;
  const { runner, fit } = fitModelRunner(model, {
    parallel: o.parallel,
    ...(o.ctxSize !== undefined ? { ctxSize: o.ctxSize } : {}),
    ...(o.kvCacheSize !== undefined ? { kvCacheSize: o.kvCacheSize } : {}),
    ...(o.blockSize !== undefined ? { blockSize: o.blockSize } : {}),
    ...(o.kvType !== undefined ? { kvType: o.kvType } : {}),
    freeMemoryBytes: o.freeMemoryBytes ?? machineFreeMemoryBytes(),
  });
  const { ctxLen, capacityTokens } = fit;
  const kvBytesPerToken = runner.kv.bytesPerToken;
  const vocabSize = c.vocabSize;
  const backend = model.backend;

  const tokenizerSource: TokenizerSource = {
    modelPath: o.modelPath,
    ...(o.tokenizerPath !== undefined ? { tokenizerPath: o.tokenizerPath } : {}),
    ...(o.chatTemplatePath !== undefined ? { chatTemplatePath: o.chatTemplatePath } : {}),
  };
  const encoder = createPromptEncoder(tokenizerSource);
  const tok = encoder.tok;
  const tokenBytesMax = maxTokenBytes(tok);
  const pieces = new Map<number, TokenPiece>();
  const utf8 = new TextDecoder("utf-8");
  const id = o.servedModelNames?.[0] ?? basename(o.modelPath).replace(/\.gguf$/, "");
  const file = model.file;
  const tensors =
    file.kind === "gguf"
      ? file.gguf.tensors.map((t) => ({ name: t.name, type: ggmlTypeName(t.type), shape: t.shape, sizeBytes: t.sizeBytes }))
      : file.hf.tensors.map((t) => ({ name: t.name, type: t.dtype, shape: t.shape, sizeBytes: t.sizeBytes }));
  const info = {
    id,
    architecture: model.arch.name,
    parameters: tensors.reduce((a, t) => a + t.shape.reduce((x, y) => x * y, 1), 0),
    fileSizeBytes: statSync(o.modelPath).isDirectory() ? tensors.reduce((a, t) => a + t.sizeBytes, 0) : statSync(o.modelPath).size,
    contextLength: ctxLen,
    declaredContextLength: c.ctxLen,
    contextFit: fit.reason,
    kvBytesPerToken,
    kvType: runner.kv.kvType,
    config: { ...c },
    tensors,
  };

  const memoryUsed = backend.memoryUsedBytes?.();
  return {
    id,
    contextFit: fit.reason,
    memoryBytes: memoryUsed ?? info.fileSizeBytes + capacityTokens * kvBytesPerToken,
    aliases: o.servedModelNames?.slice(1) ?? [],
    model: runner,
    eosIds: tok.eosIds,
    kvBytesPerToken,
    tokenizerSource,
    maxTokenBytes: tokenBytesMax,
    encode: encoder.encode,
    encodeChat: encoder.encodeChat,
    ...(encoder.chatTemplate !== undefined ? { chatTemplate: encoder.chatTemplate } : {}),
    tokenize: (text, addSpecial, parseSpecial) => tok.encode(text, { addSpecialTokens: addSpecial, parseSpecial }),
    createDecoder(contextIds: readonly number[], keepSpecial: readonly string[] = []) {
      const decoder = tok.createStreamingDecoder({ skipSpecialTokens: true });
      // SentencePiece decoders drop the leading space of a sequence's first token: decode after the prompt's last
      // ordinary token so a generated word keeps its space (as llama.cpp's token_to_piece does).
      for (let i = contextIds.length - 1; i >= 0; i--) {
        if (tok.isSpecial(contextIds[i]) || tok.core.isByteToken(contextIds[i])) continue;
        decoder.push(contextIds[i]);
        break;
      }
      return keepSpecialTokens(decoder, tok, keepSpecial);
    },
    tokenPiece(tokenId: number): TokenPiece {
      let p = pieces.get(tokenId);
      if (p === undefined) {
        const special = tok.isSpecial(tokenId);
        const bytes = special ? [...Buffer.from(tok.tokenToPiece(tokenId))] : [...tok.tokenBytes(tokenId)];
        p = { text: utf8.decode(new Uint8Array(bytes)), bytes, special };
        pieces.set(tokenId, p);
      }
      return p;
    },
    info: () => info,
    compileGrammar: (spec, where) => grammarCompilerFor(tok, vocabSize).compile(spec, where),
  };
}
