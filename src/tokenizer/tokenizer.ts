import { InputError } from "../errors.js";
import { StreamingDecoder } from "./streaming-decoder.js";

/** The model-specific half of a tokenizer: text <-> ids without the BOS/EOS the post-processor adds. */
export interface TokenizerCore {
  readonly vocabSize: number;
  /** Appends the ids of `text`; added/special tokens in the text are matched when `parseSpecial`. */
  encodeInto(text: string, parseSpecial: boolean, out: number[]): void;
  decode(ids: readonly number[], skipSpecialTokens: boolean, cleanUpSpaces: boolean): string;
  /** The token's string in the vocabulary (e.g. "Ġthe", "▁the", "<0x0A>", "<|eot_id|>"), or undefined. */
  tokenToPiece(id: number): string | undefined;
  tokenToId(piece: string): number | undefined;
  /** The bytes the token contributes to decoded text. */
  tokenBytes(id: number): Uint8Array;
  isSpecial(id: number): boolean;
  /** A SentencePiece byte-fallback token (<0xXX>): consecutive ones decode as one UTF-8 run. */
  isByteToken(id: number): boolean;
}

/** What the post-processor and the config add around a core. */
export interface TokenizerSpecials {
  bosId: number | null;
  eosId: number | null;
  /** EOS and end-of-turn tokens: generation stops on any of them */
  eosIds: number[];
  /** ids the post-processor puts before / after the text when addSpecialTokens */
  prefixIds: number[];
  suffixIds: number[];
  chatTemplate?: string;
}

export interface EncodeOptions {
  /** add BOS/EOS as the post-processor does (default true, as in HF `encode`) */
  addSpecialTokens?: boolean;
  /** match special tokens written in the text, e.g. "<|im_start|>" (default true, as in HF) */
  parseSpecial?: boolean;
}

export interface DecodeOptions {
  skipSpecialTokens?: boolean;
  /**
   * Remove the spaces before punctuation and contractions that word-level decoding leaves (" ." -> "."): llama.cpp's
   * clean_spaces pass of llama_detokenize for GGUF vocabularies that use it, transformers' clean_up_tokenization for
   * tokenizer.json. Default false: decoding is lossless, and streaming decodes this way.
   */
  cleanUpSpaces?: boolean;
}

/** A tokenizer loaded from tokenizer.json or GGUF metadata; both give the same API. */
export class Tokenizer {
  readonly vocabSize: number;
  readonly bosId: number | null;
  readonly eosId: number | null;
  readonly eosIds: readonly number[];
  readonly addBos: boolean;
  readonly addEos: boolean;
  readonly bosToken: string | null;
  readonly eosToken: string | null;
  readonly chatTemplate: string | undefined;

  constructor(
    readonly core: TokenizerCore,
    private readonly specials: TokenizerSpecials,
  ) {
    this.vocabSize = core.vocabSize;
    this.bosId = specials.bosId;
    this.eosId = specials.eosId;
    this.eosIds = specials.eosIds;
    this.addBos = specials.bosId !== null && specials.prefixIds.includes(specials.bosId);
    this.addEos = specials.eosId !== null && specials.suffixIds.includes(specials.eosId);
    this.bosToken = specials.bosId === null ? null : (core.tokenToPiece(specials.bosId) ?? null);
    this.eosToken = specials.eosId === null ? null : (core.tokenToPiece(specials.eosId) ?? null);
    this.chatTemplate = specials.chatTemplate;
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    const out: number[] = [];
    const addSpecial = options.addSpecialTokens ?? true;
    if (addSpecial) for (const id of this.specials.prefixIds) out.push(id);
    this.core.encodeInto(text, options.parseSpecial ?? true, out);
    if (addSpecial) for (const id of this.specials.suffixIds) out.push(id);
    return out;
  }

  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) throw new InputError(`token id ${id} is outside the vocabulary (size ${this.vocabSize})`);
    }
    return this.core.decode(ids, options.skipSpecialTokens ?? false, options.cleanUpSpaces ?? false);
  }

  tokenToPiece(id: number): string {
    const piece = this.core.tokenToPiece(id);
    if (piece === undefined) throw new InputError(`token id ${id} is outside the vocabulary (size ${this.vocabSize})`);
    return piece;
  }

  tokenToId(piece: string): number | undefined {
    return this.core.tokenToId(piece);
  }

  tokenBytes(id: number): Uint8Array {
    return this.core.tokenBytes(id);
  }

  isSpecial(id: number): boolean {
    return this.core.isSpecial(id);
  }

  isEog(id: number): boolean {
    return this.eosIds.includes(id);
  }

  createStreamingDecoder(options: Omit<DecodeOptions, "cleanUpSpaces"> = {}): StreamingDecoder {
    const skipSpecialTokens = options.skipSpecialTokens ?? false;
    return new StreamingDecoder(
      (ids) => this.decode(ids, { skipSpecialTokens }),
      (id) => this.core.isByteToken(id),
    );
  }
}
