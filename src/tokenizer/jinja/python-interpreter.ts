// An @huggingface/jinja Interpreter whose observable behaviour follows Jinja2 in transformers'
// ImmutableSandboxedEnvironment: Python str()/==/in/+, Jinja2's Undefined rules and messages, Python iteration,
// Python str methods, and the filters/tests of python-filters.ts and python-tests.ts. The library's evaluator
// methods are private in its typings but ordinary methods at run time; we wrap them on one instance, never globally.
import { Interpreter } from "@huggingface/jinja";
import type { Environment } from "@huggingface/jinja";
import type { AstNode, BinaryNode, CallNode, ForNode, IdentifierNode, IterableNode, MemberNode, SelectNode, TestNode, ValueNode } from "./jinja-ast.js";
import { describeNode, valueNode } from "./jinja-ast.js";
import type { JinjaValue } from "./jinja-values.js";
import {
  ArrayValue, BooleanValue, FunctionValue, IntegerValue, StringValue, UndefinedValue, isInteger, isMapping, isNamespace, isNone,
  isSequence, isString, isUndefined,
} from "./jinja-values.js";
import { isGenerator } from "./generator-value.js";
import { concatMarkup, isMarkup } from "./markup-value.js";
import { ChatTemplateError, pyTypeError, pyUndefinedError } from "./python-errors.js";
import { pythonPrintf } from "./python-printf.js";
import { pythonCompare, pythonEquals, pythonTypeName } from "./python-equality.js";
import type { FilterContext } from "./python-filters.js";
import { pythonFilters, pythonIterate } from "./python-filters.js";
import { pythonRepr, pythonStr } from "./python-str.js";
import { stringMethod } from "./python-string-methods.js";
import { pythonContains, pythonTests } from "./python-tests.js";
import type { JinjaTest } from "./python-tests.js";

interface InterpreterInternals {
  evaluate(node: AstNode | undefined, env: Environment): JinjaValue;
  evaluateBlock(statements: AstNode[], env: Environment): JinjaValue;
  evaluateBinaryExpression(node: BinaryNode, env: Environment): JinjaValue;
  evaluateMemberExpression(node: MemberNode, env: Environment): JinjaValue;
  evaluateIdentifier(node: IdentifierNode, env: Environment): JinjaValue;
  evaluateSliceExpression(object: JinjaValue, node: AstNode, env: Environment): JinjaValue;
  evaluateTestExpression(node: TestNode, env: Environment): JinjaValue;
  applyFilter(operand: JinjaValue, filter: AstNode, env: Environment): JinjaValue;
  evaluateCallExpression(node: CallNode, env: Environment): JinjaValue;
  evaluateArguments(args: AstNode[], env: Environment): [JinjaValue[], Map<string, JinjaValue>];
}

/** Statements whose None result is "no output"; every other node is an expression, whose None prints "None". */
const silentStatements = new Set(["Set", "Macro", "Comment", "Break", "Continue", "If", "For", "CallStatement", "FilterStatement"]);
/** str methods the library implements as Python does; the rest come from python-string-methods.ts. */
const libraryStringMethods = new Set(["split", "replace", "startswith", "endswith", "title"]);
const dictMethods = new Set(["get", "items", "keys", "values"]);
const mutatingMethods = new Set(["append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse", "update", "popitem", "setdefault"]);

/** list.index / list.count, the read-only list methods. */
function listMethod(items: JinjaValue[], name: string): JinjaValue | undefined {
  if (name === "count") return new FunctionValue(([x]) => new IntegerValue(items.filter((item) => pythonEquals(item, x)).length));
  if (name !== "index") return undefined;
  return new FunctionValue(([x]) => {
    const i = items.findIndex((item) => pythonEquals(item, x));
    if (i < 0) throw new ChatTemplateError("ValueError", `${pythonRepr(x)} is not in list`);
    return new IntegerValue(i);
  });
}
const arithmetic = new Set(["+", "-", "*", "/", "//", "%", "**"]);
const ordering = new Set(["<", ">", "<=", ">="]);

