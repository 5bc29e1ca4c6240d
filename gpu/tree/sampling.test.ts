import { describe, expect, it } from 'vitest';
import { parseTrees } from './parse.ts';
import { majorityRootShare, scanTrees, shuffledEpochs } from './sampling.ts';

const trees = parseTrees('(0 a) (1 b) (1 c) (2 d) (_ e)', 'ptb');

describe('shuffledEpochs', () => {
  it('draws every tree once per epoch, in a new order each epoch, the same for the same seed', () => {
    const draw = shuffledEpochs(trees, 7);
    const epochs = [draw(5), draw(5), draw(5)].map((e) => e.map((t) => trees.indexOf(t)));
    for (const e of epochs) expect([...e].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(new Set(epochs.map((e) => e.join())).size).toBeGreaterThan(1);
    const again = shuffledEpochs(trees, 7);
    expect([...again(3), ...again(12)].map((t) => trees.indexOf(t))).toEqual(epochs.flat());
  });
});

describe('majorityRootShare', () => {
  it('is the share of the most frequent label among labelled roots', () => {
    expect(majorityRootShare(trees, 3)).toBe(2 / 4);
    expect(majorityRootShare([], 3)).toBe(0);
  });
});

describe('scanTrees', () => {
  it('tokens in first-seen order over the sets, the largest label, labelled nodes per set', () => {
    const scan = scanTrees([parseTrees('(1 (0 not) (2 good))', 'ptb'), parseTrees('(_ (0 bad) (3 not))', 'ptb')]);
    expect(scan).toEqual({ tokens: ['not', 'good', 'bad'], maxLabel: 3, labelled: [3, 2] });
  });
});
