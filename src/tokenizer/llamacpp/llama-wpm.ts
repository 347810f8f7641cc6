import { FLAG_ACCENT_MARK, FLAG_CONTROL, FLAG_PUNCTUATION, FLAG_SYMBOL, FLAG_WHITESPACE, cptFlags } from "./unicode-flags.js";

// The CJK ranges BERT isolates (llama-vocab.cpp llm_tokenizer_wpm_session::is_chinese_char, after HF's Rust code)
function isChineseChar(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x20000 && cp <= 0x2a6df) || (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) || (cp >= 0x2b920 && cp <= 0x2ceaf) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/** llama.cpp's one-code-point NFD (unicode_cpts_normalize_nfd): the first code point of the decomposition. */
function nfdFirst(cp: number): number {
  if (cp < 0xc0) return cp;
  return String.fromCodePoint(cp).normalize("NFD").codePointAt(0) as number;
}

/** A simple (one code point) lowercase mapping, as unicode_tolower. */
function lowerFirst(cp: number): number {
  if (cp < 0x80) return cp >= 65 && cp <= 90 ? cp + 32 : cp;
  return String.fromCodePoint(cp).toLowerCase().codePointAt(0) as number;
}

/**
 * llama.cpp's WordPiece tokenizer for GGUF "bert" vocabularies (llm_tokenizer_wpm_session): NFD to one code point,
 * accent marks and controls dropped,
 * lowercase, split on whitespace, punctuation and CJK; then each word, prefixed with ▁, is cut greedily into the
 * longest tokens, or becomes the unknown token when some part has none.
 */
export class LlamaWpm {
  private readonly maxTokenLength: number;

  constructor(
    private readonly vocab: ReadonlyMap<string, number>,
    private readonly unkId: number,
  ) {
    let max = 0;
    for (const t of vocab.keys()) max = Math.max(max, t.length);
    this.maxTokenLength = max;
  }

  encode(text: string, out: number[]): void {
    for (const word of this.preprocess(text)) {
      const w = "\u2581" + word;
      const start = out.length;
      let ok = true;
      for (let i = 0; i < w.length && ok; ) {
        ok = false;
        for (let j = Math.min(w.length, i + this.maxTokenLength); j > i; j--) {
          const id = this.vocab.get(w.slice(i, j));
          if (id !== undefined) {
            out.push(id);
            i = j;
            ok = true;
            break;
          }
        }
      }
      if (!ok) out.length = start;
      if (out.length === start) out.push(this.unkId);
    }
  }

  private preprocess(text: string): string[] {
    const words: string[] = [];
    let current = "";
    const finish = (): void => {
      if (current.length > 0) words.push(current);
      current = "";
    };
    for (const ch of text) {
      const cp = nfdFirst(ch.codePointAt(0) as number);
      const flags = cptFlags(cp);
      if (flags & FLAG_WHITESPACE) {
        finish();
        continue;
      }
      if (cp === 0 || cp === 0xfffd || flags & (FLAG_CONTROL | FLAG_ACCENT_MARK)) continue;
      const s = String.fromCodePoint(lowerFirst(cp));
      if (flags & FLAG_PUNCTUATION || (cp < 0x7f && flags & FLAG_SYMBOL) || isChineseChar(cp)) {
        finish();
        words.push(s);
      } else current += s;
    }
    finish();
    return words;
  }
}
