// The synthetic tree tasks: seeded and deterministic, labels that follow the documented rules at
// every node, validation trees deeper than any training tree.
import { describe, it, expect } from 'vitest';
import { arithmeticTask, evaluateArithmetic, negationTask } from './tasks.ts';
import { height, isLeaf, parseTree, stripPositions, writePtb, writeSexpr, type Tree } from './parse.ts';
import { buildTreeBatch } from './trees.ts';
import { countNodes } from './evaluate.ts';

const nodes = (t: Tree): Tree[] => (isLeaf(t) ? [t] : [t, ...nodes(t.left), ...nodes(t.right)]);
/** Nesting depth of an arithmetic expression: ((op a) b) is one level. */
const exprDepth = (t: Tree): number => (isLeaf(t) ? 0 : 1 + Math.max(exprDepth((t.left as { right: Tree }).right), exprDepth(t.right)));

describe('arithmetic', () => {
  it('is deterministic per seed', () => {
    const a = arithmeticTask({ seed: 3 });
    const b = arithmeticTask({ seed: 3 });
    expect(a.next(20).map((t) => writePtb(t))).toEqual(b.next(20).map((t) => writePtb(t)));
    expect(a.validation.map((t) => writePtb(t))).toEqual(b.validation.map((t) => writePtb(t)));
    expect(
      arithmeticTask({ seed: 4 })
        .next(20)
        .map((t) => writePtb(t)),
    ).not.toEqual(
      arithmeticTask({ seed: 3 })
        .next(20)
        .map((t) => writePtb(t)),
    );
  });

  it('labels every expression with its value mod 10, the (op a) nodes with nothing', () => {
    const task = arithmeticTask({ seed: 1, trainDepth: 3 });
    for (const t of [...task.next(200), ...task.validation.slice(0, 100)])
      for (const n of nodes(t)) {
        if (isLeaf(n)) expect(n.label).toBe(/\d/.test(n.token) ? Number(n.token) : -1);
        else if (isLeaf(n.left))
          expect(n.label).toBe(-1); // (op a)
        else expect(n.label).toBe(evaluateArithmetic(n));
      }
  });

  it('is the left binarisation of the S-expression (op a b)', () => {
    const t = parseTree('(+ 3 (* 2 4))', 'sexpr');
    expect(evaluateArithmetic(t)).toBe(1);
    expect(writeSexpr(t)).toBe('((+ 3) ((* 2) 4))');
    const task = arithmeticTask({ seed: 2 });
    for (const x of task.next(50)) {
      const unlabelled = stripPositions(parseTree(writeSexpr(x), 'sexpr'));
      expect(evaluateArithmetic(unlabelled)).toBe(x.label);
    }
  });

  const depths = () => {
    const task = arithmeticTask({ seed: 5, trainDepth: 2, validationDepth: 4 });
    return { task, train: task.next(2000) };
  };

  it('validates on deeper expressions than it trains on (depth 4, 2)', () => {
    const { task, train } = depths();
    expect(Math.max(...train.map(exprDepth))).toBe(2);
    expect(new Set(task.validation.map(exprDepth))).toEqual(new Set([4]));
  });

  it('bounds the training trees by maxTrainNodes, so that a batch of them builds', () => {
    const { task, train } = depths();
    expect(Math.max(...train.map(countNodes))).toBeLessThanOrEqual(task.maxTrainNodes);
    buildTreeBatch(train, task.vocab, task.classes);
  });

  it('the majority class answers 10–40% of the validation roots', () => {
    const { task } = depths();
    expect(task.majorityRootAccuracy).toBeGreaterThan(0.1);
    expect(task.majorityRootAccuracy).toBeLessThan(0.4);
  });
});

describe('negation', () => {
  const polarity = (t: Tree) => t.label - 1;
  it('flips the phrase "not" combines with, sums the signs elsewhere, labels every node', () => {
    const task = negationTask({ seed: 7 });
    let flips = 0;
    for (const t of [...task.next(300), ...task.validation.slice(0, 100)])
      for (const n of nodes(t)) {
        expect(n.label).toBeGreaterThanOrEqual(0);
        if (isLeaf(n)) continue;
        if (isLeaf(n.left) && n.left.token === 'not') {
          expect(polarity(n)).toBe(-polarity(n.right) || 0);
          if (polarity(n.right) !== 0) flips++;
        } else expect(polarity(n)).toBe(Math.sign(polarity(n.left) + polarity(n.right)));
      }
    expect(flips).toBeGreaterThan(100);
  });

  const heights = () => negationTask({ seed: 1, trainHeight: 3, validationHeight: 6 });

  it('is deterministic: the same seed gives the same trees', () => {
    expect(
      heights()
        .next(10)
        .map((t) => writePtb(t)),
    ).toEqual(
      heights()
        .next(10)
        .map((t) => writePtb(t)),
    );
  });

  it('validates on taller trees than it trains on (height 6, 3), the training trees within maxTrainNodes', () => {
    const a = heights();
    expect(Math.max(...a.next(500).map(height))).toBe(3);
    expect(new Set(a.validation.map(height))).toEqual(new Set([6]));
    expect(Math.max(...a.next(500).map(countNodes))).toBeLessThanOrEqual(a.maxTrainNodes);
  });

  it('its trees write as PTB text and read back', () => {
    expect(writePtb(parseTree('(2 (1 not) (0 bad))', 'ptb'))).toBe('(2 (1 not) (0 bad))');
  });
});
