// Python sequence types the library lacks. Jinja2's map/select/reject/selectattr/rejectattr filters return
// generators and |reverse a list_reverseiterator, not lists: such an iterator is always truthy, has no len(), and
// json.dumps refuses it ("Object of type generator is not JSON serializable"). Tuples (dict items, dictsort pairs,
// tuple literals) print as (a, b).
import type { JinjaArray, JinjaValue } from "./jinja-values.js";
import { ArrayValue, BooleanValue } from "./jinja-values.js";

class GeneratorValue extends ArrayValue {
  pythonType = "generator";
  override __bool__(): ReturnType<JinjaValue["__bool__"]> {
    return new BooleanValue(true);
  }
}

/** A Python tuple: a list to the library (so for-loops unpack it), printed as (a, b). */
class TupleValue extends ArrayValue {}

export const makeTuple = (items: JinjaValue[]): JinjaArray => new TupleValue(items);
export const isTuple = (value: JinjaValue): boolean => value instanceof TupleValue;

/** An iterator over `items`; `pythonType` is its Python class name, for error messages. */
export function makeGenerator(items: JinjaValue[], pythonType = "generator"): JinjaArray {
  const generator = new GeneratorValue(items);
  generator.pythonType = pythonType;
  return generator;
}

export function isGenerator(value: JinjaValue): boolean {
  return value instanceof GeneratorValue;
}

/** "generator", "list_reverseiterator"…, or undefined for anything that is not such an iterator. */
export function generatorType(value: JinjaValue): string | undefined {
  return value instanceof GeneratorValue ? value.pythonType : undefined;
}
