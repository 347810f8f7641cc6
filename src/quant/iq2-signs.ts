// ggml-common.h ksigns_iq2xs: 7 stored sign bits expanded to 8, the 8th chosen so that the number of minus
// signs is even (i | parity(i) << 7). IQ2_XXS, IQ2_XS and IQ3_XXS store these 7-bit indices.
export const ksignsIq2xs: Uint8Array = (() => {
  const table = new Uint8Array(128);
  for (let i = 0; i < 128; i++) {
    let bits = 0;
    for (let b = 0; b < 7; b++) bits += (i >> b) & 1;
    table[i] = i | ((bits & 1) << 7);
  }
  return table;
})();
