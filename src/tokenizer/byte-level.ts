// GPT-2's reversible byte <-> printable-character table (openai/gpt-2 encoder.py `bytes_to_unicode`),
// used by every byte-level BPE (GPT-2, Llama 3, Qwen, DeepSeek, o200k) and by llama.cpp's BPE vocabularies.

const byteToCode = new Uint16Array(256);
const codeToByte = new Int16Array(512).fill(-1);
{
  let n = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    const code = printable ? b : 256 + n++;
    byteToCode[b] = code;
    codeToByte[code] = b;
  }
}

/** The byte a byte-level character stands for, or -1 when the character is not one of the 256. */
export function byteLevelByte(charCode: number): number {
  return charCode < 512 ? (codeToByte[charCode] as number) : -1;
}

let scratch = new Uint16Array(1024);

/** UTF-8 encodes `text` and maps every byte to its byte-level character. */
export function byteLevelEncode(text: string): string {
  const len = text.length;
  if (scratch.length < len * 3) scratch = new Uint16Array(len * 3 + 16);
  const buf = scratch;
  let n = 0;
  for (let i = 0; i < len; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      buf[n++] = byteToCode[c] as number;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < len) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd; // lone surrogate: what TextEncoder writes
    if (c < 0x800) {
      buf[n++] = byteToCode[0xc0 | (c >> 6)] as number;
      buf[n++] = byteToCode[0x80 | (c & 0x3f)] as number;
    } else if (c < 0x10000) {
      buf[n++] = byteToCode[0xe0 | (c >> 12)] as number;
      buf[n++] = byteToCode[0x80 | ((c >> 6) & 0x3f)] as number;
      buf[n++] = byteToCode[0x80 | (c & 0x3f)] as number;
    } else {
      buf[n++] = byteToCode[0xf0 | (c >> 18)] as number;
      buf[n++] = byteToCode[0x80 | ((c >> 12) & 0x3f)] as number;
      buf[n++] = byteToCode[0x80 | ((c >> 6) & 0x3f)] as number;
      buf[n++] = byteToCode[0x80 | (c & 0x3f)] as number;
    }
  }
  return codesToString(buf, n);
}

/** Maps raw bytes (e.g. a token's, which may be part of a UTF-8 sequence) to their byte-level characters. */
export function byteLevelEncodeBytes(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(byteToCode[bytes[i]!] as number);
  return s;
}

/** Builds a string from UTF-16 code units without a per-character concatenation. */
export function codesToString(codes: Uint16Array, n: number): string {
  if (n <= 4096) return String.fromCharCode.apply(null, codes.subarray(0, n) as unknown as number[]);
  const parts: string[] = [];
  for (let i = 0; i < n; i += 4096) {
    parts.push(String.fromCharCode.apply(null, codes.subarray(i, Math.min(n, i + 4096)) as unknown as number[]));
  }
  return parts.join("");
}

/**
 * Maps each character of a byte-level token back to its byte; a character outside the table makes the
 * whole token count as its own UTF-8 text (what HF's ByteLevel decoder does).
 */
export function byteLevelDecodeToken(token: string, out: number[]): void {
  const start = out.length;
  for (let i = 0; i < token.length; i++) {
    const b = byteLevelByte(token.charCodeAt(i));
    if (b < 0) {
      out.length = start;
      for (const byte of utf8Encoder.encode(token)) out.push(byte);
      return;
    }
    out.push(b);
  }
}

const utf8Encoder = new TextEncoder();
