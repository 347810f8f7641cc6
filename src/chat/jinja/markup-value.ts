// markupsafe.Markup, which Jinja2's `safe` and `escape` filters return: adding a plain str to a Markup (either side)
// HTML-escapes the plain str. Templates meet it through `"text"|safe + value` (e.g. functionary v3.1).
import type { JinjaString, JinjaValue } from "./jinja-values.js";
import { StringValue, isString } from "./jinja-values.js";

class MarkupValue extends StringValue {}

const htmlEscapes: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;" };

export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => htmlEscapes[c]);
export const isMarkup = (value: JinjaValue): boolean => value instanceof MarkupValue;
export const makeMarkup = (text: string): JinjaString => new MarkupValue(text);

/** markupsafe.escape: a Markup stays as it is, anything else becomes escaped Markup. */
export function escapeToMarkup(value: JinjaValue, text: string): JinjaString {
  return isMarkup(value) && isString(value) ? value : makeMarkup(escapeHtml(text));
}

/** str + str where either side is Markup: Markup.__add__ / __radd__ escape the plain side. */
export function concatMarkup(left: JinjaString, right: JinjaString): JinjaString {
  const part = (v: JinjaString): string => (isMarkup(v) ? v.value : escapeHtml(v.value));
  return makeMarkup(part(left) + part(right));
}
