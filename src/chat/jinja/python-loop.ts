// {% for %} as Jinja2 runs it: Python iteration (strings, dict keys, Undefined as empty, None as TypeError), tuple
// unpacking with Python's errors, `if` filters applied before loop.length is known, {% break %}/{% continue %}, the
// else block, and a `loop` object whose attributes are computed when read (the library's own for-loop builds every
// attribute as a fresh value on each iteration, and throws Errors for break/continue).
import { Environment } from "@huggingface/jinja";
import type { AstNode, ForNode, IdentifierNode, SelectNode } from "./jinja-ast.js";
import type { JinjaValue } from "./jinja-values.js";
import {
  BooleanValue, FunctionValue, IntegerValue, ObjectValue, StringValue, UndefinedValue, isSequence, isString, truthy,
} from "./jinja-values.js";
import { ChatTemplateError, pyTypeError } from "./python-errors.js";
import { pythonTypeName } from "./python-equality.js";
import { pythonIterate } from "./python-iterate.js";

/**
 * Thrown by {% break %} / {% continue %} and caught by the innermost loop: plain objects, no stack to capture.
 * Blocks the signal passes through prepend what they rendered before it to `partial`: Jinja2 keeps that output.
 */
export interface LoopSignal {
  kind: "break" | "continue";
  partial: string;
}
export const isLoopSignal = (value: unknown): value is LoopSignal =>
  typeof value === "object" && value !== null && (value as LoopSignal).partial !== undefined && "kind" in value;
export const loopSignal = (kind: LoopSignal["kind"]): LoopSignal => ({ kind, partial: "" });

/** jinja2.runtime.LoopContext's attributes, computed on demand from the position in the filtered items. */
export class LoopAttributes extends Map<string, JinjaValue> {
  index = 0;
  constructor(private readonly items: JinjaValue[]) {
    super();
  }
  override has(name: string): boolean {
    return this.get(name) !== undefined;
  }
  override get(name: string): JinjaValue | undefined {
    const { index, items } = this;
    const n = items.length;
    switch (name) {
      case "index": return new IntegerValue(index + 1);
      case "index0": return new IntegerValue(index);
      case "revindex": return new IntegerValue(n - index);
      case "revindex0": return new IntegerValue(n - index - 1);
      case "first": return new BooleanValue(index === 0);
      case "last": return new BooleanValue(index === n - 1);
      case "length": return new IntegerValue(n);
      case "depth": return new IntegerValue(1);
      case "depth0": return new IntegerValue(0);
      case "previtem": return index > 0 ? items[index - 1] : new UndefinedValue(undefined);
      case "nextitem": return index < n - 1 ? items[index + 1] : new UndefinedValue(undefined);
      case "cycle":
        return new FunctionValue((args) => {
          if (args.length === 0) throw pyTypeError("no items for cycling given");
          return args[index % args.length];
        });
      default: return undefined;
    }
  }
  override *entries(): MapIterator<[string, JinjaValue]> {
    for (const name of ["index", "index0", "revindex", "revindex0", "first", "last", "length", "depth", "depth0"]) {
      yield [name, this.get(name) as JinjaValue];
    }
  }
  override [Symbol.iterator](): MapIterator<[string, JinjaValue]> {
    return this.entries();
  }
  override get size(): number {
    return 9;
  }
}

export interface LoopEvaluator {
  evaluate(node: AstNode, scope: Environment): JinjaValue;
  evaluateBlock(statements: AstNode[], scope: Environment): JinjaValue;
}

function bindTarget(target: AstNode, item: JinjaValue, scope: Environment): void {
  if (target.type === "Identifier") {
    scope.setVariable((target as IdentifierNode).value, item as never);
    return;
  }
  const names = (target as unknown as { value: IdentifierNode[] }).value;
  if (!isSequence(item) && !isString(item)) throw pyTypeError(`cannot unpack non-iterable ${pythonTypeName(item)} object`);
  const values = pythonIterate(item);
  if (values.length > names.length) throw new ChatTemplateError("ValueError", `too many values to unpack (expected ${names.length})`);
  if (values.length < names.length) {
    throw new ChatTemplateError("ValueError", `not enough values to unpack (expected ${names.length}, got ${values.length})`);
  }
  names.forEach((name, i) => scope.setVariable(name.value, values[i] as never));
}

export type LoopNode = ForNode & { loopvar: AstNode; body: AstNode[]; defaultBlock: AstNode[] };

/**
 * Runs a for-loop. Each iteration gets a fresh scope ({% set %} in the body lasts one iteration); the else block
 * runs when no iteration reached the end of the body (none at all, or each one left by break/continue).
 */
export function evaluatePythonFor(node: LoopNode, outer: Environment, run: LoopEvaluator): JinjaValue {
  const scope = new Environment(outer);
  const select = node.iterable.type === "SelectExpression" ? (node.iterable as SelectNode) : undefined;
  let items = pythonIterate(run.evaluate(select ? select.lhs : node.iterable, scope));
  if (select) {
    items = items.filter((item) => {
      const probe = new Environment(scope);
      bindTarget(node.loopvar, item, probe);
      return truthy(run.evaluate(select.test, probe));
    });
  }
  let out = "";
  let completed = false;
  if (items.length > 0) {
    const attributes = new LoopAttributes(items);
    scope.setVariable("loop", new ObjectValue(attributes) as never);
    for (let i = 0; i < items.length; i++) {
      attributes.index = i;
      const iteration = new Environment(scope);
      bindTarget(node.loopvar, items[i], iteration);
      try {
        out += run.evaluateBlock(node.body, iteration).value as string;
        completed = true;
      } catch (signal) {
        if (!isLoopSignal(signal)) throw signal;
        out += signal.partial;
        if (signal.kind === "break") break;
      }
    }
  }
  if (!completed) out += run.evaluateBlock(node.defaultBlock, new Environment(outer)).value as string;
  return new StringValue(out);
}
