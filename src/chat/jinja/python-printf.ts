// str % args, Python's printf-style formatting ("%s-%d" % (a, 3), "%(name)s" % mapping), for the codes templates use.
import type { JinjaValue } from "./jinja-values.js";
import { isBoolean, isMapping, isNumber, isSequence, isString } from "./jinja-values.js";
import { isGenerator } from "./generator-value.js";
import { ChatTemplateError, pyTypeError } from "./python-errors.js";
import { pythonTypeName } from "./python-equality.js";
import { pythonFloatRepr, pythonRepr, pythonStr } from "./python-str.js";

const spec = /%(?:\(([^)]*)\))?([-+ 0#]*)(\d+)?(?:\.(\d+))?([sdirfFeExXoc%])/g;

function toNumber(value: JinjaValue, code: string): number {
  if (isNumber(value)) return value.value;
  if (isBoolean(value)) return value.value ? 1 : 0;
  throw pyTypeError(`%${code} format: a real number is required, not ${pythonTypeName(value)}`);
}

function formatOne(value: JinjaValue, flags: string, width: number, precision: number | undefined, code: string): string {
  let body: string;
  switch (code) {
    case "s": body = pythonStr(value); if (precision !== undefined) body = body.slice(0, precision); break;
    case "r": body = pythonRepr(value); break;
    case "d": case "i": body = String(Math.trunc(toNumber(value, code))); break;
    case "f": case "F": body = toNumber(value, code).toFixed(precision ?? 6); break;
    case "e": case "E": {
      const [m, e] = toNumber(value, code).toExponential(precision ?? 6).split("e");
      body = `${m}e${e[0]}${e.slice(1).padStart(2, "0")}`;
      if (code === "E") body = body.toUpperCase();
      break;
    }
    case "x": case "X": case "o": {
      const n = Math.trunc(toNumber(value, code));
      body = (n < 0 ? "-" : "") + Math.abs(n).toString(code === "o" ? 8 : 16);
      if (code === "X") body = body.toUpperCase();
      break;
    }
    case "c": body = isString(value) ? value.value : String.fromCodePoint(toNumber(value, code)); break;
    default: body = pythonFloatRepr(toNumber(value, code));
  }
  if (/[dieEfFxXo]/.test(code) && !body.startsWith("-")) {
    if (flags.includes("+")) body = `+${body}`;
    else if (flags.includes(" ")) body = ` ${body}`;
  }
  if (body.length >= width) return body;
  if (flags.includes("-")) return body.padEnd(width);
  if (flags.includes("0") && /[dieEfFxXo]/.test(code)) {
    const sign = /^[-+ ]/.test(body) ? body[0] : "";
    return sign + body.slice(sign.length).padStart(width - sign.length, "0");
  }
  return body.padStart(width);
}

/** format % args; args is a tuple/list (one item per code), a mapping (for %(name)s), or a single value. */
export function pythonPrintf(format: string, args: JinjaValue): string {
  const items = isSequence(args) && !isGenerator(args) ? args.value : [args];
  let next = 0;
  const out = format.replace(spec, (_all, key: string | undefined, flags: string, width: string | undefined, precision: string | undefined, code: string) => {
    if (code === "%") return "%";
    let value: JinjaValue | undefined;
    if (key !== undefined) {
      if (!isMapping(args)) throw pyTypeError("format requires a mapping");
      value = args.value.get(key);
      if (value === undefined) throw new ChatTemplateError("KeyError", `'${key}'`);
    } else {
      value = items[next++];
      if (value === undefined) throw pyTypeError("not enough arguments for format string");
    }
    return formatOne(value, flags, width === undefined ? 0 : Number(width), precision === undefined ? undefined : Number(precision), code);
  });
  if (!isMapping(args) && next < items.length && isSequence(args)) throw pyTypeError("not all arguments converted during string formatting");
  return out;
}
