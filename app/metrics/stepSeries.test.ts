import { describe, expect, it } from 'vitest';
import { downsample } from './downsample.ts';
import { StepSeries } from './stepSeries.ts';

describe('StepSeries', () => {
  it('writes each window at its step, NaN in the steps between', () => {
    const s = new StepSeries();
    s.put(0, [1, 2, 3]);
    s.put(5, [6]);
    expect(s.toArray()).toEqual([1, 2, 3, NaN, NaN, 6]);
  });

  it('grows past its first capacity, keeping what it held', () => {
    const s = new StepSeries();
    s.put(0, [1, 2, 3]);
    for (let i = 3; i < 5000; i++) s.set(i, i + 1);
    expect([s.start, s.end, s.at(4999), s.latest()]).toEqual([0, 5000, 5000, 5000]);
    expect(s.at(2)).toBe(3);
  });

  it('starts over after clear', () => {
    const s = new StepSeries();
    s.put(0, [1, 2]);
    s.clear();
    s.put(0, [7]);
    expect(s.toArray()).toEqual([7]);
  });

  it('truncate forgets the steps from `end` on', () => {
    const s = new StepSeries();
    s.put(0, [1, 2, 3, 4, 5]);
    s.truncate(3);
    expect([s.end, s.at(3), s.latest()]).toEqual([3, NaN, 3]);
  });

  it('writes the steps after a truncate afresh', () => {
    const s = new StepSeries();
    s.put(0, [1, 2, 3, 4, 5]);
    s.truncate(3);
    s.put(3, [9]);
    expect(s.toArray()).toEqual([1, 2, 3, 9]);
  });

  it('truncate past the end changes nothing', () => {
    const s = new StepSeries();
    s.put(0, [1, 2, 3, 4]);
    s.truncate(10);
    expect([s.end, s.toArray()]).toEqual([4, [1, 2, 3, 4]]);
  });

  it('downsamples to bucket means, null for empty buckets', () => {
    const s = new StepSeries();
    s.put(0, [1, 3, NaN, NaN, 5, 7]);
    expect(downsample(s, 3)).toEqual({ x: [0.5, 2.5, 4.5], y: [2, null, 6] });
    expect(downsample(s, 100).x).toHaveLength(6);
  });
});
