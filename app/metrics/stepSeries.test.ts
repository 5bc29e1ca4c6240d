import { describe, expect, it } from 'vitest';
import { downsample } from './downsample.ts';
import { StepSeries } from './stepSeries.ts';

describe('StepSeries', () => {
  it('holds windows by step, NaN in gaps, growing past its first capacity', () => {
    const s = new StepSeries();
    s.put(0, [1, 2, 3]);
    s.put(5, [6]);
    expect(s.toArray()).toEqual([1, 2, 3, NaN, NaN, 6]);
    for (let i = 6; i < 5000; i++) s.set(i, i + 1);
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

  it('truncate forgets the steps from `end` on; later steps are written afresh', () => {
    const s = new StepSeries();
    s.put(0, [1, 2, 3, 4, 5]);
    s.truncate(3);
    expect([s.end, s.at(3), s.latest()]).toEqual([3, NaN, 3]);
    s.put(3, [9]);
    expect(s.toArray()).toEqual([1, 2, 3, 9]);
    s.truncate(10); // past the end: nothing changes
    expect(s.end).toBe(4);
  });

  it('downsamples to bucket means, null for empty buckets', () => {
    const s = new StepSeries();
    s.put(0, [1, 3, NaN, NaN, 5, 7]);
    expect(downsample(s, 3)).toEqual({ x: [0.5, 2.5, 4.5], y: [2, null, 6] });
    expect(downsample(s, 100).x).toHaveLength(6);
  });
});
