// A long series reduced to at most `points` bucket means, so a chart's redraw costs the same at
// step 100 and at step 1,000,000.

import type { StepSeries } from './stepSeries.ts';

export interface Downsampled {
  /** The middle step of each bucket. */
  x: number[];
  /** The mean of the bucket's finite values; null where it has none (a gap in the line). */
  y: (number | null)[];
}

export function downsample(series: StepSeries, points: number): Downsampled {
  const { start, end } = series;
  const n = end - start;
  const buckets = Math.min(n, Math.max(1, points));
  const x: number[] = [];
  const y: (number | null)[] = [];
  for (let b = 0; b < buckets; b++) {
    const from = start + Math.floor((b * n) / buckets);
    const to = start + Math.floor(((b + 1) * n) / buckets);
    let sum = 0;
    let k = 0;
    for (let s = from; s < to; s++) {
      const v = series.at(s);
      if (Number.isFinite(v)) {
        sum += v;
        k++;
      }
    }
    x.push((from + to - 1) / 2);
    y.push(k ? sum / k : null);
  }
  return { x, y };
}
