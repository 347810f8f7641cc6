import { FormatError } from "../errors.js";

// Real config.json / tokenizer.json files nest under 10 levels; the loaders that walk them (Sequence normalizers,
// pre-tokenizers, error messages that quote a value) recurse, so a deeper file would overflow the stack instead
// of failing with a FormatError.
export const maxJsonDepth = 64;

/** Parses the JSON text of a model file and refuses nesting deeper than maxJsonDepth (checked without recursion). */
export function parseModelJson(file: string, text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (err) {
    throw new FormatError(file, `not valid JSON: ${(err as Error).message}`);
  }
  checkJsonDepth(file, value);
  return value;
}

/** Refuses a parsed JSON value nested deeper than maxJsonDepth (iteratively: the check itself cannot overflow). */
export function checkJsonDepth(file: string, value: unknown): void {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== "object" || v === null) continue;
    if (depth > maxJsonDepth) throw new FormatError(file, `nests arrays/objects more than ${maxJsonDepth} deep`);
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === "object" && child !== null) stack.push([child, depth + 1]);
    }
  }
}
