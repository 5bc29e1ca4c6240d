// The attention's gradients to either side, as sums over the pairs (decoder row q = u·B + b, memory
// row r = j·B + b) of one sequence, each pair weighted by w[q, j] (dscore or α, [U·B, S]); only real
// pairs (u < targetLengths[b], j < n = sourceLengths[b]) are read:
//   toQuery: out[q, m] (+)= Σ_{j<n} w[q, j] g(q, r, m)
//   toKey:   out[r, m] (+)= Σ_{u<targetLengths[b]} w[q, j] g(q, r, m)
//   g = the other side (a product of the two is bilinear): keys[r, m] to a query, query[q, m] to a key;
//     ADDITIVE (score = v · tanh(q + k)): g = v_m (1 − t²) with t = tanh(query[q, m] + keys[r, m]) to
//     either side, and toKey also writes dvPart[r, m] = Σ_u w t (sumRows adds the rows into ∂L/∂v).
// readoutGpu.ts uses it as (dot, general, additive; dc, ds the halves of ∂L/∂[c; s]):
//   ∂L/∂s += toQuery(dscore, k)  (score s·k_j)          ∂L/∂q_add = toQuery(dscore)
//   ∂L/∂e  = toKey(α, dc)        (c = Σ_j α_j e_j)      then += toKey(dscore, s) for 'dot'
//   ∂L/∂k  = toKey(dscore, s)    'general'              = toKey(dscore) 'additive'
// Every sum runs over u (or j) inside one invocation, in order: no float atomics, deterministic.
// Padded rows are written 0. One invocation per output element, columns fastest (coalesced).

override S: u32;
override B: u32;
override COLS: u32;                // columns of out (= of the pair's vectors): W, or A ('additive')
override Q_STRIDE: u32 = COLS;     // query row q at q·Q_STRIDE (dc: the left half of a [U·B, 2W])
override ADDITIVE: bool = false;
override ACCUMULATE: bool = false;
override V_OFF: u32 = 0u;

@group(0) @binding(0) var<storage, read> sourceLengths: array<u32>;
@group(0) @binding(1) var<storage, read> targetLengths: array<u32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;       // [U·B, S]
@group(0) @binding(3) var<storage, read> query: array<f32>;   // [U·B, ·]
@group(0) @binding(4) var<storage, read> keys: array<f32>;    // [S·B, COLS]
@group(0) @binding(5) var<storage, read> params: array<f32>;
@group(0) @binding(6) var<storage, read_write> out: array<f32>;
@group(0) @binding(7) var<storage, read_write> dvPart: array<f32>; // [S·B, A] (toKey, ADDITIVE)

/** The pair's term of the sum, and t (ADDITIVE) for ∂L/∂v. */
fn term(q: u32, r: u32, m: u32, toKey: bool) -> vec2<f32> {
  if (ADDITIVE) {
    let t = tanhBounded(query[q * Q_STRIDE + m] + keys[r * COLS + m]);
    return vec2<f32>(params[V_OFF + m] * (1.0 - t * t), t);
  }
  if (toKey) { return vec2<f32>(query[q * Q_STRIDE + m], 0.0); }
  return vec2<f32>(keys[r * COLS + m], 0.0);
}

fn store(row: u32, m: u32, sum: f32) {
  var v = sum;
  if (ACCUMULATE) { v += out[row * COLS + m]; }
  out[row * COLS + m] = v;
}

@compute @workgroup_size(64)
fn toQuery(@builtin(global_invocation_id) gid: vec3<u32>) {
  let m = gid.x;
  let q = gid.y;
  if (m >= COLS) { return; }
  let b = q % B;
  if (q / B >= targetLengths[b]) { out[q * COLS + m] = 0.0; return; }
  var sum = 0.0;
  for (var j = 0u; j < sourceLengths[b]; j++) { sum += w[q * S + j] * term(q, j * B + b, m, false).x; }
  store(q, m, sum);
}

@compute @workgroup_size(64)
fn toKey(@builtin(global_invocation_id) gid: vec3<u32>) {
  let m = gid.x;
  let r = gid.y;
  if (m >= COLS) { return; }
  let b = r % B;
  let j = r / B;
  var sum = 0.0;
  var dv = 0.0;
  if (j < sourceLengths[b]) {
    for (var u = 0u; u < targetLengths[b]; u++) {
      let q = u * B + b;
      let g = term(q, r, m, true);
      sum += w[q * S + j] * g.x;
      dv += w[q * S + j] * g.y;
    }
    store(r, m, sum);
  } else { out[r * COLS + m] = 0.0; }
  if (ADDITIVE) { dvPart[r * COLS + m] = dv; }
}
