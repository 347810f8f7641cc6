import { TsinferError } from "../errors.js";
import { bf16Traits } from "./bf16.js";
import { f16Traits } from "./f16.js";
import { f32Traits } from "./f32.js";
import { GgmlType, ggmlTypeName } from "./ggml-type.js";
import type { GgmlTypeName } from "./ggml-type.js";
import { f64Traits, i16Traits, i32Traits, i64Traits, i8Traits } from "./integer.js";
import { iq1_mTraits } from "./iq1_m.js";
import { iq1_sTraits } from "./iq1_s.js";
import { iq2_sTraits } from "./iq2_s.js";
import { iq2_xsTraits } from "./iq2_xs.js";
import { iq2_xxsTraits } from "./iq2_xxs.js";
import { iq3_sTraits } from "./iq3_s.js";
import { iq3_xxsTraits } from "./iq3_xxs.js";
import { iq4_nlTraits } from "./iq4_nl.js";
import { iq4_xsTraits } from "./iq4_xs.js";
import { mxfp4Traits } from "./mxfp4.js";
import { q2_kTraits } from "./q2_k.js";
import { q3_kTraits } from "./q3_k.js";
import { q4_0Traits } from "./q4_0.js";
import { q4_1Traits } from "./q4_1.js";
import { q4_kTraits } from "./q4_k.js";
import { q5_0Traits } from "./q5_0.js";
import { q5_1Traits } from "./q5_1.js";
import { q5_kTraits } from "./q5_k.js";
import { q6_kTraits } from "./q6_k.js";
import { q8_0Traits } from "./q8_0.js";
import { q8_1Traits } from "./q8_1.js";
import { q8_kTraits } from "./q8_k.js";
import type { QuantTraits } from "./traits.js";
import { tq1_0Traits } from "./tq1_0.js";
import { tq2_0Traits } from "./tq2_0.js";

export { rowSizeBytes } from "./traits.js";

/** A tensor type id or name that no ggml type (or no type tsinfer implements) answers to. */
export class UnknownTensorTypeError extends TsinferError {
  constructor(readonly type: string | number) {
    super(
      typeof type === "number"
        ? `tensor type ${type} is not a known ggml type`
        : `tensor type ${JSON.stringify(type)} is not a known ggml type`,
    );
  }
}

/** A known ggml type that tsinfer cannot decode (yet). */
export class UnsupportedTensorTypeError extends TsinferError {
  constructor(readonly type: GgmlTypeName) {
    super(`tensor type ${type} (${GgmlType[type]}) is not supported by tsinfer`);
  }
}

// ggml's type-traits table: one row per type, model code never branches on a format.
const traitsById = new Map<number, QuantTraits>(
  [
    f32Traits,
    f16Traits,
    bf16Traits,
    q4_0Traits,
    q4_1Traits,
    q5_0Traits,
    q5_1Traits,
    q8_0Traits,
    q8_1Traits,
    q2_kTraits,
    q3_kTraits,
    q4_kTraits,
    q5_kTraits,
    q6_kTraits,
    q8_kTraits,
    iq4_nlTraits,
    iq4_xsTraits,
    tq1_0Traits,
    tq2_0Traits,
    iq2_xxsTraits,
    iq2_xsTraits,
    iq2_sTraits,
    iq3_xxsTraits,
    iq3_sTraits,
    iq1_sTraits,
    iq1_mTraits,
    i8Traits,
    i16Traits,
    i32Traits,
    i64Traits,
    f64Traits,
    mxfp4Traits,
  ].map((traits) => [traits.id, traits]),
);

export function quantTraits(nameOrId: GgmlTypeName | number): QuantTraits {
  const id = typeof nameOrId === "number" ? nameOrId : GgmlType[nameOrId];
  if (id === undefined) throw new UnknownTensorTypeError(nameOrId);
  const traits = traitsById.get(id);
  if (traits) return traits;
  const name = ggmlTypeName(id);
  if (name === undefined) throw new UnknownTensorTypeError(nameOrId);
  throw new UnsupportedTensorTypeError(name);
}

/** Every implemented type, in ggml id order. */
export function allQuantTraits(): QuantTraits[] {
  return [...traitsById.values()].sort((a, b) => a.id - b.id);
}
