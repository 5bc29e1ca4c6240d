import { describe, expect, it } from 'vitest';
import { parseTreeFile, treeFileTask, TreeFileError, validationCount } from './fileTask.ts';

describe('treeFileTask', () => {
  const lines = Array.from({ length: 25 }, (_, i) => `(${i % 3} (${(i + 1) % 3} w${i % 4}) (_ (1 not) (2 good)))`);

  const task = () => treeFileTask(lines.join('\n'), 0);

  it('splits the last 10% off for validation (at least 1, at most 1000)', () => {
    expect(task().validation).toHaveLength(2);
    expect([validationCount(2), validationCount(25), validationCount(1e5)]).toEqual([1, 2, 1000]);
  });

  it('takes the vocabulary from every token, the classes up to the largest label, a head at every labelled node', () => {
    const t = task();
    expect(t.classes).toBe(3);
    expect(t.tokens.sort()).toEqual(['good', 'not', 'w0', 'w1', 'w2', 'w3']);
    expect(t.heads).toBe('all');
    expect(t.maxTrainNodes).toBe(5);
  });

  it('gives every training tree once per epoch, in a seeded order', () => {
    const file = task();
    const epoch = file.next(23);
    expect(new Set(epoch).size).toBe(23);
    expect(epoch.some((t) => file.validation.includes(t))).toBe(false);
    expect(
      treeFileTask(lines.join('\n'), 0)
        .next(23)
        .map((t) => JSON.stringify(t)),
    ).toEqual(epoch.map((t) => JSON.stringify(t)));
  });

  it('refuses what it cannot train on, saying why (the parser names the line and column)', () => {
    expect(() => parseTreeFile('(1 (0 a) (2 b))\n(1 (0 a) (2 b)')).toThrow(/^line 2, column 1: unbalanced/);
    expect(() => parseTreeFile('(1 (0 a) (2 b))')).toThrow(/at least 2 are needed/);
    expect(() => treeFileTask('(_ a b)\n(_ c d)')).toThrow(TreeFileError);
    expect(() => treeFileTask('(_ a b)\n(_ c d)')).toThrow(/no node of the training trees/);
    expect(() => treeFileTask('(100 a b)\n(1 c d)')).toThrow(/labelled 100; labels are 0 … 99/);
  });
});
