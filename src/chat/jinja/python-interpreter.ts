// An @huggingface/jinja Interpreter whose observable behaviour follows Jinja2 in transformers'
// ImmutableSandboxedEnvironment: Python str() of output, Python operators (python-operators.ts), attribute rules
// (python-attributes.ts), Undefined errors (undefined-value.ts), Python iteration, and the filters and tests of
// python-filters.ts / python-tests.ts. The library's evaluator methods are private in its typings but ordinary
// methods at run time: we wrap them on one Interpreter instance, never on the shared prototype.
import { Interpreter } from "@huggingface/jinja";
import type { Environment } from "@huggingface/jinja";
import type { AstNode, BinaryNode, CallNode, DictNode, IdentifierNode, MemberNode, TestNode, ValueNode } from "./jinja-ast.js";
import { describeNode, valueNode } from "./jinja-ast.js";
import type { JinjaValue } from "./jinja-values.js";
import { BooleanValue, IntegerValue, ObjectValue, StringValue, isNone, isString, isUndefined } from "./jinja-values.js";
import { encodeKey } from "./dict-keys.js";
import { makeTuple } from "./generator-value.js";
import { ChatTemplateError } from "./python-errors.js";
import { pythonGetAttribute } from "./python-attributes.js";
import type { FilterContext } from "./python-filters.js";
import { jinja2FilterNames, pythonFilters } from "./python-filters.js";
import { asNumber, pythonBinary } from "./python-operators.js";
import { pythonStr } from "./python-str.js";
import { pythonTests } from "./python-tests.js";
import type { JinjaTest } from "./python-tests.js";
import { testArguments } from "./test-arguments.js";
import { makeUndefined, raiseUndefined } from "./undefined-value.js";
import type { LoopNode } from "./python-loop.js";
import { evaluatePythonFor, isLoopSignal, loopSignal } from "./python-loop.js";

interface InterpreterInternals {
  evaluate(node: AstNode | undefined, env: Environment): JinjaValue;
  evaluateBlock(statements: AstNode[], env: Environment): JinjaValue;
  evaluateBinaryExpression(node: BinaryNode, env: Environment): JinjaValue;
  evaluateMemberExpression(node: MemberNode, env: Environment): JinjaValue;
  evaluateIdentifier(node: IdentifierNode, env: Environment): JinjaValue;
  evaluateSliceExpression(object: JinjaValue, node: AstNode, env: Environment): JinjaValue;
  evaluateTestExpression(node: TestNode, env: Environment): JinjaValue;
  evaluateCallExpression(node: CallNode, env: Environment): JinjaValue;
  applyFilter(operand: JinjaValue, filter: AstNode, env: Environment): JinjaValue;
  evaluateArguments(args: AstNode[], env: Environment): [JinjaValue[], Map<string, JinjaValue>];
}

/** Statements whose None result means "no output"; other nodes are expressions, whose None prints "None". */
const silentStatements = new Set(["Set", "Macro", "Comment", "Break", "Continue", "If", "For", "CallStatement", "FilterStatement"]);
const noKeywords = new Map<string, JinjaValue>();
/** `x is filter` / `x is test`: whether x names a filter or test of this environment. */
const namingTests = new Map<string, JinjaTest>([
  ["filter", (v) => isString(v) && (pythonFilters.has(v.value) || jinja2FilterNames.has(v.value))],
  ["test", (v) => isString(v) && (pythonTests.has(v.value) || v.value === "filter" || v.value === "test")],
]);
/** Jinja2 checks filter names at run time inside if-blocks (compiler.py _filter_test_common). */
const unknownFilter = (name: string): ChatTemplateError => new ChatTemplateError("TemplateRuntimeError", `No filter named '${name}' found.`);

