// Input projection for token inputs, all time steps at once, before the recurrent loop:
// proj[r, i] = W_ih[i, x_r] + b_ih[i]. A column gather of W_ih: multiplying by a one-hot
// vector would spend V multiply-adds to fetch one number.

override H: u32;
override V: u32;

struct Offsets { wih: u32, bih: u32 }

@group(0) @binding(0) var<uniform> off: Offsets;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> tokens: array<u32>;
@group(0) @binding(3) var<storage, read_write> proj: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  let r = gid.y;
  if (i >= H) { return; }
  let v = tokens[r];
  proj[r * H + i] = params[off.wih + i * V + v] + params[off.bih + i];
}
