// Binary operators with Python's semantics where the library's differ: ~ (str() of both sides), == and != (deep,
// 1 == 1.0 == True), in, ordering of str/list, str + str (Markup-aware), str * int, str % args, int/float arithmetic
// (floor division and modulo as Python rounds them), and Python's TypeError messages.
import type { JinjaValue } from "./jinja-values.js";
import {
  ArrayValue, BooleanValue, FloatValue, IntegerValue, StringValue, isBoolean, isFloat, isInteger, isNone, isNumber, isSequence, isString,
  isUndefined,
} from "./jinja-values.js";
import { concatMarkup, isMarkup } from "./markup-value.js";
import { ChatTemplateError, pyTypeError } from "./python-errors.js";
import { pythonCompare, pythonEquals, pythonTypeName } from "./python-equality.js";
import { pythonPrintf } from "./python-printf.js";
import { pythonStr } from "./python-str.js";
import { pythonContains } from "./python-tests.js";
import { raiseUndefined } from "./undefined-value.js";

const ordering = new Set(["<", ">", "<=", ">="]);

/** The result of `left op right`, or undefined when the library computes it as Python does (numbers, list + list). */
export function pythonBinary(op: string, left: JinjaValue, right: JinjaValue, leftName?: string, rightName?: string): JinjaValue | undefined {
  switch (op) {
    case "~": return new StringValue(pythonStr(left) + pythonStr(right));
    case "==": return new BooleanValue(pythonEquals(left, right));
    case "!=": return new BooleanValue(!pythonEquals(left, right));
    case "in": return new BooleanValue(pythonContains(right, left));
    case "not in": return new BooleanValue(!pythonContains(right, left));
  }
  if (isUndefined(left)) raiseUndefined(left, leftName);
  if (isUndefined(right)) raiseUndefined(right, rightName);
  const unsupported = (): never => {
    throw pyTypeError(`unsupported operand type(s) for ${op}: '${pythonTypeName(left)}' and '${pythonTypeName(right)}'`);
  };
  if (ordering.has(op)) {
    const c = pythonCompare(left, right);
    if (c === undefined) throw pyTypeError(`'${op}' not supported between instances of '${pythonTypeName(left)}' and '${pythonTypeName(right)}'`);
    return new BooleanValue(op === "<" ? c < 0 : op === ">" ? c > 0 : op === "<=" ? c <= 0 : c >= 0);
  }
  if (op === "+" && (isString(left) || isString(right))) {
    if (!isString(left)) return unsupported();
    if (!isString(right)) throw pyTypeError(`can only concatenate str (not "${pythonTypeName(right)}") to str`);
    return isMarkup(left) || isMarkup(right) ? concatMarkup(left, right) : new StringValue(left.value + right.value);
  }
  if (op === "%" && isString(left)) return new StringValue(pythonPrintf(left.value, right));
  if (op === "*" && (isString(left) || isString(right) || isSequence(left) || isSequence(right))) {
    const [repeated, count] = isInteger(right) ? [left, right.value] : isInteger(left) ? [right, left.value] : [left, Number.NaN];
    if (isString(repeated) && !Number.isNaN(count)) return new StringValue(repeated.value.repeat(Math.max(0, count)));
    if (isSequence(repeated) && !Number.isNaN(count)) return new ArrayValue(Array.from({ length: Math.max(0, count) }, () => repeated.value).flat());
    return unsupported();
  }
  const arithmetic = numericOperation(op, left, right);
  if (arithmetic !== undefined) return arithmetic;
  if (op === "+" && isSequence(left) && !isSequence(right)) throw pyTypeError(`can only concatenate list (not "${pythonTypeName(right)}") to list`);
  if (isNone(left) || isNone(right) || isSequence(left) !== isSequence(right)) return unsupported();
  return undefined;
}

const numericValue = (v: JinjaValue): number | undefined => (isNumber(v) ? v.value : isBoolean(v) ? Number(v.value) : undefined);

/** int/float arithmetic as Python does it: / is true division, // and % floor (the result takes the divisor's sign). */
function numericOperation(op: string, left: JinjaValue, right: JinjaValue): JinjaValue | undefined {
  const a = numericValue(left);
  const b = numericValue(right);
  if (a === undefined || b === undefined) return undefined;
  const float = isFloat(left) || isFloat(right);
  const number = (x: number, asFloat = float): JinjaValue => (asFloat ? new FloatValue(x) : new IntegerValue(x));
  // CPython's messages for each operator and operand type.
  const zeroMessages: Record<string, [string, string]> = {
    "/": ["division by zero", "float division by zero"],
    "//": ["integer division or modulo by zero", "float floor division by zero"],
    "%": ["integer modulo by zero", "float modulo"],
  };
  const divisor = (): number => {
    if (b !== 0) return b;
    throw new ChatTemplateError("ZeroDivisionError", zeroMessages[op][float ? 1 : 0]);
  };
  switch (op) {
    case "+": return number(a + b);
    case "-": return number(a - b);
    case "*": return number(a * b);
    case "/": return number(a / divisor(), true);
    case "//": return number(Math.floor(a / divisor()));
    case "%": {
      const d = divisor();
      return number(a - d * Math.floor(a / d));
    }
    case "**":
      if (a === 0 && b < 0) throw new ChatTemplateError("ZeroDivisionError", "0.0 cannot be raised to a negative power");
      return number(a ** b, float || b < 0);
    default:
      return undefined;
  }
}

/** Python's bool is an int in arithmetic (True + 1 == 2); the library refuses booleans there. */
export const asNumber = (v: JinjaValue): JinjaValue => (isBoolean(v) ? new IntegerValue(v.value ? 1 : 0) : v);
