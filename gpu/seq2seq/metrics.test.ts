// Token accuracy and exact match on hand-made predictions.
import { describe, expect, it } from 'vitest';
import { BOS, encodePairs, EOS, PAD, pairVocabulary, type PairBatch } from './pairs.ts';
import { exactMatch, tokenAccuracy } from './metrics.ts';

const vocabulary = pairVocabulary('abc'); // a = 3, b = 4, c = 5
const [a, b, c] = [3, 4, 5];
// Targets: "ab" + <eos> (3 steps) and "c" + <eos> (2 steps); U = 3.
const batch: PairBatch = encodePairs(
  [
    { source: 'ba', target: 'ab' },
    { source: 'c', target: 'c' },
  ],
  vocabulary,
);

/** Time-major predictions from one id list per sequence (all the same number of steps). */
const timeMajor = (...rows: number[][]) => Uint32Array.from(rows[0].flatMap((_, u) => rows.map((r) => r[u])));

describe('tokenAccuracy and exactMatch', () => {
  it('the batch holds what the tests assume', () => {
    expect([...batch.target]).toEqual([a, c, b, EOS, EOS, PAD]);
    expect([...batch.targetLengths]).toEqual([3, 2]);
  });

  it('all right: 1 and 1, whatever follows <eos>', () => {
    const p = timeMajor([a, b, EOS, c], [c, EOS, a, a]);
    expect(tokenAccuracy(p, batch)).toBe(1);
    expect(exactMatch(p, batch)).toBe(1);
  });

  it('one wrong token: 4 of 5 target steps, one of two sequences', () => {
    const p = timeMajor([a, c, EOS], [c, EOS, PAD]);
    expect(tokenAccuracy(p, batch)).toBe(4 / 5);
    expect(exactMatch(p, batch)).toBe(1 / 2);
  });

  it('no <eos> where the target ends: that step is wrong', () => {
    const p = timeMajor([a, b, c], [c, b, EOS]);
    expect(tokenAccuracy(p, batch)).toBe(3 / 5);
    expect(exactMatch(p, batch)).toBe(0);
  });

  it('after an early <eos> the prediction is over: later matching ids do not count', () => {
    const p = timeMajor([EOS, b, EOS], [c, EOS, PAD]);
    expect(tokenAccuracy(p, batch)).toBe(2 / 5);
    expect(exactMatch(p, batch)).toBe(1 / 2);
  });

  it('too few decoded steps count as wrong; more are fine', () => {
    expect(tokenAccuracy(timeMajor([a, b], [c, EOS]), batch)).toBe(4 / 5);
    expect(exactMatch(timeMajor([a, b], [c, EOS]), batch)).toBe(1 / 2);
    expect(exactMatch(timeMajor([a, b, EOS, BOS, BOS], [c, EOS, b, b, b]), batch)).toBe(1);
    expect(tokenAccuracy(new Uint32Array(0), batch)).toBe(0);
  });

  it('refuses predictions that are not whole steps of B', () => {
    expect(() => tokenAccuracy(new Uint32Array(5), batch)).toThrow(/5 ids, not a whole number of steps of 2 sequences/);
  });
});
