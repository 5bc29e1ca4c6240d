// Rows grouped by token on the GPU: what gpu/data/batch.ts's groupRowsByToken does on the CPU for
// tokens it knows when it uploads a batch, for tokens that are only known on the GPU (a decoder that
// feeds back its own predictions, shaders/seq2seq/feedBack.wgsl). Same result, bit for bit:
//   offsets[v] = rows with a token below v (offsets[V] = ROWS);
//   rows[offsets[v] .. offsets[v+1]) = the rows holding token v, in increasing order,
// so tokenWeightGrad.wgsl's fixed-order sums come out the same whichever side grouped them.
// One workgroup: count with integer atomics (exact, so deterministic), scan, then place each row at
// its token's offset plus the number of earlier rows with the same token (a rank, not an atomic
// slot, which would make the order, and so the float sums, vary from run to run).

override V: u32;
override ROWS: u32;
const WG = 256u;

@group(0) @binding(0) var<storage, read> tokens: array<u32>;          // [ROWS], each < V
@group(0) @binding(1) var<storage, read_write> offsets: array<atomic<u32>>; // [V + 1]
@group(0) @binding(2) var<storage, read_write> rows: array<u32>;      // [ROWS]

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32) {
  for (var v = lid; v <= V; v += WG) { atomicStore(&offsets[v], 0u); }
  storageBarrier();
  workgroupBarrier();
  for (var r = lid; r < ROWS; r += WG) { atomicAdd(&offsets[tokens[r] + 1u], 1u); }
  storageBarrier();
  workgroupBarrier();
  if (lid == 0u) {
    var sum = 0u;
    for (var v = 1u; v <= V; v++) {
      sum += atomicLoad(&offsets[v]);
      atomicStore(&offsets[v], sum);
    }
  }
  storageBarrier();
  workgroupBarrier();
  for (var r = lid; r < ROWS; r += WG) {
    let token = tokens[r];
    var rank = 0u;
    for (var q = 0u; q < r; q++) { rank += select(0u, 1u, tokens[q] == token); }
    rows[atomicLoad(&offsets[token]) + rank] = r;
  }
}
