import type { Weight } from "../backend.js";
import type { RowDecoder } from "../ref/row-decoder.js";

/** A weight held in WebAssembly memory at `ptr`, in its stored type. */
export interface WasmWeight extends Weight {
  readonly ptr: number;
  readonly bytes: Uint8Array;
  readonly decode: RowDecoder;
  /** Pool kernel index of its matmul, and whether that kernel reads Q8 activation blocks. */
  readonly op: number;
  readonly quantized: boolean;
  /** Pool kernel index of the activation quantizer its matmul reads (Q8_0 or Q8_K blocks). */
  readonly actOp: number;
  /** Rows per unit of the thread split: 8 for weights interleaved four rows at a time (packed-rows.ts), else 4. */
  readonly grain: number;
  /** F16: address of the lists of subnormal values split out of the matrix (f16-subnormals.ts), else 0. */
  readonly sparse: number;
}
