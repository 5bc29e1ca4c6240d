// The recursive network's forward update (cell "rnn"; forwardLevel.wgsl runs it level by level,
// bottom up):
//   leaves: h = tanh(E[token] + b)                 E = embedding.weight [V, H]
//   inner:  h = tanh(W [h_left; h_right] + b)      W = tree.weight [H, 2H]

alias Sums = vec4<f32>; // one pre-activation per lane

fn leaf(n: u32, i: u32) {
  hs[n * H + i] = tanhBounded(params[off.emb + tokens[n] * H + i] + params[off.b + i]);
}

fn childSums(i: u32, l: vec4<u32>, r: vec4<u32>) -> Sums {
  let w = off.w + i * 2u * H;
  var acc = vec4<f32>(params[off.b + i]);
  for (var j = 0u; j < H; j++) { acc += params[w + j] * ldh(l, j); }
  for (var j = 0u; j < H; j++) { acc += params[w + H + j] * ldh(r, j); }
  return acc;
}

fn innerNode(m: u32, i: u32, s: Sums, q: u32, l: u32, r: u32) { hs[m * H + i] = tanhBounded(s[q]); }
