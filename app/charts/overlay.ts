// Other runs on a chart beside the live one (app/runs/overlays.ts holds their curves): each run's
// table on the chart's x axis — steps, or seconds of training (the sum of its steps' times, so a
// faster run's curve ends sooner) — joined into the one x array uPlot draws on.

import uPlot from 'uplot';
import { downsample } from '../metrics/downsample.ts';
import type { StepSeries } from '../metrics/stepSeries.ts';
import type { Overlay } from '../runs/overlays.ts';

export type ChartX = 'step' | 'time';

/** Points per stored run shown beside the live one: fewer than its, since ten of them may be drawn every frame. */
export const OVERLAY_POINTS = 200;

/** Seconds of training before each step, from a run's ms-per-step series (a step with no time adds 0). */
export function clock(ms: StepSeries): (step: number) => number {
  const end = ms.end;
  const sum = new Float64Array(end + 1);
  for (let s = 0; s < end; s++) {
    const v = ms.at(s);
    sum[s + 1] = sum[s] + (Number.isFinite(v) ? v : 0);
  }
  return (step) => sum[Math.max(0, Math.min(end, Math.round(step)))] / 1000;
}

/** A stored run's clock, made once for the charts that share its series (its curves do not change). */
const clocks = new WeakMap<StepSeries, { end: number; at: (step: number) => number }>();
function clockOf(ms: StepSeries): (step: number) => number {
  const c = clocks.get(ms);
  if (c && c.end === ms.end) return c.at;
  const at = clock(ms);
  clocks.set(ms, { end: ms.end, at });
  return at;
}

/** A table whose x counts steps, on the chart's axis: unchanged for steps, in seconds of training for time. */
export function onAxis(table: uPlot.AlignedData, x: ChartX, ms: StepSeries): uPlot.AlignedData {
  if (x === 'step') return table;
  const t = clockOf(ms);
  // Seconds that repeat (steps with no time) would break uPlot's strictly rising x: keep the first.
  const xs = Array.from(table[0], t);
  const keep = xs.map((v, i) => i === 0 || v > xs[i - 1]);
  const cols = table.slice(1).map((col) => Array.from(col as ArrayLike<number | null>).filter((_, i) => keep[i]));
  return [xs.filter((_, i) => keep[i]), ...cols] as uPlot.AlignedData;
}

/** Tables on one x (the union of theirs); a table's series read null where it has no point (gaps the lines span). */
export function joined(tables: uPlot.AlignedData[]): uPlot.AlignedData {
  return tables.length === 1 ? tables[0] : uPlot.join(tables);
}

/**
 * The live table joined with the stored runs' tables. Those do not change while the live run trains:
 * they are made and joined among themselves once (`others` runs on the first frame), so a frame joins
 * two tables whatever the number of runs shown.
 */
export function withOverlays(others: () => uPlot.AlignedData[]): (own: uPlot.AlignedData) => uPlot.AlignedData {
  let cached: uPlot.AlignedData | null | undefined;
  return (own) => {
    if (cached === undefined) {
      const tables = others();
      cached = tables.length ? joined(tables) : null;
    }
    return cached ? joined([own, cached]) : own;
  };
}

/** The x axis' label and the legend's x value. */
export const xLabel = (x: ChartX): string => (x === 'step' ? 'step' : 'training time (s)');

/**
 * withOverlays for a chart that draws one curve of each stored run: `pick`'s series, downsampled,
 * its values through `values` (e.g. gaps for what a log axis cannot show), on the chart's x axis.
 */
export function overlayLines(
  o: { overlays: Overlay[]; x: ChartX },
  pick: (r: Overlay) => StepSeries,
  values: (ys: (number | null)[]) => (number | null)[] = (ys) => ys,
): (own: uPlot.AlignedData) => uPlot.AlignedData {
  return withOverlays(() =>
    o.overlays.map((r) => {
      const d = downsample(pick(r), OVERLAY_POINTS);
      return onAxis([d.x, values(d.y)], o.x, r.msPerStep);
    }),
  );
}
