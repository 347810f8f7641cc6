import type { JinjaValue } from "./jinja-values.js";
import type { JinjaTest } from "./python-tests.js";

/** What a filter may ask of the template engine: other filters, tests and attribute lookup. */
export interface FilterContext {
  applyFilter(value: JinjaValue, name: string, args: JinjaValue[], kwargs: Map<string, JinjaValue>): JinjaValue;
  test(name: string): JinjaTest;
  getAttribute(value: JinjaValue, name: string): JinjaValue;
}

/** A Jinja2 filter as Python runs it: positional and keyword arguments, and the engine's context. */
export type JinjaFilter = (operand: JinjaValue, args: JinjaValue[], kwargs: Map<string, JinjaValue>, ctx: FilterContext) => JinjaValue;