export function createPythonInterpreter(env: Environment): Interpreter {
  const interpreter = new Interpreter(env);
  const self = interpreter as unknown as InterpreterInternals;
  const base = {
    evaluate: self.evaluate.bind(interpreter),
    evaluateBinaryExpression: self.evaluateBinaryExpression.bind(interpreter),
    evaluateTestExpression: self.evaluateTestExpression.bind(interpreter),
    applyFilter: self.applyFilter.bind(interpreter),
    evaluateCallExpression: self.evaluateCallExpression.bind(interpreter),
  };
  /** Why a value is Undefined, and what Jinja2 raises when it is used: UndefinedError, or SecurityError (sandbox). */
  const undefinedHints = new WeakMap<JinjaValue, { type: string; message: string }>();
  const wrappedLoops = new WeakMap<AstNode, AstNode>();

  const undefinedValue = (message: string, type = "UndefinedError"): JinjaValue => {
    const value = new UndefinedValue(undefined);
    undefinedHints.set(value, { type, message });
    return value;
  };
  const failUndefined = (value: JinjaValue, node?: AstNode): never => {
    const hint = undefinedHints.get(value);
    if (hint) throw new ChatTemplateError(hint.type, hint.message);
    const name = node ? describeNode(node) : undefined;
    throw pyUndefinedError(name ? `'${name}' is undefined` : "value is undefined");
  };

  function getAttribute(object: JinjaValue, key: JinjaValue, byDot: boolean): JinjaValue {
    const keyText = isString(key) ? key.value : undefined;
    // ImmutableSandboxedEnvironment refuses methods that modify a list or dict (jinja2/sandbox.py).
    const unsafe = (owner: string): JinjaValue | undefined =>
      keyText !== undefined && mutatingMethods.has(keyText)
        ? undefinedValue(`access to attribute '${keyText}' of '${owner}' object is unsafe.`, "SecurityError")
        : undefined;
    const missing = (): JinjaValue => {
      const owner = isNone(object) ? "'None'" : `'${pythonTypeName(object)} object'`;
      return undefinedValue(keyText !== undefined ? `${owner} has no attribute '${keyText}'` : `${owner} has no element ${pythonStr(key)}`);
    };
    if (isUndefined(object)) return failUndefined(object);
    if (isMapping(object) && keyText !== undefined && byDot && mutatingMethods.has(keyText)) return unsafe("dict") ?? missing();
    if (isMapping(object)) {
      const builtins = (object as unknown as { builtins: Map<string, JinjaValue> }).builtins;
      if (keyText !== undefined && byDot && dictMethods.has(keyText)) return builtins.get(keyText) ?? missing();
      return (keyText !== undefined ? object.value.get(keyText) : undefined) ?? (keyText !== undefined && dictMethods.has(keyText) ? builtins.get(keyText) : undefined) ?? missing();
    }
    if (isNamespace(object)) return (keyText !== undefined ? (object.value as Map<string, JinjaValue>).get(keyText) : undefined) ?? missing();
    if (isSequence(object) && !isGenerator(object)) {
      if (keyText !== undefined) return listMethod(object.value, keyText) ?? unsafe("list") ?? missing();
      if (!isInteger(key)) return missing();
      return object.value.at(key.value) ?? missing();
    }
    if (isString(object)) {
      if (isInteger(key)) {
        const chars = Array.from(object.value);
        const ch = chars.at(key.value);
        return ch === undefined ? missing() : new StringValue(ch);
      }
      if (keyText === undefined) return missing();
      const method = stringMethod(object.value, keyText);
      if (method) return method;
      if (libraryStringMethods.has(keyText)) {
        return (object as unknown as { builtins: Map<string, JinjaValue> }).builtins.get(keyText) ?? missing();
      }
    }
    return missing();
  }

  self.evaluateIdentifier = (node, scope) => {
    const value = scope.lookupVariable(node.value) as JinjaValue;
    return isUndefined(value) ? undefinedValue(`'${node.value}' is undefined`) : value;
  };

  self.evaluateMemberExpression = (node, scope) => {
    const object = self.evaluate(node.object, scope);
    if (isUndefined(object)) return failUndefined(object, node.object);
    if (node.computed && node.property.type === "SliceExpression") return self.evaluateSliceExpression(object, node.property, scope);
    let key: JinjaValue;
    if (node.computed) key = self.evaluate(node.property, scope);
    else if (node.property.type === "IntegerLiteral") key = self.evaluate(node.property, scope);
    else key = new StringValue((node.property as IdentifierNode).value);
    return getAttribute(object, key, !node.computed);
  };

  self.evaluateBlock = (statements, scope) => {
    let out = "";
    for (const statement of statements) {
      const value = self.evaluate(statement, scope);
      if (isString(value)) out += value.value;
      else if (isUndefined(value) || (isNone(value) && silentStatements.has(statement.type))) continue;
      else out += pythonStr(value);
    }
    return new StringValue(out);
  };

  self.evaluateBinaryExpression = (node, scope) => {
    const op = node.operator.value;
    if (op === "and" || op === "or") return base.evaluateBinaryExpression(node, scope);
    const left = self.evaluate(node.left, scope);
    const right = self.evaluate(node.right, scope);
    switch (op) {
      case "~": return new StringValue(pythonStr(left) + pythonStr(right));
      case "==": return new BooleanValue(pythonEquals(left, right));
      case "!=": return new BooleanValue(!pythonEquals(left, right));
      case "in": return new BooleanValue(pythonContains(right, left));
      case "not in": return new BooleanValue(!pythonContains(right, left));
    }
    if (arithmetic.has(op) || ordering.has(op)) {
      if (isUndefined(left)) failUndefined(left, node.left);
      if (isUndefined(right)) failUndefined(right, node.right);
    }
    const unsupported = (): never => {
      throw pyTypeError(`unsupported operand type(s) for ${op}: '${pythonTypeName(left)}' and '${pythonTypeName(right)}'`);
    };
    if (ordering.has(op)) {
      const c = pythonCompare(left, right);
      if (c === undefined) throw pyTypeError(`'${op}' not supported between instances of '${pythonTypeName(left)}' and '${pythonTypeName(right)}'`);
      return new BooleanValue(op === "<" ? c < 0 : op === ">" ? c > 0 : op === "<=" ? c <= 0 : c >= 0);
    }
    if (op === "+" && (isString(left) || isString(right))) {
      if (isString(left) && isString(right)) {
        return isMarkup(left) || isMarkup(right) ? concatMarkup(left, right) : new StringValue(left.value + right.value);
      }
      if (isString(left)) throw pyTypeError(`can only concatenate str (not "${pythonTypeName(right)}") to str`);
      unsupported();
    }
    if (op === "%" && isString(left)) return new StringValue(pythonPrintf(left.value, right));
    if (op === "*" && (isString(left) || isString(right) || isSequence(left) || isSequence(right))) {
      const [seq, count] = isInteger(right) ? [left, right.value] : isInteger(left) ? [right, left.value] : [left, NaN];
      if (Number.isNaN(count)) unsupported();
      if (isString(seq)) return new StringValue(seq.value.repeat(Math.max(0, count)));
      if (isSequence(seq)) return new ArrayValue(Array.from({ length: Math.max(0, count) }, () => seq.value).flat());
    }
    if (isNone(left) || isNone(right)) unsupported();
    const evaluated: BinaryNode = { type: node.type, operator: node.operator, left: valueNode(left), right: valueNode(right) };
    return base.evaluateBinaryExpression(evaluated, scope);
  };

  // Jinja2 evaluates the callee first; calling an Undefined raises its UndefinedError ('foo' is undefined).
  self.evaluateCallExpression = (node, scope) => {
    const callee = self.evaluate(node.callee, scope);
    if (isUndefined(callee)) failUndefined(callee, node.callee);
    return base.evaluateCallExpression({ type: node.type, callee: valueNode(callee), args: node.args }, scope);
  };

  const testByName = (name: string): JinjaTest => {
    const test = pythonTests.get(name);
    if (!test) throw new Error(`No test named '${name}'.`);
    return test;
  };

  self.evaluateTestExpression = (node, scope) => {
    const test = pythonTests.get(node.test.value);
    if (!test) return base.evaluateTestExpression(node, scope);
    const result = test(self.evaluate(node.operand, scope), []);
    return new BooleanValue(node.negate ? !result : result);
  };

  const filterContext: FilterContext = {
    applyFilter(value, name, args, kwargs) {
      const filter = pythonFilters.get(name);
      if (filter) return filter(value, args, kwargs, filterContext);
      const kwargNodes = [...kwargs].map(([key, v]) => ({ type: "KeywordArgumentExpression", key: { type: "Identifier", value: key }, value: valueNode(v) }));
      const call: CallNode = { type: "CallExpression", callee: { type: "Identifier", value: name } as IdentifierNode, args: [...args.map(valueNode), ...kwargNodes] };
      return base.applyFilter(value, args.length + kwargs.size === 0 ? call.callee : call, env);
    },
    test: testByName,
    getAttribute: (value, name) => getAttribute(value, /^-?\d+$/.test(name) ? new IntegerValue(Number(name)) : new StringValue(name), false),
  };

  self.applyFilter = (operand, filterNode, scope) => {
    const isCall = filterNode.type === "CallExpression";
    const nameNode = isCall ? (filterNode as CallNode).callee : filterNode;
    const filter = nameNode.type === "Identifier" ? pythonFilters.get((nameNode as IdentifierNode).value) : undefined;
    if (!filter) return base.applyFilter(operand, filterNode, scope);
    const [args, kwargs] = isCall ? self.evaluateArguments((filterNode as CallNode).args, scope) : [[], new Map<string, JinjaValue>()];
    return filter(operand, args, kwargs, filterContext);
  };

  self.evaluate = (node, scope) => {
    if (node === undefined) return base.evaluate(node, scope);
    switch (node.type) {
      case "PyValue":
        return (node as ValueNode).value;
      case "PyIterable": {
        const value = self.evaluate((node as IterableNode).inner, scope);
        if (isMapping(value) || (isSequence(value) && !isGenerator(value))) return value;
        return new ArrayValue(pythonIterate(value));
      }
      case "For":
        return base.evaluate(pythonLoop(node as ForNode), scope);
      case "TupleLiteral": {
        // The library's for-loop unpacks only lists; a tuple is a list here.
        const tuple = base.evaluate(node, scope);
        return new ArrayValue(tuple.value as JinjaValue[]);
      }
      default:
        return base.evaluate(node, scope);
    }
  };

  /** The same for-loop with its iterable evaluated under Python's iteration rules (see "PyIterable"). */
  function pythonLoop(node: ForNode): AstNode {
    let wrapped = wrappedLoops.get(node);
    if (!wrapped) {
      const wrap = (inner: AstNode): IterableNode => ({ type: "PyIterable", inner });
      const iterable = node.iterable.type === "SelectExpression"
        ? { ...(node.iterable as SelectNode), lhs: wrap((node.iterable as SelectNode).lhs) }
        : wrap(node.iterable);
      wrapped = { ...node, iterable } as ForNode;
      wrappedLoops.set(node, wrapped);
    }
    return wrapped;
  }

  return interpreter;
}
