// Python sequence types the library lacks. Jinja2's map/select/reject/selectattr/rejectattr filters return
// generators, not lists: a generator is always truthy, has no len(), and json.dumps refuses it ("Object of type
// generator is not JSON serializable"). Tuples (dict items, dictsort pairs, tuple literals) print as (a, b).
import type { JinjaArray, JinjaValue } from "./jinja-values.js";
import { ArrayValue, BooleanValue } from "./jinja-values.js";

class GeneratorValue extends ArrayValue {
  override __bool__(): ReturnType<JinjaValue["__bool__"]> {
    return new BooleanValue(true);
  }
}

/** A Python tuple: a list to the library (so for-loops unpack it), printed as (a, b). */
class TupleValue extends ArrayValue {}

export const makeTuple = (items: JinjaValue[]): JinjaArray => new TupleValue(items);
export const isTuple = (value: JinjaValue): boolean => value instanceof TupleValue;

export function makeGenerator(items: JinjaValue[]): JinjaArray {
  return new GeneratorValue(items);
}

export function isGenerator(value: JinjaValue): boolean {
  return value instanceof GeneratorValue;
}
