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
