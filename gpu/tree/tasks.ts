// Built-in synthetic tree tasks, seeded and deterministic. Both label every node whose meaning is
// defined, train on shallow trees and validate on deeper ones: a recursive network applies the same
// composition at every node, so what it learned on small trees should hold on larger ones.
//
// "arithmetic": expressions over the digits 0–9 with + and *; the label of every (sub)expression is
//   its value mod 10. An expression (op a b) is the binary tree ((op a) b) — the S-expression parser's
//   left binarisation of `(op a b)` — so the node (op a) ("add a", "times a") is unlabelled and its
//   parent holds the value. Digits are labelled with themselves. Expression depth ≤ trainDepth in
//   training; validation expressions have depth exactly validationDepth (deeper than any seen).
// "negation": phrases from a tiny lexicon; labels 0 negative, 1 neutral, 2 positive on every node.
//   A word has its lexicon polarity ("not" is neutral on its own). (not X) has the opposite polarity
//   of X (neutral stays neutral, "not not good" is positive); any other phrase (A B) has the sign of
//   polarity(A) + polarity(B) (good + dull = neutral). Training trees at most trainHeight tall,
//   validation trees exactly validationHeight.

import { Rng } from '../core/rng.ts';
import type { Tree } from './parse.ts';
import { vocabulary, type Heads, type Vocab } from './trees.ts';

export interface TreeTask {
  /** A built-in task, or 'file': a user's trees (fileTask.ts). */
  name: TreeTaskName | 'file';
  tokens: string[];
  vocab: Vocab;
  classes: number;
  /** The heads the task trains: every labelled node. */
  heads: Heads;
  /** The next B training trees (the generator's state advances). */
  next(B: number): Tree[];
  /** Deeper trees than any in training, fixed by the seed. */
  validation: Tree[];
  /** What the root accuracy of always predicting the most frequent validation root class is. */
  majorityRootAccuracy: number;
  /** No training tree has more nodes than this. */
  maxTrainNodes: number;
}

export const TREE_TASK_NAMES = ['arithmetic', 'negation'] as const;
export type TreeTaskName = (typeof TREE_TASK_NAMES)[number];

export interface TreeTaskOptions {
  seed?: number;
  /** Arithmetic: expression depth of training trees (1..), validation (> trainDepth). */
  trainDepth?: number;
  validationDepth?: number;
  /** Negation: tree heights. */
  trainHeight?: number;
  validationHeight?: number;
  validationSize?: number;
}

export function treeTask(name: TreeTaskName, o: TreeTaskOptions = {}): TreeTask {
  return name === 'arithmetic' ? arithmeticTask(o) : negationTask(o);
}

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** An expression of exactly `depth` nested operations and its value mod 10. */
function expression(rng: Rng, depth: number): { tree: Tree; value: number } {
  if (depth === 0) {
    const v = rng.int(10);
    return { tree: { token: DIGITS[v], label: v }, value: v };
  }
  // One operand has the remaining depth, the other any depth below it, on a random side.
  const deep = expression(rng, depth - 1);
  const other = expression(rng, rng.int(depth));
  const [a, b] = rng.uniform() < 0.5 ? [deep, other] : [other, deep];
  const plus = rng.uniform() < 0.5;
  const value = plus ? (a.value + b.value) % 10 : (a.value * b.value) % 10;
  const op: Tree = { token: plus ? '+' : '*', label: -1 };
  return { tree: { left: { left: op, right: a.tree, label: -1 }, right: b.tree, label: value }, value };
}

export function arithmeticTask(o: TreeTaskOptions = {}): TreeTask {
  const trainDepth = o.trainDepth ?? 2;
  return generatedTask(o, {
    name: 'arithmetic',
    tokens: [...DIGITS, '+', '*'],
    classes: 10,
    draw: (rng, depth) => expression(rng, depth).tree,
    size: { name: 'Depth', train: trainDepth, validation: o.validationDepth ?? trainDepth + 2 },
    // n(0) = 1, n(d) ≤ 3 + 2 n(d − 1): ((op a) b) adds three nodes.
    maxTrainNodes: 4 * 2 ** trainDepth - 3,
  });
}

