// A batch of binary trees as flat node arrays, in the order the GPU schedules them: nodes sorted by
// height (leaves, height 0, first), so each level is one contiguous range of node indices
// [levels[h], levels[h+1]) across every tree of the batch. Within a level, nodes follow their
// tree's index and then their post-order position, so the layout is deterministic.
//
// A node's children are always at lower levels, its parent at a higher one: the forward pass runs the
// levels bottom up (one dispatch per level), the backward pass top down.

import { isLeaf, TREE_LIMITS, type Tree } from './parse.ts';

export interface TreeBatch {
  /** Trees in the batch. */
  B: number;
  /** Nodes in the batch, all trees together. */
  N: number;
  /** Leaves: nodes [0, leaves) (level 0). */
  leaves: number;
  /** Children of inner nodes; -1 for leaves. */
  left: Int32Array;
  right: Int32Array;
  /** Parent of each node; -1 for roots. */
  parent: Int32Array;
  /** 0: the left child of its parent, 1: the right one (0 for roots). */
  side: Uint8Array;
  /** Token id of each leaf; -1 for inner nodes. */
  token: Int32Array;
  height: Uint16Array;
  /** Class id of each node; -1 for none. */
  label: Int32Array;
  /** The tree each node belongs to. */
  tree: Uint32Array;
  /** Root node of each tree, [B]. */
  roots: Uint32Array;
  /** Level offsets, [levels + 1]: level h is nodes [levels[h], levels[h+1]). */
  levels: Uint32Array;
}

export class TreeDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TreeDataError';
  }
}

export interface Vocab {
  size: number;
  /** The id of a token, or undefined if it is not in the vocabulary. */
  id(token: string): number | undefined;
  /** The token of each id (for writing trees back). */
  token(id: number): string;
}

/** A vocabulary from a list of distinct tokens: id = position in the list. */
export function vocabulary(tokens: readonly string[]): Vocab {
  const ids = new Map<string, number>();
  tokens.forEach((t, i) => {
    if (ids.has(t)) throw new TreeDataError(`vocabulary: token ${JSON.stringify(t)} appears twice`);
    ids.set(t, i);
  });
  return { size: tokens.length, id: (t) => ids.get(t), token: (i) => tokens[i] };
}

/** Tokens written as their ids, "0" … "V-1". */
export function numericVocab(V: number): Vocab {
  return {
    size: V,
    id: (t) => (/^(0|[1-9]\d*)$/.test(t) && Number(t) < V ? Number(t) : undefined),
    token: (i) => String(i),
  };
}

/**
 * Flattens trees into a batch. Tokens are looked up in `vocab`; labels are kept as given (checked
 * against `classes` when set). Throws TreeDataError naming the tree for an unknown token, a bad
 * label, or a tree taller than TREE_LIMITS.height.
 */
export function buildTreeBatch(trees: readonly Tree[], vocab: Vocab, classes?: number): TreeBatch {
  if (trees.length === 0) throw new TreeDataError('a batch needs at least one tree');
  // Post-order per tree: children before parents, so heights are known when a parent is reached.
  type Flat = { tree: number; height: number; left: number; right: number; token: number; label: number };
  const flat: Flat[] = [];
  const rootsTmp: number[] = [];
  trees.forEach((root, b) => {
    const visit = (t: Tree, depth: number): number => {
      if (depth > TREE_LIMITS.height) throw new TreeDataError(`tree ${b}: taller than ${TREE_LIMITS.height} levels`);
      if (!(Number.isInteger(t.label) && t.label >= -1 && (classes === undefined || t.label < classes)))
        throw new TreeDataError(`tree ${b}: label ${t.label} is not a class id${classes !== undefined ? ` in [0, ${classes})` : ''} (or -1 for none)`);
      if (isLeaf(t)) {
        const id = vocab.id(t.token);
        if (id === undefined) throw new TreeDataError(`tree ${b}: unknown token ${JSON.stringify(t.token)}${t.at !== undefined ? ` at offset ${t.at}` : ''}`);
        flat.push({ tree: b, height: 0, left: -1, right: -1, token: id, label: t.label });
        return flat.length - 1;
      }
      const l = visit(t.left, depth + 1);
      const r = visit(t.right, depth + 1);
      flat.push({ tree: b, height: 1 + Math.max(flat[l].height, flat[r].height), left: l, right: r, token: -1, label: t.label });
      return flat.length - 1;
    };
    rootsTmp.push(visit(root, 0));
  });

  const N = flat.length;
  const L = 1 + rootsTmp.reduce((m, r) => Math.max(m, flat[r].height), 0);
  // Counting sort by height (stable: tree order, then post-order within a tree).
  const levels = new Uint32Array(L + 1);
  for (const f of flat) levels[f.height + 1]++;
  for (let h = 0; h < L; h++) levels[h + 1] += levels[h];
  const next = levels.slice(0, L);
  const order = new Int32Array(N); // old index -> new index
  flat.forEach((f, i) => (order[i] = next[f.height]++));

  const batch: TreeBatch = {
    B: trees.length,
    N,
    leaves: levels[1],
    left: new Int32Array(N).fill(-1),
    right: new Int32Array(N).fill(-1),
    parent: new Int32Array(N).fill(-1),
    side: new Uint8Array(N),
    token: new Int32Array(N).fill(-1),
    height: new Uint16Array(N),
    label: new Int32Array(N),
    tree: new Uint32Array(N),
    roots: Uint32Array.from(rootsTmp, (r) => order[r]),
    levels,
  };
  flat.forEach((f, i) => {
    const n = order[i];
    batch.height[n] = f.height;
    batch.label[n] = f.label;
    batch.tree[n] = f.tree;
    batch.token[n] = f.token;
    if (f.left >= 0) {
      const l = order[f.left];
      const r = order[f.right];
      batch.left[n] = l;
      batch.right[n] = r;
      batch.parent[l] = n;
      batch.parent[r] = n;
      batch.side[r] = 1;
    }
  });
  return batch;
}

export type Heads = 'root' | 'all';

/**
 * The class each node's head is trained on, -1 where none: with heads 'root' each tree's root label
 * (a tree without one is an error), with 'all' every labelled node.
 */
export function headTargets(batch: TreeBatch, heads: Heads): Int32Array {
  if (heads === 'all') return batch.label.slice();
  const t = new Int32Array(batch.N).fill(-1);
  batch.roots.forEach((r, b) => {
    if (batch.label[r] < 0) throw new TreeDataError(`tree ${b} has no root label: heads "root" need one per tree`);
    t[r] = batch.label[r];
  });
  return t;
}

/** Rebuilds tree b of a batch (tokens through `vocab`); the inverse of buildTreeBatch. */
export function treeOf(batch: TreeBatch, b: number, vocab: Vocab): Tree {
  const build = (n: number): Tree =>
    batch.left[n] < 0
      ? { token: vocab.token(batch.token[n]), label: batch.label[n] }
      : { left: build(batch.left[n]), right: build(batch.right[n]), label: batch.label[n] };
  return build(batch.roots[b]);
}
