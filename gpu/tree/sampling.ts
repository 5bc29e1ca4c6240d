// Drawing training trees from a fixed set (a file's trees): epochs in a seeded random order, and
// the score of always answering the most frequent root label, the baseline a model must beat.

import { Rng } from '../rng.ts';
import type { Tree } from './parse.ts';

/** `next(B)`: B trees, each epoch a new seeded shuffle of all of them (the same seed, the same draws). */
export function shuffledEpochs(trees: readonly Tree[], seed: number): (B: number) => Tree[] {
  const rng = new Rng(seed);
  let order: number[] = [];
  return (B) =>
    Array.from({ length: B }, () => {
      if (order.length === 0) {
        order = trees.map((_, i) => i);
        for (let i = order.length - 1; i > 0; i--) {
          const j = rng.int(i + 1);
          [order[i], order[j]] = [order[j], order[i]];
        }
      }
      return trees[order.pop()!];
    });
}

/** The share of labelled roots that carry the most frequent label (0 when none is labelled). */
export function majorityRootShare(trees: readonly Tree[], classes: number): number {
  const counts = new Array<number>(classes).fill(0);
  for (const t of trees) if (t.label >= 0) counts[t.label]++;
  return Math.max(...counts) / Math.max(1, counts.reduce((a, b) => a + b, 0));
}
