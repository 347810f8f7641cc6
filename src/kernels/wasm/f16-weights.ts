import { ScratchRegion, type WasmArena } from "./wasm-arena.js";
import type { KernelFn, WasmThreadPool } from "./wasm-thread-pool.js";

/**
 * What the wasm backend does for F16 matrices besides running the float kernels: at load, moves each matrix's
 * subnormal halves out into lists (assembly/f16-subnormals.ts: the kernels' conversion would take an x86 microcode
 * assist on each), and per product of one to three tokens, makes the copy of the activations × 2^112 that
 * matmulF16Scaled reads (assembly/matmul-float.ts).
 */
export class F16Weights {
  /** Pool kernel index of matmulF16Scaled. */
  readonly scaledOp: number;
  /** The lists' header address by the matrix's address. */
  private readonly split = new Map<number, number>();
  private readonly scaled: ScratchRegion;

  constructor(private readonly arena: WasmArena, private readonly exports: Record<string, KernelFn>, pool: WasmThreadPool) {
    this.scaledOp = pool.opOf("matmulF16Scaled");
    this.scaled = new ScratchRegion(arena);
  }

  /**
   * Moves the subnormal halves of the F16 matrix at ptr into lists in wasm memory and returns the lists' header
   * address, or 0 when the matrix has none, or so many (over 1/32 of its values) that the lists would cost more than
   * they save. The same bytes loaded again (a weight shared by two names) get the same lists: their halves are
   * already zero.
   */
  splitSubnormals(ptr: number, rows: number, cols: number): number {
    const known = this.split.get(ptr);
    if (known !== undefined) return known;
    const n = this.exports["f16SubnormalCount"]!(ptr, rows * cols) as number;
    let header = 0;
    if (n > 0 && n <= (rows * cols) / 32) {
      // The header: the four lists' addresses, usize words (assembly/f16-subnormals.ts).
      const arena = this.arena, pb = arena.pointerBytes;
      header = arena.alloc(4 * pb + 4 * (rows + 1) + 12 * n);
      const rowStart = header + 4 * pb, rowsAt = rowStart + 4 * (rows + 1), colsAt = rowsAt + 4 * n, values = colsAt + 4 * n;
      const words = arena.i32(header, pb);
      [rowStart, rowsAt, colsAt, values].forEach((ptr, i) => arena.storePointer(words, (i * pb) / 4, ptr));
      this.exports["f16SplitSubnormals"]!(ptr, rows, cols, rowStart, rowsAt, colsAt, values);
    }
    this.split.set(ptr, header);
    return header;
  }

  /** Address of the n activations at xPtr × 2^112, or 0 (use the plain kernel) when some |x| ≥ 2^15 or is NaN. */
  scaleActivations(xPtr: number, n: number): number {
    const dst = this.scaled.ensure(n * 4);
    return this.exports["scaleForHalves"]!(dst, xPtr, n) === 1 ? dst : 0;
  }
}
