// Validation of a tree model: trees packed into batches up to the trainer's node capacity, each
// batch's loss and logits read back, accuracy counted on the roots and on every labelled node.

import { countNodes, type Tree } from './parse.ts';
import { buildTreeBatch, headTargets, TreeDataError, type Vocab } from './trees.ts';
import { argmaxRows, type TreeTrainer } from './trainer.ts';

/** Counted by parse.ts; re-exported for the evaluators' callers. */
export { countNodes };

/** Nodes of a binary tree. */

/** Splits trees, in order, into groups of at most `capacity` nodes (and `maxTrees` trees). */
export function packTrees(trees: readonly Tree[], capacity: number, maxTrees = Infinity): Tree[][] {
  const out: Tree[][] = [];
  let group: Tree[] = [];
  let nodes = 0;
  for (const [i, t] of trees.entries()) {
    const n = countNodes(t);
    if (n > capacity) throw new TreeDataError(`tree ${i} has ${n} nodes, more than the model's capacity of ${capacity}`);
    if (group.length && (nodes + n > capacity || group.length >= maxTrees)) {
      out.push(group);
      group = [];
      nodes = 0;
    }
    group.push(t);
    nodes += n;
  }
  if (group.length) out.push(group);
  return out;
}

export interface TreeEvaluation {
  /** Mean cross-entropy over the targets of the model's heads. */
  loss: number;
  /** Fraction of trees whose root is classified right (trees with a root label). */
  rootAccuracy: number;
  /** Fraction of labelled nodes classified right. */
  nodeAccuracy: number;
  trees: number;
}

export async function evaluateTrees(trainer: TreeTrainer, trees: readonly Tree[], vocab: Vocab): Promise<TreeEvaluation> {
  const { classes, heads } = trainer.model.cfg;
  let lossSum = 0;
  let targets = 0;
  let roots = 0;
  let rootsRight = 0;
  let labelled = 0;
  let labelledRight = 0;
  for (const group of packTrees(trees, trainer.model.capacity)) {
    const batch = buildTreeBatch(group, vocab, classes);
    const t = headTargets(batch, heads);
    const count = t.reduce((a, x) => a + (x >= 0 ? 1 : 0), 0);
    const { loss, logits } = await trainer.evaluate(batch, t);
    lossSum += loss * count;
    targets += count;
    const pred = argmaxRows(logits, classes);
    for (let n = 0; n < batch.N; n++)
      if (batch.label[n] >= 0) {
        labelled++;
        if (pred[n] === batch.label[n]) labelledRight++;
      }
    for (const r of batch.roots)
      if (batch.label[r] >= 0) {
        roots++;
        if (pred[r] === batch.label[r]) rootsRight++;
      }
  }
  return {
    loss: lossSum / Math.max(targets, 1),
    rootAccuracy: rootsRight / Math.max(roots, 1),
    nodeAccuracy: labelledRight / Math.max(labelled, 1),
    trees: trees.length,
  };
}
