import { describe, expect, it } from 'vitest';
import { parseTreeFile, treeFileTask, TreeFileError, validationCount } from './fileTask.ts';

describe('treeFileTask', () => {
  const lines = Array.from({ length: 25 }, (_, i) => `(${i % 3} (${(i + 1) % 3} w${i % 4}) (_ (1 not) (2 good)))`);

  it('splits the last 10% off for validation; vocabulary from every token, classes up to the largest label', () => {
    const task = treeFileTask(lines.join('\n'), 0);
    expect(task.validation).toHaveLength(2);
    expect(task.classes).toBe(3);
    expect(task.tokens.sort()).toEqual(['good', 'not', 'w0', 'w1', 'w2', 'w3']);
    expect(task.heads).toBe('all');
    expect(task.maxTrainNodes).toBe(5);
    // Every training tree once per epoch, in a seeded order.
    const epoch = task.next(23);
    expect(new Set(epoch).size).toBe(23);
    expect(epoch.some((t) => task.validation.includes(t))).toBe(false);
    expect(
      treeFileTask(lines.join('\n'), 0)
        .next(23)
        .map((t) => JSON.stringify(t)),
    ).toEqual(epoch.map((t) => JSON.stringify(t)));
    expect([validationCount(2), validationCount(25), validationCount(1e5)]).toEqual([1, 2, 1000]);
  });

  it('refuses what it cannot train on, saying why (the parser names the line and column)', () => {
    expect(() => parseTreeFile('(1 (0 a) (2 b))\n(1 (0 a) (2 b)')).toThrow(/^line 2, column 1: unbalanced/);
    expect(() => parseTreeFile('(1 (0 a) (2 b))')).toThrow(/at least 2 are needed/);
    expect(() => treeFileTask('(_ a b)\n(_ c d)')).toThrow(TreeFileError);
    expect(() => treeFileTask('(_ a b)\n(_ c d)')).toThrow(/no node of the training trees/);
    expect(() => treeFileTask('(100 a b)\n(1 c d)')).toThrow(/labelled 100; labels are 0 … 99/);
  });
});
