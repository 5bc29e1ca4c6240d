// How strongly the output depends on the input k steps earlier: ‖∂y_t/∂x_{t−k}‖ averaged over the
// output steps t, on a log scale, from a backward pass through the current weights (the worker's
// connectivity analysis, at each validation). A vanishing gradient shows as a line falling to the left.

import { useMemo } from 'react';
import type uPlot from 'uplot';
import { axis, COLORS, fmt, stepChart, stepSeries } from '../charts/theme.ts';
import { UPlotChart, type ChartSpec } from '../charts/UPlotChart.tsx';
import type { Connectivity } from '../../gpu/session/protocol.ts';
import type { CellLab } from './cellLab.ts';

/** Mean norm at each distance k = t − s (k = 0 … maxK) over the output steps that reach that far. */
export function byDistance(c: Connectivity): { k: number[]; norm: number[] } {
  const sums: number[] = [];
  const counts: number[] = [];
  c.outputSteps.forEach((t, row) => {
    for (let s = 0; s <= t && s < c.inputs; s++) {
      const k = t - s;
      sums[k] = (sums[k] ?? 0) + c.norms[row * c.inputs + s];
      counts[k] = (counts[k] ?? 0) + 1;
    }
  });
  const k = sums.map((_, i) => i);
  return { k, norm: k.map((i) => sums[i] / counts[i]) };
}

/** Log-axis labels at powers of ten only ("1e-4"), so decades of tiny norms stay readable. */
function powerOfTen(v: number): string {
  const e = Math.log10(v);
  if (Math.abs(e - Math.round(e)) > 1e-9) return '';
  return Math.abs(e) < 3 ? String(Number(v.toPrecision(1))) : `1e${Math.round(e)}`;
}

export function ConnectivityChart({ lab }: { lab: CellLab }) {
  const spec = useMemo<ChartSpec>(
    () => ({
      signals: [lab.connectivityChanged],
      options: (width, height) =>
        stepChart(width, height, {
          series: [
            stepSeries('steps back'),
            { label: '‖∂y/∂x‖', stroke: COLORS.gradNorm, width: 2, points: { show: true, size: 4 }, value: (_u, v) => fmt(v, 3) },
          ],
          scales: { y: { distr: 3 } },
          axes: [axis({ label: 'steps back (t − s)' }), axis({ size: 52, values: (_u, ticks) => ticks.map(powerOfTen) })],
        }),
      data: (): uPlot.AlignedData => {
        const c = lab.connectivity?.connectivity;
        if (!c) return [[], []];
        const d = byDistance(c);
        return [d.k, d.norm.map((v) => (v > 0 ? v : null))];
      },
    }),
    [lab],
  );
  return (
    <figure className="nb-view" data-testid="nb-connectivity">
      <figcaption>
        <span>
          Connectivity ‖∂y<sub>t</sub>/∂x<sub>t−k</sub>‖
        </span>
      </figcaption>
      <UPlotChart spec={spec} height={180} label="How strongly the output depends on inputs k steps back" empty="Appears at the first validation." />
    </figure>
  );
}
