// The binary Tree-LSTM's forward update (Tai, Socher & Manning 2015, a forget gate per child;
// forwardLevel.wgsl runs it level by level, bottom up). Gate blocks [i, o, u, f_l, f_r]:
//   `inner`:  [i, o, u, f_l, f_r] = U [h_left; h_right] + b      U = tree.weight [5H, 2H]
//             c = σ(i) ⊙ tanh(u) + σ(f_l) ⊙ c_left + σ(f_r) ⊙ c_right,  h = σ(o) ⊙ tanh(c)
//   `leaves`: [i, o, u] = E[token] + b[0:3H]                      E = embedding.weight [V, 3H]
//             c = σ(i) ⊙ tanh(u),  h = σ(o) ⊙ tanh(c)   (no children: f_l = f_r = 0 are stored)
// The gate activations and c are kept for the backward pass. An invocation computes all five gates
// of its unit.

@group(0) @binding(6) var<storage, read_write> cs: array<f32>;    // [N + 1, H]; row N stays 0
@group(0) @binding(7) var<storage, read_write> gates: array<f32>; // [N + 1, 5H]

/** The five gates' pre-activations of one unit, one node per lane. */
struct Sums { i: vec4<f32>, o: vec4<f32>, u: vec4<f32>, fl: vec4<f32>, fr: vec4<f32> }

fn store(n: u32, i: u32, ig: f32, og: f32, ug: f32, fl: f32, fr: f32, c: f32) {
  cs[n * H + i] = c;
  hs[n * H + i] = og * tanhBounded(c);
  let g = n * 5u * H + i;
  gates[g] = ig;
  gates[g + H] = og;
  gates[g + 2u * H] = ug;
  gates[g + 3u * H] = fl;
  gates[g + 4u * H] = fr;
}

fn leaf(n: u32, i: u32) {
  let e = off.emb + tokens[n] * 3u * H + i;
  let ig = sigmoid(params[e] + params[off.b + i]);
  let og = sigmoid(params[e + H] + params[off.b + H + i]);
  let ug = tanhBounded(params[e + 2u * H] + params[off.b + 2u * H + i]);
  store(n, i, ig, og, ug, 0.0, 0.0, ig * ug);
}

fn childSums(i: u32, l: vec4<u32>, r: vec4<u32>) -> Sums {
  let row = 2u * H * H; // floats per gate block of U
  let w = off.w + i * 2u * H;
  var ai = vec4<f32>(params[off.b + i]);
  var ao = vec4<f32>(params[off.b + H + i]);
  var au = vec4<f32>(params[off.b + 2u * H + i]);
  var afl = vec4<f32>(params[off.b + 3u * H + i]);
  var afr = vec4<f32>(params[off.b + 4u * H + i]);
  for (var j = 0u; j < H; j++) {
    let x = ldh(l, j);
    ai += params[w + j] * x;
    ao += params[w + row + j] * x;
    au += params[w + 2u * row + j] * x;
    afl += params[w + 3u * row + j] * x;
    afr += params[w + 4u * row + j] * x;
  }
  for (var j = 0u; j < H; j++) {
    let x = ldh(r, j);
    ai += params[w + H + j] * x;
    ao += params[w + row + H + j] * x;
    au += params[w + 2u * row + H + j] * x;
    afl += params[w + 3u * row + H + j] * x;
    afr += params[w + 4u * row + H + j] * x;
  }
  return Sums(ai, ao, au, afl, afr);
}

fn innerNode(m: u32, i: u32, s: Sums, q: u32, l: u32, r: u32) {
  let ig = sigmoid(s.i[q]);
  let og = sigmoid(s.o[q]);
  let ug = tanhBounded(s.u[q]);
  let fl = sigmoid(s.fl[q]);
  let fr = sigmoid(s.fr[q]);
  store(m, i, ig, og, ug, fl, fr, ig * ug + fl * cs[l + i] + fr * cs[r + i]);
}
