// JSON parsed as Python's json.loads parses it: a number written with a fraction or exponent ("1.0", "1e16") stays a
// float, which Jinja2 prints as 1.0 / 1e+16. JSON.parse would make it the integer 1; PythonFloat keeps it a float.
import { InputError } from "../../errors.js";

/** A float whose value is integral (1.0, 1e16): JavaScript has no other way to remember it was a float. */
export class PythonFloat {
  constructor(readonly value: number) {}
  toJSON(): number {
    return this.value;
  }
}

// Strings first, so that digits inside them are skipped; then numbers.
const stringOrNumber = /"(?:[^"\\]|\\.)*"|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;
const floatTag = "\u0000python-float:";

const isIntegralFloat = (num: string | undefined): num is string =>
  num !== undefined && /[.eE]/.test(num) && Number.isInteger(Number(num));

/** JSON.parse, except that integral numbers written as floats become PythonFloat. Throws InputError. */
export function parsePythonJson(text: string): unknown {
  let tagged = false;
  const source = text.replace(stringOrNumber, (whole, num: string | undefined) => {
    if (!isIntegralFloat(num)) return whole;
    tagged = true;
    return JSON.stringify(floatTag + num);
  });
  try {
    if (!tagged) return JSON.parse(text);
    return JSON.parse(source, (_key, value: unknown) =>
      typeof value === "string" && value.startsWith(floatTag) ? new PythonFloat(Number(value.slice(floatTag.length))) : value,
    );
  } catch (err) {
    throw new InputError(`not valid JSON: ${(err as Error).message}`);
  }
}
