import { GPT2_REGEX, LLAMA3_REGEX } from "./llama-pre-split.js";

/** What llama.cpp derives from `tokenizer.ggml.pre` (llama-vocab.cpp: load() and llm_tokenizer_bpe). */
export interface LlamaPreType {
  regexes: readonly string[];
  ignoreMerges: boolean;
  /** llama.cpp turns add_bos on for these unless the GGUF says otherwise */
  addBos: boolean;
}

// pre-tokenizers for which llama.cpp turns clean_spaces off (llama-vocab.cpp load())
const NO_CLEAN_SPACES = new Set([
  "deepseek-llm", "deepseek-coder", "deepseek-v3", "command-r", "qwen2", "deepseek-r1-qwen", "kormo", "poro-chat", "viking",
  "tekken", "smollm", "chameleon", "gpt-4o", "llama4", "superbpe", "trillion", "granite-docling", "bailingmoe", "bailingmoe2",
  "llada-moe", "seed-coder", "hunyuan", "hunyuan-dense", "kimi-k2", "grok-2", "afmoe", "minimax-m2",
]);

/** Whether llama.cpp's detokenizer cleans spaces for a BPE vocabulary with this `tokenizer.ggml.pre`. */
export function llamaCleanSpaces(name: string | null): boolean {
  return name === null || !NO_CLEAN_SPACES.has(name);
}

const QWEN2 =
  "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
// \u escapes keep code points that Unicode normalization would otherwise rewrite (e.g. U+2126 OHM SIGN)
const DEEPSEEK_LLM_LETTERS =
  "\\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-\u1f7dᾀ-ᾴᾶ-ᾼ\u1fbeῂ-ῄῆ-ῌῐ-\u1fd3ῖ-\u1fdbῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤ\u2126ℨ\u212a-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ\\u{10400}-\\u{1044f}𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+";
const TEKKEN =
  "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const GPT4O =
  "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const DEEPSEEK3 = [
  "\\p{N}{1,3}",
  "[一-龥぀-ゟ゠-ヿ]+",
  "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+",
];
const DEFAULT = ["[\\p{P}\\$\\+<=>\\^~\\|]+", GPT2_REGEX, "\\p{N}+", "[0-9][0-9][0-9]"];

const plain = (regexes: readonly string[]): LlamaPreType => ({ regexes, ignoreMerges: false, addBos: false });

const TABLE: ReadonlyArray<readonly [readonly string[], LlamaPreType]> = [
  [["default"], plain(DEFAULT)],
  [
    ["llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2"],
    { regexes: [LLAMA3_REGEX], ignoreMerges: true, addBos: true },
  ],
  [["dbrx", "smaug-bpe", "glm4", "chatglm-bpe"], plain([LLAMA3_REGEX])],
  [["deepseek-llm"], plain(["[\r\n]", DEEPSEEK_LLM_LETTERS, "\\s?[!-/:-~！-／：-～‘-‟　-。]+", "\\s+$", "[一-龥ࠀ-一가-퟿]+", "\\p{N}+"])],
  [["deepseek-coder"], plain(["[\r\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", "[一-龥ࠀ-一가-퟿]+", "\\p{N}"])],
  [["deepseek-v3", "hunyuan-dense"], plain(DEEPSEEK3)],
  [["falcon"], plain(["[\\p{P}\\$\\+<=>\\^~\\|`]+", GPT2_REGEX, "[0-9][0-9][0-9]"])],
  [["starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b"], plain(["\\p{N}", GPT2_REGEX])],
  [
    ["gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0", "mellum", "jina-v1-en", "jina-v2-code", "roberta-bpe", "mpt", "olmo", "jais", "exaone4", "trillion", "granite-docling"],
    plain([GPT2_REGEX]),
  ],
  [["qwen2", "deepseek-r1-qwen", "kormo", "stablelm2", "hunyuan", "megrez", "grok-2"], plain([QWEN2])],
  [["poro-chat", "bloom", "gpt3-finnish"], plain([" ?[^(\\s|.,!?…。，、।۔،)]+"])],
  [["viking"], plain([" ?[^(\\s|.,!?…。，、।۔،)]+", "\\p{N}"])],
  [["tekken"], { regexes: [TEKKEN], ignoreMerges: true, addBos: true }],
  [["gpt-4o", "llama4", "minimax-m2"], plain([GPT4O])],
  [
    ["chameleon"],
    {
      regexes: ["<sentinel:[0-9]+>", "(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z", "([\\t\\n]|    |  )", "\\p{N}", "[\\p{P}!-/:-@\\[-`{-~]", GPT2_REGEX],
      ignoreMerges: false,
      addBos: true,
    },
  ],
  [
    ["seed-coder"],
    plain([
      "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1}| ?[^\\s\\p{L}\\p{N}\\r\\n]+|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    ]),
  ],
  [
    ["bailingmoe", "bailingmoe2", "llada-moe"],
    plain(["'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+"]),
  ],
];

/** The pre-tokenizer llama.cpp uses for a `tokenizer.ggml.pre` name; unknown names fall back to "default", as llama.cpp does. */
export function llamaPreType(name: string | null): LlamaPreType {
  for (const [names, type] of TABLE) if (name !== null && names.includes(name)) return type;
  return TABLE[0]![1];
}
