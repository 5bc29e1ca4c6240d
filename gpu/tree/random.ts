// Seeded random binary trees of a given height, for tests and benches: ragged shapes (each inner
// node's shorter child has a random height), random tokens, labels on a fraction of the nodes and
// always on the root.

import { Rng } from '../core/rng.ts';
import type { Tree } from './parse.ts';
import { buildTreeBatch, numericVocab, type TreeBatch } from './trees.ts';

export function randomTree(rng: Rng, height: number, V: number, C: number, labelled = 0.5): Tree {
  const grow = (h: number): Tree => {
    const label = rng.uniform() < labelled ? rng.int(C) : -1;
    if (h === 0) return { token: String(rng.int(V)), label };
    const tall = grow(h - 1);
    const other = grow(rng.int(h));
    return rng.uniform() < 0.5 ? { left: tall, right: other, label } : { left: other, right: tall, label };
  };
  const t = grow(height);
  t.label = rng.int(C);
  return t;
}

/** B random trees with heights in [minHeight, maxHeight]. */
export function randomTreeBatch(
  seed: number,
  o: { B: number; minHeight?: number; maxHeight: number; V: number; C: number; labelled?: number },
): { trees: Tree[]; batch: TreeBatch } {
  const rng = new Rng(seed);
  const lo = o.minHeight ?? 0;
  const trees = Array.from({ length: o.B }, () => randomTree(rng, lo + rng.int(o.maxHeight - lo + 1), o.V, o.C, o.labelled));
  return { trees, batch: buildTreeBatch(trees, numericVocab(o.V), o.C) };
}
