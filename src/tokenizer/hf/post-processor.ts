import { FormatError } from "../../errors.js";
import { asArray, asObject, asString, componentType, isObject } from "./json-fields.js";

/** The ids a tokenizer.json post_processor puts around a single sequence (TemplateProcessing `single`, …). */
export interface PostProcessorIds {
  prefixIds: number[];
  suffixIds: number[];
}

export function buildPostProcessor(json: unknown, where: string, tokenToId: (t: string) => number | undefined, key = "post_processor"): PostProcessorIds {
  const none: PostProcessorIds = { prefixIds: [], suffixIds: [] };
  if (json === null || json === undefined) return none;
  const o = asObject(json, where, key);
  const type = componentType(o, where, key);
  const idOf = (t: string, k: string): number => {
    const id = tokenToId(t);
    if (id === undefined) throw new FormatError(where, `${k}: token ${JSON.stringify(t)} is not in the vocabulary`);
    return id;
  };
  switch (type) {
    case "ByteLevel":
      return none;
    case "Sequence": {
      const out: PostProcessorIds = { prefixIds: [], suffixIds: [] };
      asArray(o["processors"], where, `${key}.processors`).forEach((p, i) => {
        const r = buildPostProcessor(p, where, tokenToId, `${key}.processors[${i}]`);
        out.prefixIds.push(...r.prefixIds);
        out.suffixIds.push(...r.suffixIds);
      });
      return out;
    }
    case "TemplateProcessing": {
      const specials = isObject(o["special_tokens"]) ? o["special_tokens"] : {};
      const out: PostProcessorIds = { prefixIds: [], suffixIds: [] };
      let seenSequence = false;
      asArray(o["single"], where, `${key}.single`).forEach((piece, i) => {
        const p = asObject(piece, where, `${key}.single[${i}]`);
        if (isObject(p["Sequence"])) {
          seenSequence = true;
          return;
        }
        const special = asObject(p["SpecialToken"], where, `${key}.single[${i}].SpecialToken`);
        const name = asString(special["id"], where, `${key}.single[${i}].SpecialToken.id`);
        const entry = specials[name];
        const ids = isObject(entry) && Array.isArray(entry["ids"]) ? (entry["ids"] as number[]) : [idOf(name, `${key}.single[${i}]`)];
        (seenSequence ? out.suffixIds : out.prefixIds).push(...ids);
      });
      return out;
    }
    case "RobertaProcessing":
    case "BertProcessing": {
      const cls = asArray(o["cls"], where, `${key}.cls`);
      const sep = asArray(o["sep"], where, `${key}.sep`);
      return { prefixIds: [cls[1] as number], suffixIds: [sep[1] as number] };
    }
    default:
      throw new FormatError(where, `${key}: post-processor type ${JSON.stringify(type)} is not supported`);
  }
}
