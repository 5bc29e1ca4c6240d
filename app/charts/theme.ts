// Colours and axis styling shared by the charts (chosen for contrast on white, and to be told apart
// by people with the common colour-vision deficiencies: blue / orange / purple / green).

import type uPlot from 'uplot';

export const COLORS = {
  train: '#2563eb',
  validation: '#ea580c',
  baseline: '#64748b',
  gradNorm: '#7c3aed',
  tokens: '#059669',
  ms: '#b45309',
  grid: '#e2e8f0',
  axis: '#475569',
};

export function axis(o: Partial<uPlot.Axis> = {}): uPlot.Axis {
  return {
    stroke: COLORS.axis,
    grid: { stroke: COLORS.grid, width: 1 },
    ticks: { stroke: COLORS.grid, width: 1 },
    font: '11px system-ui, sans-serif',
    labelFont: '11px system-ui, sans-serif',
    ...o,
  };
}

/** Compact numbers for axes and legends: 12.3k, 0.0042. */
export function fmt(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${(v / 1e3).toFixed(1)}k`;
  if (a >= 100) return v.toFixed(0);
  if (a === 0) return '0';
  return v.toPrecision(digits);
}

/** An axis tick's text; log axes pass null for their unlabelled minor ticks. */
export const tick = (t: number | null): string => (t === null ? '' : fmt(t));

/** uPlot options for a chart over steps: the x scale counts steps (it is not a time), and a drag does not zoom. */
export function stepChart(width: number, height: number, o: Pick<uPlot.Options, 'series' | 'axes' | 'legend'> & { scales?: uPlot.Scales }): uPlot.Options {
  return { width, height, ...o, scales: { x: { time: false }, ...o.scales }, cursor: { drag: { x: false, y: false } } };
}

/** The x series of a chart over steps: the legend shows the step as a whole number. */
export const stepSeries = (label = 'step'): uPlot.Series => ({ label, value: (_u, v) => (v === null ? '–' : String(Math.round(v))) });

/** A curve drawn as a thin line over any gaps, without point markers; the legend shows its value in compact numbers. */
export const lineSeries = (label: string, stroke: string, more: Partial<uPlot.Series> = {}): uPlot.Series => ({
  label,
  stroke,
  width: 1.5,
  spanGaps: true,
  points: { show: false },
  value: (_u, v) => fmt(v),
  ...more,
});
