import { closeSync, openSync, readSync, writeSync } from "node:fs";
import { FormatError } from "../errors.js";

// llama-perplexity's `--kl-divergence-base` file (tools/perplexity/perplexity.cpp), so files are interchangeable with
// llama.cpp: "_logits_", u32 n_ctx, i32 n_vocab, i32 n_chunk, i32 tokens[n_chunk * n_ctx], then for every scored
// position (n_ctx - 1 - n_ctx/2 per chunk) `nv` uint16: two float32 (scale, min log-prob) and the log-probabilities
// quantized to 16 bits over [max - 16, max].
const MAGIC = "_logits_";

export function kldRowUint16s(vocabSize: number): number {
  return 2 * Math.floor((vocabSize + 1) / 2) + 4;
}

export interface KldBaseHeader {
  nCtx: number;
  vocabSize: number;
  nChunks: number;
  tokens: Int32Array;
}

export class KldBaseWriter {
  private readonly fd: number;
  constructor(
    readonly path: string,
    header: KldBaseHeader,
  ) {
    this.fd = openSync(path, "w");
    const head = Buffer.alloc(20);
    head.write(MAGIC, 0, "latin1");
    head.writeUInt32LE(header.nCtx, 8);
    head.writeInt32LE(header.vocabSize, 12);
    head.writeInt32LE(header.nChunks, 16);
    writeSync(this.fd, head);
    writeSync(this.fd, new Uint8Array(header.tokens.buffer, header.tokens.byteOffset, header.nChunks * header.nCtx * 4));
  }

  /** Appends the scored rows of one chunk ([nRows, nv] uint16). */
  writeRows(rows: Uint16Array): void {
    writeSync(this.fd, new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength));
  }

  close(): void {
    closeSync(this.fd);
  }
}

export class KldBaseReader {
  readonly header: KldBaseHeader;
  private readonly fd: number;
  private position: number;

  constructor(readonly path: string) {
    this.fd = openSync(path, "r");
    const head = Buffer.alloc(20);
    if (readSync(this.fd, head, 0, 20, 0) < 20 || head.toString("latin1", 0, 8) !== MAGIC) {
      closeSync(this.fd);
      throw new FormatError(path, "does not look like a file of log-probabilities (no _logits_ header)");
    }
    const nCtx = head.readUInt32LE(8);
    const vocabSize = head.readInt32LE(12);
    const nChunks = head.readInt32LE(16);
    if (nCtx < 2 || nCtx > 1 << 20 || vocabSize < 1 || vocabSize > 1 << 24 || nChunks < 1 || nChunks > 1 << 24) {
      closeSync(this.fd);
      throw new FormatError(path, `implausible header: n_ctx ${nCtx}, n_vocab ${vocabSize}, n_chunk ${nChunks}`);
    }
    const tokens = new Int32Array(nChunks * nCtx);
    const want = tokens.byteLength;
    if (readSync(this.fd, new Uint8Array(tokens.buffer), 0, want, 20) < want) {
      closeSync(this.fd);
      throw new FormatError(path, `truncated: the header promises ${nChunks} chunks of ${nCtx} tokens`);
    }
    this.header = { nCtx, vocabSize, nChunks, tokens };
    this.position = 20 + want;
  }

  /** Reads the next chunk's scored rows into `rows` ([nRows, nv] uint16). */
  readRows(rows: Uint16Array, chunk: number): void {
    const bytes = new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength);
    if (readSync(this.fd, bytes, 0, bytes.length, this.position) < bytes.length) {
      throw new FormatError(this.path, `truncated: no log-probabilities for chunk ${chunk + 1}`);
    }
    this.position += bytes.length;
  }

  close(): void {
    closeSync(this.fd);
  }
}
