// What the level kernels of the tree network share (forwardLevel.wgsl, backwardLevel.wgsl): one
// dispatch per level for every node of that level in the whole batch of trees; the level's node
// range arrives as group 1 through a dynamic uniform offset (a table written once per batch by
// gpu/tree/model.ts).
// Invocation (i, k) works on unit i of the level's nodes 4k..4k+3 (a Quad), so each weight it loads
// feeds four multiply-adds. Nodes past the level's end are clamped onto its last node (no branch in
// the loop) and their results dropped (inLevel). Children sit at lower levels and parents at higher
// ones, so no invocation reads a row that another one of the dispatch writes.

override H: u32;

override WG: u32 = 64u; // invocations per workgroup along the units (the host picks it from H)

struct Offsets { emb: u32, w: u32, b: u32 }
struct Level { start: u32, count: u32 }

@group(0) @binding(0) var<uniform> off: Offsets;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> nodes: array<vec4<u32>>; // (left, right, parent, side)
@group(1) @binding(0) var<uniform> level: Level;

/** Four nodes of the level, one per lane, and their links. */
struct Quad { id: vec4<u32>, left: vec4<u32>, right: vec4<u32>, parent: vec4<u32>, side: vec4<u32> }

/** Nodes 4k..4k+3 of the level, those past its end clamped onto its last. */
fn quad(k: u32) -> Quad {
  let k0 = k * 4u;
  let last = level.count - 1u;
  let n = vec4<u32>(min(k0, last), min(k0 + 1u, last), min(k0 + 2u, last), min(k0 + 3u, last)) + level.start;
  let a = nodes[n.x]; let b = nodes[n.y]; let c = nodes[n.z]; let d = nodes[n.w];
  return Quad(n, vec4<u32>(a.x, b.x, c.x, d.x), vec4<u32>(a.y, b.y, c.y, d.y), vec4<u32>(a.z, b.z, c.z, d.z), vec4<u32>(a.w, b.w, c.w, d.w));
}

/** Whether lane q of quad k is a node of the level, not a clamped copy of its last. */
fn inLevel(k: u32, q: u32) -> bool { return k * 4u + q < level.count; }
