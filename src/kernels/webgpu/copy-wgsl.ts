/**
 * Byte-granular copy between u32-word buffers (KV rows of q8_0 and f16 layers need not start on a word): one
 * thread per destination word assembles its bytes in [p.dstByte, p.dstByte + p.nBytes) from src and keeps the
 * others, so no two threads write one word. src must not be dst (the caller stages the source first).
 * Bindings: src (u32), dst (u32).
 */
export function copyBytesWgsl(bindings: string): string {
  return `
struct P { srcByte: u32, dstByte: u32, nBytes: u32, firstWord: u32, nWords: u32 }
@group(0) @binding(0) var<uniform> p: P;
${bindings}
fn srcByteAt(a: u32) -> u32 { return (ld_src(a >> 2u) >> ((a & 3u) * 8u)) & 0xffu; }
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let k = (wid.y * nwg.x + wid.x) * 256u + lid;
  if (k >= p.nWords) { return; }
  let word = p.firstWord + k;
  var v = ld_dst(word);
  for (var b = 0u; b < 4u; b++) {
    let a = word * 4u + b;
    if (a >= p.dstByte && a < p.dstByte + p.nBytes) {
      let sh = b * 8u;
      v = (v & ~(0xffu << sh)) | (srcByteAt(a - p.dstByte + p.srcByte) << sh);
    }
  }
  st_dst(word, v);
}
`;
}
