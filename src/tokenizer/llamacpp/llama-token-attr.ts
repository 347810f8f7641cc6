// llama.cpp's per-token attributes (llama.h llama_token_attr) and how GGUF token types map onto them.
export const ATTR_UNDEFINED = 0;
export const ATTR_UNKNOWN = 1 << 0;
export const ATTR_UNUSED = 1 << 1;
export const ATTR_NORMAL = 1 << 2;
export const ATTR_CONTROL = 1 << 3;
export const ATTR_USER_DEFINED = 1 << 4;
export const ATTR_BYTE = 1 << 5;
export const ATTR_LSTRIP = 1 << 7;
export const ATTR_RSTRIP = 1 << 8;

/** GGUF `tokenizer.ggml.token_type`: 1 normal, 2 unknown, 3 control, 4 user defined, 5 unused, 6 byte. */
export function attrFromTokenType(type: number): number {
  switch (type) {
    case 1:
      return ATTR_NORMAL;
    case 2:
      return ATTR_UNKNOWN;
    case 3:
      return ATTR_CONTROL;
    case 4:
      return ATTR_USER_DEFINED;
    case 5:
      return ATTR_UNUSED;
    case 6:
      return ATTR_BYTE;
    default:
      return ATTR_UNDEFINED;
  }
}
