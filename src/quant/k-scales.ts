// The 12-byte packing of eight 6-bit scales and eight 6-bit mins shared by Q4_K and Q5_K
// (ggml-quants.c get_scale_min_k4): j < 4 in the low 6 bits of bytes j and j+4; j >= 4 split across
// byte j+4 (low 4 bits) and the top 2 bits of bytes j-4 and j.

export function scaleK4(q: Uint8Array, at: number, j: number): number {
  return j < 4 ? q[at + j] & 63 : (q[at + j + 4] & 0xf) | ((q[at + j - 4] >> 6) << 4);
}

export function minK4(q: Uint8Array, at: number, j: number): number {
  return j < 4 ? q[at + j + 4] & 63 : (q[at + j + 4] >> 4) | ((q[at + j] >> 6) << 4);
}

/** Packs scales `ls` and mins `lm` (each 8 values < 64) into 12 bytes at `at`, as quantize_row_q4_K_ref does. */
export function packScalesK4(ls: Uint8Array, lm: Uint8Array, dst: Uint8Array, at: number): void {
  for (let j = 0; j < 8; j++) {
    if (j < 4) {
      dst[at + j] = ls[j];
      dst[at + j + 4] = lm[j];
    } else {
      dst[at + j + 4] = (ls[j] & 0xf) | ((lm[j] & 0xf) << 4);
      dst[at + j - 4] |= (ls[j] >> 4) << 6;
      dst[at + j] |= (lm[j] >> 4) << 6;
    }
  }
}
