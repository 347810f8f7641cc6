/** A JSON edit: the value at `path` replaced by raw JSON text (or removed), so values too deep to stringify can be placed. */
export interface JsonEdit {
  path: (string | number)[];
  /** Raw JSON text; undefined removes the key. */
  raw: string | undefined;
}

const nest = (open: string, close: string, depth: number, inner = ""): string => open.repeat(depth) + inner + close.repeat(depth);

/** Values a hostile config.json / tokenizer.json can hold where a number, string or object is expected. */
export const hostileJsonValues: readonly [string, string][] = [
  ["0", "0"],
  ["-1", "-1"],
  ["1.5", "1.5"],
  ["2^32-1", "4294967295"],
  ["2^32", "4294967296"],
  ["2^53+1", "9007199254740993"],
  ["2^63", "9223372036854775808"],
  ["1e308", "1e308"],
  ["-1e308", "-1e308"],
  ["numeric string", '"12"'],
  ["null", "null"],
  ["true", "true"],
  ["empty array", "[]"],
  ["empty object", "{}"],
  ["array of numbers", "[1, 2]"],
  ["huge array", `[${"1,".repeat(200_000)}1]`],
  ["deep arrays", nest("[", "]", 100_000)],
  ["deep objects", nest('{"a":', "}", 50_000, "1")],
  ["1 MiB string", `"${"x".repeat(1 << 20)}"`],
];

/** Whole-file replacements: not an object, invalid or truncated JSON, deep nesting at the top. */
export function hostileJsonFiles(original: string): [string, string][] {
  return [
    ["empty file", ""],
    ["array", "[]"],
    ["string", '"config"'],
    ["number", "42"],
    ["invalid JSON", "{ model_type: llama }"],
    ["truncated", original.slice(0, Math.floor(original.length / 2))],
    ["BOM prefix", `\ufeff${original}`],
    ["deep top-level arrays", nest("[", "]", 100_000)],
    ["deep top-level objects", nest('{"a":', "}", 50_000, "{}")],
  ];
}

const marker = "__hostile_raw_value__";

/** Whether the parent of `path` exists in `root` (so the edit changes something rather than nothing). */
export function hasParent(root: unknown, path: readonly (string | number)[]): boolean {
  let node: unknown = root;
  for (const key of path.slice(0, -1)) {
    if (typeof node !== "object" || node === null) return false;
    node = (node as Record<string | number, unknown>)[key];
  }
  return typeof node === "object" && node !== null;
}

/** `text` (a JSON object) with `edit` applied; null when the edit's parent path does not exist. */
export function applyJsonEdit(text: string, edit: JsonEdit): string | null {
  const root = JSON.parse(text) as unknown;
  let parent: unknown = root;
  for (const key of edit.path.slice(0, -1)) {
    if (typeof parent !== "object" || parent === null) return null;
    parent = (parent as Record<string | number, unknown>)[key];
  }
  if (typeof parent !== "object" || parent === null) return null;
  const last = edit.path[edit.path.length - 1]!;
  const record = parent as Record<string | number, unknown>;
  if (edit.raw === undefined) {
    if (Array.isArray(record) && typeof last === "number") record.splice(last, 1);
    else delete record[last];
    return JSON.stringify(root);
  }
  record[last] = marker;
  return JSON.stringify(root).replace(`"${marker}"`, () => edit.raw!);
}
