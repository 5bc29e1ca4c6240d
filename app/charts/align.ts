// uPlot wants every series on one x array. Merges a downsampled per-step series with sparse
// points (the validation losses) into aligned columns, null where a series has no value.

import type { Downsampled } from '../metrics/downsample.ts';

export function alignWithPoints(line: Downsampled, points: { x: number; y: number }[]): [number[], (number | null)[], (number | null)[]] {
  const xs: number[] = [];
  const a: (number | null)[] = [];
  const b: (number | null)[] = [];
  let i = 0;
  let j = 0;
  while (i < line.x.length || j < points.length) {
    const lx = i < line.x.length ? line.x[i] : Infinity;
    const px = j < points.length ? points[j].x : Infinity;
    const x = Math.min(lx, px);
    xs.push(x);
    a.push(lx === x ? line.y[i++] : null);
    b.push(px === x ? points[j++].y : null);
  }
  return [xs, a, b];
}