/**
 * A task whose trees a seeded generator draws at a size (depth or height): training trees of sizes
 * 1..train from one stream, validation trees of exactly the larger validation size from another.
 */
function generatedTask(
  o: TreeTaskOptions,
  t: {
    name: TreeTaskName;
    tokens: string[];
    classes: number;
    draw: (rng: Rng, size: number) => Tree;
    size: { name: 'Depth' | 'Height'; train: number; validation: number };
    maxTrainNodes: number;
  },
): TreeTask {
  const { train, validation: validationSize } = t.size;
  if (!(validationSize > train)) throw new Error(`validation${t.size.name} must exceed train${t.size.name}`);
  const seed = o.seed ?? 0;
  const rng = new Rng(seed);
  const vrng = new Rng(seed ^ 0x5bd1e995);
  const validation = Array.from({ length: o.validationSize ?? 500 }, () => t.draw(vrng, validationSize));
  return {
    name: t.name,
    tokens: t.tokens,
    vocab: vocabulary(t.tokens),
    classes: t.classes,
    heads: 'all',
    next: (B) => Array.from({ length: B }, () => t.draw(rng, 1 + rng.int(train))),
    validation,
    majorityRootAccuracy: majority(validation, t.classes),
    maxTrainNodes: t.maxTrainNodes,
  };
}

const LEXICON: Record<string, number> = {
  good: 1,
  great: 1,
  fun: 1,
  superb: 1,
  charming: 1,
  bad: -1,
  dull: -1,
  awful: -1,
  boring: -1,
  weak: -1,
  the: 0,
  movie: 0,
  plot: 0,
  film: 0,
  acting: 0,
  a: 0,
  was: 0,
  this: 0,
};
const WORDS = Object.keys(LEXICON);

/** A phrase of exactly `height` levels and its polarity in {-1, 0, 1}. */
function phrase(rng: Rng, height: number): { tree: Tree; p: number } {
  if (height === 0) {
    const w = WORDS[rng.int(WORDS.length)];
    return { tree: { token: w, label: LEXICON[w] + 1 }, p: LEXICON[w] };
  }
  if (rng.uniform() < 0.3) {
    const x = phrase(rng, height - 1);
    const p = -x.p;
    return { tree: { left: { token: 'not', label: 1 }, right: x.tree, label: p + 1 }, p };
  }
  const deep = phrase(rng, height - 1);
  const other = phrase(rng, rng.int(height));
  const [a, b] = rng.uniform() < 0.5 ? [deep, other] : [other, deep];
  const p = Math.sign(a.p + b.p);
  return { tree: { left: a.tree, right: b.tree, label: p + 1 }, p };
}

export function negationTask(o: TreeTaskOptions = {}): TreeTask {
  const trainHeight = o.trainHeight ?? 4;
  return generatedTask(o, {
    name: 'negation',
    tokens: [...WORDS, 'not'],
    classes: 3,
    draw: (rng, height) => phrase(rng, height).tree,
    size: { name: 'Height', train: trainHeight, validation: o.validationHeight ?? trainHeight + 3 },
    maxTrainNodes: 2 ** (trainHeight + 1) - 1,
  });
}

function majority(trees: Tree[], C: number): number {
  const counts = new Array<number>(C).fill(0);
  for (const t of trees) counts[t.label]++;
  return Math.max(...counts) / trees.length;
}

/** The value of an arithmetic tree (for tests): evaluates ((op a) b) nodes. */
export function evaluateArithmetic(t: Tree): number {
  if ('token' in t) return Number(t.token);
  const inner = t.left as { left: Tree; right: Tree };
  const op = (inner.left as { token: string }).token;
  const a = evaluateArithmetic(inner.right);
  const b = evaluateArithmetic(t.right);
  return op === '+' ? (a + b) % 10 : (a * b) % 10;
}
