/** Largest k moeRoute and moeCombine take (experts per token; 8 in the largest MoE models tsinfer reads). */
export const MOE_MAX_K = 32;

/**
 * Top-k routing, one thread per token: pick j is the largest probability ranked below pick j − 1 in the order
 * (value descending, expert id ascending), so ties go to the lower id; weights renormalized by their float32 sum
 * (picks in order) when p.norm = 1. Bindings: probs (f32), ids (i32), weights (f32).
 */
export function moeRouteWgsl(bindings: string): string {
  return `
struct P { nTok: u32, nExperts: u32, k: u32, norm: u32 }
@group(0) @binding(0) var<uniform> p: P;
${bindings}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x;
  if (t >= p.nTok) { return; }
  let base = t * p.nExperts;
  var prevV = 0.0; var prevE = -1;
  var sum = 0.0;
  var w: array<f32, ${MOE_MAX_K}>;
  for (var j = 0u; j < p.k; j++) {
    var best = 0.0; var bestE = -1;
    for (var e = 0; e < i32(p.nExperts); e++) {
      let v = ld_probs(base + u32(e));
      let below = prevE < 0 || v < prevV || (v == prevV && e > prevE);
      if (below && (bestE < 0 || v > best)) { best = v; bestE = e; }
    }
    st_ids(t * p.k + j, bestE);
    w[j] = best;
    sum += best;
    prevV = best; prevE = bestE;
  }
  for (var j = 0u; j < p.k; j++) {
    var v = w[j];
    if (p.norm == 1u) { v = v / sum; }
    st_weights(t * p.k + j, v);
  }
}
`;
}

/**
 * Weighted scatter-add of the experts' outputs, one thread per output value: out[t, i] = Σ_j weight(t, j) ·
 * y[t·k + j, i] with the k terms added from 0 in ascending (expert id, slot). Bindings: ids (i32), weights (f32),
 * y (f32), out (f32).
 */
export function moeCombineWgsl(bindings: string): string {
  return `
struct P { nTok: u32, n: u32, k: u32 }
@group(0) @binding(0) var<uniform> p: P;
${bindings}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * 256u + lid;
  if (i >= p.nTok * p.n) { return; }
  let t = i / p.n; let c = i % p.n;
  var acc = 0.0;
  var prevE = -2147483647; var prevS = -1;
  for (var j = 0u; j < p.k; j++) {
    var bestE = 2147483647; var bestS = -1;
    for (var s = 0; s < i32(p.k); s++) {
      let e = ld_ids(t * p.k + u32(s));
      let after = e > prevE || (e == prevE && s > prevS);
      if (after && (bestS < 0 || e < bestE)) { bestE = e; bestS = s; }
    }
    let slot = t * p.k + u32(bestS);
    acc += ld_weights(slot) * ld_y(slot * p.n + c);
    prevE = bestE; prevS = bestS;
  }
  st_out(i, acc);
}
`;
}
