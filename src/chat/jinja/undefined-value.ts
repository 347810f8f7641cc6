// Jinja2's Undefined remembers why it is undefined ("'x' is undefined", "'dict object' has no attribute 'y'") and
// raises that when a template uses it: UndefinedError, or SecurityError for what the sandbox refuses.
import type { JinjaValue } from "./jinja-values.js";
import { UndefinedValue } from "./jinja-values.js";
import { ChatTemplateError } from "./python-errors.js";

const hints = new WeakMap<JinjaValue, { type: string; message: string }>();

export function makeUndefined(message: string, type = "UndefinedError"): JinjaValue {
  const value = new UndefinedValue(undefined);
  hints.set(value, { type, message });
  return value;
}

/** Raises what Jinja2 raises on using `value`; `name` is the variable it came from, when no hint was recorded. */
export function raiseUndefined(value: JinjaValue, name?: string): never {
  const hint = hints.get(value);
  if (hint) throw new ChatTemplateError(hint.type, hint.message);
  throw new ChatTemplateError("UndefinedError", name ? `'${name}' is undefined` : "value is undefined");
}
