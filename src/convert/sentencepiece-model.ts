import { FormatError } from "../errors.js";

/** One piece of a SentencePiece model; `type` uses sentencepiece_model.proto's enum, which GGUF's token_type shares. */
export interface SentencePiece {
  piece: string;
  score: number;
  type: number;
}

export interface SentencePieceModel {
  pieces: SentencePiece[];
  /** NormalizerSpec.add_dummy_prefix (default true). */
  addDummyPrefix: boolean;
}

const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Reads a SentencePiece `tokenizer.model` (a ModelProto, sentencepiece_model.proto): field 1 = repeated
 * SentencePiece {1: piece, 2: score (float), 3: type (enum, default NORMAL = 1)}, field 3 = NormalizerSpec
 * {3: add_dummy_prefix}. Only what GGUF's vocabulary needs; other fields are skipped by wire type.
 */
export function readSentencePieceModel(file: string, bytes: Uint8Array): SentencePieceModel {
  const pieces: SentencePiece[] = [];
  let addDummyPrefix = true;
  for (const f of fields(file, bytes, 0, bytes.length)) {
    if (f.no === 1 && f.wire === 2) {
      const p: SentencePiece = { piece: "", score: 0, type: 1 };
      for (const g of fields(file, bytes, f.start, f.end)) {
        if (g.no === 1 && g.wire === 2) p.piece = decoder.decode(bytes.subarray(g.start, g.end));
        else if (g.no === 2 && g.wire === 5) p.score = new DataView(bytes.buffer, bytes.byteOffset + g.start, 4).getFloat32(0, true);
        else if (g.no === 3 && g.wire === 0) p.type = g.value;
      }
      pieces.push(p);
    } else if (f.no === 3 && f.wire === 2) {
      for (const g of fields(file, bytes, f.start, f.end)) if (g.no === 3 && g.wire === 0) addDummyPrefix = g.value !== 0;
    }
  }
  if (pieces.length === 0) throw new FormatError(file, "holds no SentencePiece pieces");
  return { pieces, addDummyPrefix };
}

interface Field {
  no: number;
  wire: number;
  /** Varint value (wire 0), else 0. */
  value: number;
  /** Payload range for wire types 1, 2 and 5. */
  start: number;
  end: number;
}

function* fields(file: string, b: Uint8Array, from: number, to: number): Generator<Field> {
  let pos = from;
  const varint = (): number => {
    let result = 0;
    let mul = 1;
    for (;;) {
      if (pos >= to) throw new FormatError(file, `truncated protobuf varint at byte ${pos}`);
      const byte = b[pos++]!;
      result += (byte & 0x7f) * mul;
      if (byte < 0x80) return result;
      mul *= 128;
    }
  };
  while (pos < to) {
    const key = varint();
    const no = Math.floor(key / 8);
    const wire = key & 7;
    let value = 0;
    let start = pos;
    if (wire === 0) value = varint();
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const len = varint();
      start = pos;
      pos += len;
    } else throw new FormatError(file, `unsupported protobuf wire type ${wire} at byte ${pos}`);
    if (pos > to) throw new FormatError(file, `protobuf field ${no} runs past its message at byte ${to}`);
    yield { no, wire, value, start, end: pos };
  }
}
