// A tree task from a user's file of PTB-style labelled trees (`(3 (2 not) (4 good))`, one or more per
// line): the last 10% of the trees validate (at most 1,000) and the others train, in a seeded shuffled
// order, epoch after epoch. The vocabulary is every token of the file, the classes 0 … the largest label. Pure: the
// page checks an upload with it (the parser's errors name the line and column) and the worker trains on it.

import { fixedTreeTask, scanTrees } from './sampling.ts';
import { parseTrees, TreeParseError, type Tree } from './parse.ts';
import { TreeDataError } from './trees.ts';
import type { TreeTask } from './tasks.ts';

/** Bounds of an uploaded tree file. */
export const TREE_FILE_LIMITS = { bytes: 5_000_000, trees: 100_000, nodesPerTree: 4_000, classes: 100 } as const;

export class TreeFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TreeFileError';
  }
}

/** The trees of a file, checked; throws TreeFileError with the reason (the parser's line and column). */
export function parseTreeFile(text: string): Tree[] {
  if (text.length > TREE_FILE_LIMITS.bytes)
    throw new TreeFileError(`the file has ${text.length.toLocaleString('en-US')} characters; the limit is ${TREE_FILE_LIMITS.bytes.toLocaleString('en-US')}`);
  let trees: Tree[];
  try {
    trees = parseTrees(text, 'ptb', { limits: { nodes: TREE_FILE_LIMITS.nodesPerTree } });
  } catch (e) {
    if (e instanceof TreeParseError || e instanceof TreeDataError) throw new TreeFileError(e.message);
    throw e;
  }
  if (trees.length < 2) throw new TreeFileError(`the file holds ${trees.length} tree; at least 2 are needed (10% of them, at least one, validate)`);
  if (trees.length > TREE_FILE_LIMITS.trees)
    throw new TreeFileError(`the file holds ${trees.length.toLocaleString('en-US')} trees; the limit is ${TREE_FILE_LIMITS.trees.toLocaleString('en-US')}`);
  return trees;
}

/** How many of `n` trees validate: the last 10%, at least one and at most 1,000 (each validation evaluates them all). */
export const validationCount = (n: number): number => Math.min(1000, Math.max(1, Math.floor(n / 10)));

/** A TreeTask over the trees of a file (see the top of this file). Throws TreeFileError. */
export function treeFileTask(text: string, seed = 0): TreeTask {
  const trees = parseTreeFile(text);
  const split = trees.length - validationCount(trees.length);
  const train = trees.slice(0, split);
  const validation = trees.slice(split);
  const { tokens, maxLabel, labelled } = scanTrees([train, validation]);
  if (labelled[0] === 0)
    throw new TreeFileError('no node of the training trees (the first 90%) carries a label: write trees as (label left right), e.g. (3 (2 not) (4 good))');
  const classes = maxLabel + 1;
  if (classes > TREE_FILE_LIMITS.classes) throw new TreeFileError(`a node is labelled ${maxLabel}; labels are 0 … ${TREE_FILE_LIMITS.classes - 1}`);
  return { name: 'file', ...fixedTreeTask(train, validation, tokens, classes, seed) };
}
