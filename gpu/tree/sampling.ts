// Tasks over fixed sets of trees (a file's trees in the page, the CLI's training and validation
// files): the vocabulary and labels they hold, epochs of the training trees in a seeded random order,
// and the score of always answering the most frequent root label, the baseline a model must beat.

import { Rng } from '../core/rng.ts';
import { countNodes, type Tree } from './parse.ts';
import type { TreeTask } from './tasks.ts';
import { vocabulary } from './trees.ts';

/** What sets of trees hold: their tokens in first-seen order, the largest label, labelled nodes per set. */
export interface TreeScan {
  tokens: string[];
  maxLabel: number;
  labelled: number[];
}

export function scanTrees(sets: readonly (readonly Tree[])[]): TreeScan {
  const tokens: string[] = [];
  const seen = new Set<string>();
  let maxLabel = -1;
  const labelled = sets.map((trees) => {
    let n = 0;
    const walk = (t: Tree) => {
      maxLabel = Math.max(maxLabel, t.label);
      if (t.label >= 0) n++;
      if ('token' in t) {
        if (!seen.has(t.token)) tokens.push(t.token);
        seen.add(t.token);
      } else {
        walk(t.left);
        walk(t.right);
      }
    };
    trees.forEach(walk);
    return n;
  });
  return { tokens, maxLabel, labelled };
}

/** A task over fixed training and validation trees, every labelled node a head (the caller checks the labels). */
export function fixedTreeTask(train: readonly Tree[], validation: Tree[], tokens: string[], classes: number, seed: number): Omit<TreeTask, 'name'> {
  return {
    tokens,
    vocab: vocabulary(tokens),
    classes,
    heads: 'all',
    next: shuffledEpochs(train, seed),
    validation,
    majorityRootAccuracy: majorityRootShare(validation, classes),
    maxTrainNodes: Math.max(...train.map(countNodes)),
  };
}

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
  return (
    Math.max(...counts) /
    Math.max(
      1,
      counts.reduce((a, b) => a + b, 0),
    )
  );
}
