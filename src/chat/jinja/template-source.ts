// Jinja2 syntax the @huggingface/jinja lexer lacks, rewritten into syntax it has before/after tokenizing:
// {% raw %}…{% endraw %}, the "+" modifiers that turn lstrip_blocks/trim_blocks off for one tag ({%+ … +%}),
// float literals with an exponent (1e16, 2.5e-7), and tests with arguments (test-arguments.ts).
import { tokenize } from "@huggingface/jinja";
import { extractTestArguments } from "./test-arguments.js";

type Token = ReturnType<typeof tokenize>[number];

/** A string literal the library's lexer reads back as `text` (it knows \\, \" and \uXXXX escapes). */
function stringLiteral(text: string): string {
  return `"${text.replace(/["\\]|[\x00-\x1f]/g, (c) => (c === '"' || c === "\\" ? `\\${c}` : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`))}"`;
}

/**
 * {% raw %} becomes an if-block around one string literal. Jinja2 (lexer.py) lstrips the raw tag's line, keeps the
 * newline after {% raw %} (trim_blocks does not apply there), lstrips the {% endraw %} line and trims after it.
 */
function rewriteRawBlocks(source: string): string {
  const raw = /\{%(-?)\s*raw\s*(-?)%\}([\s\S]*?)\{%(-?)\s*endraw\s*(-?)%\}/g;
  return source.replace(raw, (_all, openLeft: string, openRight: string, body: string, closeLeft: string, closeRight: string) => {
    let text = body;
    if (openRight) text = text.replace(/^\s+/, "");
    if (closeLeft) text = text.replace(/\s+$/, "");
    else text = text.replace(/(\n)[ \t]+$/, "$1");
    return `{%${openLeft} if true %}{{ ${stringLiteral(text)} }}{% endif ${closeRight}%}`;
  });
}

/** `{%+` keeps the whitespace before the tag, `+%}` the newline after it: an empty expression shields them. */
function rewritePlusModifiers(source: string): string {
  return source.replace(/\{%\+/g, '{{ "" }}{%').replace(/\+%\}/g, '%}{{ "" }}');
}

/** NumericLiteral followed by e/E, an optional sign and digits is one float literal (Python: 1e16 is a float). */
function mergeExponents(tokens: Token[]): Token[] {
  for (let i = 0; i + 1 < tokens.length; i++) {
    const number = tokens[i];
    const next = tokens[i + 1];
    if (number.type !== "NumericLiteral" || next.type !== "Identifier" || !/^[eE]\d*$/.test(next.value)) continue;
    let exponent = next.value.slice(1);
    let consumed = 1;
    if (exponent === "" && tokens[i + 2]?.type === "AdditiveBinaryOperator" && tokens[i + 3]?.type === "NumericLiteral") {
      exponent = tokens[i + 2].value + tokens[i + 3].value;
      consumed = 3;
    }
    if (!/^[+-]?\d+$/.test(exponent)) continue;
    // The parser makes a FloatLiteral only from a literal holding a ".".
    number.value = `${number.value.includes(".") ? number.value : `${number.value}.0`}e${exponent}`;
    tokens.splice(i + 1, consumed);
  }
  return tokens;
}

/** Tokenizes a chat template with transformers' settings (trim_blocks, lstrip_blocks) and the rewrites above. */
export function tokenizeTemplate(source: string): Token[] {
  const rewritten = rewritePlusModifiers(rewriteRawBlocks(source));
  return extractTestArguments(mergeExponents(tokenize(rewritten, { lstrip_blocks: true, trim_blocks: true })));
}
