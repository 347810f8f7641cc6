// Jinja2 tests may take arguments: `x is divisibleby 3`, `x is sameas none`, `x is eq(1)`, `x is in ['a']`. The
// library's parser takes only a bare test name, so the argument tokens are cut out and parsed on their own, and the
// test name becomes `name\0id`; the interpreter finds the arguments' AST under that id (testArguments).
import { parse } from "@huggingface/jinja";
import type { tokenize } from "@huggingface/jinja";
import type { AstNode, CallNode } from "./jinja-ast.js";

type Token = ReturnType<typeof tokenize>[number];

const argumentsById = new Map<string, AstNode[]>();
let nextId = 0;
const marker = "\u0000";
const opening: Record<string, string> = { OpenParen: "CloseParen", OpenSquareBracket: "CloseSquareBracket", OpenCurlyBracket: "CloseCurlyBracket" };
/** Names that end a test rather than start its argument (jinja2/parser.py parse_test). */
const notArguments = new Set(["else", "or", "and"]);

/** Index just past the bracketed group that opens at `start`. */
function skipGroup(tokens: Token[], start: number): number {
  const stack: string[] = [];
  let i = start;
  do {
    const type = tokens[i].type;
    if (type in opening) stack.push(opening[type]);
    else if (type === stack.at(-1)) stack.pop();
    i++;
  } while (stack.length > 0 && i < tokens.length);
  return i;
}

/** Index just past a primary expression and its postfix (.name, [key], (args)), as parse_primary/parse_postfix read it. */
function skipPrimary(tokens: Token[], start: number): number {
  let i = start;
  const first = tokens[i];
  if (first.type in opening) i = skipGroup(tokens, i);
  else if (first.type === "StringLiteral") while (tokens[i]?.type === "StringLiteral") i++;
  else i++;
  for (;;) {
    const t = tokens[i];
    if (t?.type === "Dot" && tokens[i + 1]?.type === "Identifier") i += 2;
    else if (t?.type === "OpenSquareBracket" || t?.type === "OpenParen") i = skipGroup(tokens, i);
    else return i;
  }
}

const token = (value: string, type: string): Token => ({ value, type }) as Token;

function parseArguments(argumentTokens: Token[]): AstNode[] {
  const program = parse([
    token("{{", "OpenExpression"), token("arguments", "Identifier"), token("(", "OpenParen"),
    ...argumentTokens,
    token(")", "CloseParen"), token("}}", "CloseExpression"),
  ]) as unknown as { body: CallNode[] };
  return program.body[0].args;
}

/** Rewrites `is [not] name <argument>` and `is [not] name(<arguments>)` in place. */
export function extractTestArguments(tokens: Token[]): Token[] {
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i].type !== "Identifier" || tokens[i].value !== "is") continue;
    const nameAt = tokens[i + 1]?.type === "Identifier" && tokens[i + 1].value === "not" ? i + 2 : i + 1;
    const name = tokens[nameAt];
    const next = tokens[nameAt + 1];
    if (name?.type !== "Identifier" || next === undefined) continue;
    let end: number;
    let argumentTokens: Token[];
    if (next.type === "OpenParen") {
      end = skipGroup(tokens, nameAt + 1);
      argumentTokens = tokens.slice(nameAt + 2, end - 1);
    } else if (["StringLiteral", "NumericLiteral", "OpenSquareBracket", "OpenCurlyBracket"].includes(next.type) || (next.type === "Identifier" && !notArguments.has(next.value))) {
      end = skipPrimary(tokens, nameAt + 1);
      argumentTokens = tokens.slice(nameAt + 1, end);
    } else continue;
    const id = `${name.value}${marker}${nextId++}`;
    argumentsById.set(id, parseArguments(argumentTokens));
    tokens.splice(nameAt, end - nameAt, token(id, "Identifier"));
  }
  return tokens;
}

/** The test name and its argument expressions for a test identifier written by extractTestArguments. */
export function testArguments(testName: string): [string, AstNode[]] {
  const at = testName.indexOf(marker);
  if (at < 0) return [testName, []];
  return [testName.slice(0, at), argumentsById.get(testName) ?? []];
}
