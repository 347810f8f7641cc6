import { statSync } from "node:fs";
import { basename } from "node:path";
import type { BatchModel, ForwardBatch } from "../engine/batch-model.js";
import { InputError } from "../errors.js";
import { grammarCompilerFor } from "../grammar/grammar-compiler.js";
import type { KernelBackend } from "../kernels/backend.js";
import { kvRowBytes } from "../kernels/kv-layer.js";
import type { KvType } from "../kernels/kv-layer.js";
import { ggmlTypeName } from "../quant/ggml-type.js";
import { fitContext } from "../kv/fit-context.js";
import { machineFreeMemoryBytes } from "../kv/machine-memory.js";
import { PrefixCacheKv } from "../kv/prefix-cache-kv.js";
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

/** Loads model + tokenizer + chat template and wires them to the engine's BatchModel and the server's needs. */
export function loadServedModel(o: LoadServedModelOptions): ServedModel {
  const model = loadModel(o.modelPath, { maxBatchTokens: o.maxBatchTokens, ...(o.backend ? { backend: o.backend } : {}) });
  const c = model.config;
  if (o.ctxSize !== undefined && (!Number.isInteger(o.ctxSize) || o.ctxSize < 2)) throw new InputError(`--ctx-size ${o.ctxSize}: expected an integer ≥ 2`);
  const kvType = o.kvType ?? "f32";
  const storedBytesPerToken = 2 * c.nLayers * kvRowBytes(kvType, c.nKvHeads * c.headDim); // K and V rows as stored
  const room = model.backend.memoryRoomBytes?.();
  const fit = fitContext({
    source: o.modelPath,
    declaredCtxLen: c.ctxLen,
    ...(o.ctxSize !== undefined ? { requestedCtxLen: o.ctxSize } : {}),
    ...(o.kvCacheSize !== undefined ? { requestedCapacityTokens: parseKvCacheSize(o.kvCacheSize, storedBytesPerToken), requestedCapacityText: o.kvCacheSize } : {}),
    parallel: o.parallel,
    kvBytesPerToken: storedBytesPerToken,
    freeMemoryBytes: o.freeMemoryBytes ?? machineFreeMemoryBytes(),
    ...(room !== undefined ? { backendRoomBytes: room } : {}),
    blockSize: o.blockSize ?? 16,
  });
  const { ctxLen, capacityTokens } = fit;
  const kv = new PrefixCacheKv(model.backend, { nLayers: c.nLayers, nKvHeads: c.nKvHeads, headDim: c.headDim, ctxLen, maxSeqs: o.parallel, capacityTokens, blockSize: o.blockSize ?? 16, kvType });
  const kvBytesPerToken = kv.bytesPerToken;
  const vocabSize = c.vocabSize;
  const batchModel: BatchModel = {
    vocabSize,
    ctxLen,
    blockSize: kv.blockSize,
    numBlocks: kv.totalBlocks,
    forward(batch: ForwardBatch): Promise<Float32Array> {
      kv.setBlockTables(batch.blockTables);
      return model.forward(batch, kv);
    },
  };
  const backend = model.backend;
  batchModel.logSumExp = backend.logSumExp?.bind(backend);
  batchModel.topK = backend.topK?.bind(backend);
  batchModel.whenReady = backend.whenReady?.bind(backend);

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
    kvType: kv.kvType,
    config: { ...c },
    tensors,
  };

  const memoryUsed = backend.memoryUsedBytes?.();
  return {
    id,
    contextFit: fit.reason,
    memoryBytes: memoryUsed ?? info.fileSizeBytes + capacityTokens * storedBytesPerToken,
    aliases: o.servedModelNames?.slice(1) ?? [],
    model: batchModel,
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

/** "64MB", "1.5GB", "512KB" (powers of 1024) or "4096t" → tokens. */
export function parseKvCacheSize(value: string, bytesPerToken: number): number {
  const m = /^(\d+(?:\.\d+)?)\s*(t|tokens|b|kb|k|mb|m|gb|g|kib|mib|gib)?$/i.exec(value.trim());
  if (!m) throw new InputError(`--kv-cache-size ${value}: expected e.g. 64MB or 4096t`);
  const n = Number(m[1]);
  const unit = (m[2] ?? "mb").toLowerCase();
  if (unit === "t" || unit === "tokens") return Math.floor(n);
  const scale: Record<string, number> = { b: 1, k: 1024, kb: 1024, kib: 1024, m: 1 << 20, mb: 1 << 20, mib: 1 << 20, g: 1 << 30, gb: 1 << 30, gib: 1 << 30 };
  return Math.floor((n * scale[unit]) / bytesPerToken);
}