export function createPythonInterpreter(env: Environment): Interpreter {
  const interpreter = new Interpreter(env);
  const self = interpreter as unknown as InterpreterInternals;
  const base = {
    evaluate: self.evaluate.bind(interpreter),
    evaluateBinaryExpression: self.evaluateBinaryExpression.bind(interpreter),
    evaluateCallExpression: self.evaluateCallExpression.bind(interpreter),
    applyFilter: self.applyFilter.bind(interpreter),
  };

  self.evaluateIdentifier = (node, scope) => {
    const value = scope.lookupVariable(node.value) as JinjaValue;
    return isUndefined(value) ? makeUndefined(`'${node.value}' is undefined`) : value;
  };

  self.evaluateMemberExpression = (node, scope) => {
    const object = self.evaluate(node.object, scope);
    if (isUndefined(object)) raiseUndefined(object, describeNode(node.object));
    if (node.computed && node.property.type === "SliceExpression") return self.evaluateSliceExpression(object, node.property, scope);
    const byName = !node.computed && node.property.type === "Identifier";
    const key = byName ? new StringValue((node.property as IdentifierNode).value) : self.evaluate(node.property, scope);
    return pythonGetAttribute(object, key, !node.computed);
  };

  self.evaluateBlock = (statements, scope) => {
    let out = "";
    try {
      for (const statement of statements) {
        const value = self.evaluate(statement, scope);
        if (isString(value)) out += value.value;
        else if (isUndefined(value) || (isNone(value) && silentStatements.has(statement.type))) continue;
        else out += pythonStr(value);
      }
    } catch (signal) {
      if (isLoopSignal(signal)) signal.partial = out + signal.partial;
      throw signal;
    }
    return new StringValue(out);
  };

  self.evaluateBinaryExpression = (node, scope) => {
    const op = node.operator.value;
    if (op === "and" || op === "or") return base.evaluateBinaryExpression(node, scope);
    const left = self.evaluate(node.left, scope);
    const right = self.evaluate(node.right, scope);
    const result = pythonBinary(op, left, right, describeNode(node.left), describeNode(node.right));
    if (result !== undefined) return result;
    // Numbers: the library's arithmetic, on the values already computed.
    return base.evaluateBinaryExpression({ ...node, left: valueNode(asNumber(left)), right: valueNode(asNumber(right)) }, scope);
  };

  // Jinja2 evaluates the callee first; calling an Undefined raises its UndefinedError ('foo' is undefined).
  self.evaluateCallExpression = (node, scope) => {
    const callee = self.evaluate(node.callee, scope);
    if (isUndefined(callee)) raiseUndefined(callee, describeNode(node.callee));
    return base.evaluateCallExpression({ ...node, callee: valueNode(callee) }, scope);
  };

  self.evaluateTestExpression = (node, scope) => {
    const [name, argumentNodes] = testArguments(node.test.value);
    const test = pythonTests.get(name) ?? namingTests.get(name);
    if (!test) throw new ChatTemplateError("TemplateRuntimeError", `No test named '${name}' found.`);
    const operand = self.evaluate(node.operand, scope);
    const result = test(operand, argumentNodes.length > 0 ? self.evaluateArguments(argumentNodes, scope)[0] : []);
    return new BooleanValue(node.negate ? !result : result);
  };

  const filterContext: FilterContext = {
    applyFilter(value, name, args, kwargs) {
      const filter = pythonFilters.get(name);
      if (filter) return filter(value, args, kwargs, filterContext);
      if (!jinja2FilterNames.has(name)) throw unknownFilter(name);
      const callee: IdentifierNode = { type: "Identifier", value: name };
      if (args.length === 0 && kwargs.size === 0) return base.applyFilter(value, callee, env);
      const keywordNodes = [...kwargs].map(([key, v]) => ({ type: "KeywordArgumentExpression", key: { type: "Identifier", value: key }, value: valueNode(v) }));
      const call: CallNode = { type: "CallExpression", callee, args: [...args.map(valueNode), ...keywordNodes] };
      return base.applyFilter(value, call, env);
    },
    test(name) {
      const test = pythonTests.get(name);
      if (!test) throw new ChatTemplateError("TemplateRuntimeError", `No test named '${name}' found.`);
      return test;
    },
    getAttribute: (value, name) => pythonGetAttribute(value, /^-?\d+$/.test(name) ? new IntegerValue(Number(name)) : new StringValue(name), false),
  };

  self.applyFilter = (operand, filterNode, scope) => {
    const isCall = filterNode.type === "CallExpression";
    const nameNode = isCall ? (filterNode as CallNode).callee : filterNode;
    const name = nameNode.type === "Identifier" ? (nameNode as IdentifierNode).value : "";
    const filter = pythonFilters.get(name);
    if (!filter && !jinja2FilterNames.has(name)) throw unknownFilter(name);
    if (!filter) return base.applyFilter(operand, filterNode, scope);
    const [args, kwargs] = isCall ? self.evaluateArguments((filterNode as CallNode).args, scope) : [[], noKeywords];
    return filter(operand, args, kwargs, filterContext);
  };

  self.evaluate = (node, scope) => {
    switch (node?.type) {
      case "PyValue":
        return (node as ValueNode).value;
      case "For":
        return evaluatePythonFor(node as LoopNode, scope, self);
      case "Break":
        throw loopSignal("break");
      case "Continue":
        throw loopSignal("continue");
      case "ObjectLiteral": {
        // Python dict displays may have non-string keys ({0: 0}): see dict-keys.ts.
        const entries = new Map<string, JinjaValue>();
        for (const [key, value] of (node as DictNode).value) entries.set(encodeKey(self.evaluate(key, scope)), self.evaluate(value, scope));
        return new ObjectValue(entries);
      }
      case "TupleLiteral":
        // The library's for-loop unpacks only its lists: a tuple is one of them here (see generator-value.ts).
        return makeTuple(base.evaluate(node, scope).value as JinjaValue[]);
      default:
        return base.evaluate(node, scope);
    }
  };

  return interpreter;
}
