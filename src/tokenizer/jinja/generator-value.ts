// Jinja2's map/select/reject/selectattr/rejectattr filters return Python generators, not lists: a generator is
// always truthy, has no len(), and json.dumps refuses it ("Object of type generator is not JSON serializable").
import type { JinjaArray, JinjaValue } from "./jinja-values.js";
import { ArrayValue, BooleanValue } from "./jinja-values.js";

class GeneratorValue extends ArrayValue {
  override __bool__(): ReturnType<JinjaValue["__bool__"]> {
    return new BooleanValue(true);
  }
}

export function makeGenerator(items: JinjaValue[]): JinjaArray {
  return new GeneratorValue(items);
}

export function isGenerator(value: JinjaValue): boolean {
  return value instanceof GeneratorValue;
}
