// Typed access to @huggingface/jinja's runtime values. The package exports only Environment/Interpreter,
// so the value classes are recovered from values it builds itself (Environment.set converts plain JS values).
import { Environment } from "@huggingface/jinja";
import { PythonFloat } from "./python-json-parse.js";

/** A runtime value of the interpreter (its own union type is not exported, and its members share one shape). */
export interface JinjaValue {
  type: string;
  value: unknown;
  __bool__(): { value: boolean };
  toString(): string;
}
export type JinjaString = JinjaValue & { value: string };
export type JinjaNumber = JinjaValue & { value: number };
export type JinjaBoolean = JinjaValue & { value: boolean };
export type JinjaArray = JinjaValue & { value: JinjaValue[] };
export type JinjaObject = JinjaValue & { value: Map<string, JinjaValue> };
export type JinjaFunction = JinjaValue & { value: (args: JinjaValue[], scope: Environment) => JinjaValue };

type ValueClass<V, T extends JinjaValue> = new (value: V) => T;

function classOf<V, T extends JinjaValue>(sample: unknown): ValueClass<V, T> {
  const probe = new Environment();
  probe.set("sample", sample);
  return (probe.lookupVariable("sample") as JinjaValue).constructor as ValueClass<V, T>;
}

export const StringValue = classOf<string, JinjaString>("");
export const IntegerValue = classOf<number, JinjaNumber>(1);
export const FloatValue = classOf<number, JinjaNumber>(1.5);
export const BooleanValue = classOf<boolean, JinjaBoolean>(true);
export const ArrayValue = classOf<JinjaValue[], JinjaArray>([]);
export const ObjectValue = classOf<Map<string, JinjaValue>, JinjaObject>({});
export const FunctionValue = classOf<JinjaFunction["value"], JinjaFunction>(() => null);
export const NullValue = classOf<null, JinjaValue & { value: null }>(null);
export const UndefinedValue = classOf<undefined, JinjaValue & { value: undefined }>(undefined);

/** A JS value as the interpreter sees it: objects become dicts, arrays lists, PythonFloat floats. */
export function toJinjaValue(value: unknown): JinjaValue {
  if (value instanceof PythonFloat) return new FloatValue(value.value);
  if (Array.isArray(value)) return new ArrayValue(value.map(toJinjaValue));
  if (typeof value === "object" && value !== null) {
    return new ObjectValue(new Map(Object.entries(value).map(([k, v]) => [k, toJinjaValue(v)])));
  }
  switch (typeof value) {
    case "string": return new StringValue(value);
    case "boolean": return new BooleanValue(value);
    case "number": return Number.isInteger(value) ? new IntegerValue(value) : new FloatValue(value);
    case "undefined": return new UndefinedValue(undefined);
  }
  if (value === null) return new NullValue(null);
  const probe = new Environment();
  probe.set("value", value);
  return probe.lookupVariable("value") as JinjaValue;
}

export const isString = (v: JinjaValue): v is JinjaString => v.type === "StringValue";
export const isInteger = (v: JinjaValue): v is JinjaNumber => v.type === "IntegerValue";
export const isFloat = (v: JinjaValue): v is JinjaNumber => v.type === "FloatValue";
export const isNumber = (v: JinjaValue): v is JinjaNumber => isInteger(v) || isFloat(v);
export const isBoolean = (v: JinjaValue): v is JinjaBoolean => v.type === "BooleanValue";
export const isNone = (v: JinjaValue): boolean => v.type === "NullValue";
export const isUndefined = (v: JinjaValue): boolean => v.type === "UndefinedValue";
export const isFunction = (v: JinjaValue): v is JinjaFunction => v.type === "FunctionValue";
/** Lists and tuples (TupleValue extends ArrayValue), and the generators of generator-value.ts. */
export const isSequence = (v: JinjaValue): v is JinjaArray => v instanceof ArrayValue;
/** Dicts and the keyword-argument bags the interpreter passes to callables (KeywordArgumentsValue extends ObjectValue). */
export const isMapping = (v: JinjaValue): v is JinjaObject => v instanceof ObjectValue;
export const isNamespace = (v: JinjaValue): v is JinjaObject => v.type === "NamespaceValue";
export const isKeywordArguments = (v: JinjaValue): v is JinjaObject => v.type === "KeywordArgumentsValue";

/** Python truthiness, as the library computes it (empty list/dict/string are false). */
export const truthy = (v: JinjaValue): boolean => v.__bool__().value;

/** Splits a call's arguments into positional ones and the keyword bag the interpreter appends last. */
export function splitArguments(args: JinjaValue[]): [JinjaValue[], Map<string, JinjaValue>] {
  const last = args.at(-1);
  if (last !== undefined && isKeywordArguments(last)) return [args.slice(0, -1), last.value];
  return [args, new Map()];
}
