// The gradient's global norm per step (before clipping), on a log scale: norms span decades. Stored
// runs shown in the run list are drawn beside the live one, each in its colour.

import { useMemo } from 'react';
import type uPlot from 'uplot';
import { lab } from '../lab/pageLab.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { downsample } from '../metrics/downsample.ts';
import { usePageOverlays, type OverlayOptions } from './LossChart.tsx';
import { onAxis, overlayLines, xLabel } from './overlay.ts';
import { axis, COLORS, lineSeries, stepChart, stepSeries, tick } from './theme.ts';
import { UPlotChart, type ChartSpec } from './UPlotChart.tsx';

const positive = (ys: (number | null)[]) => ys.map((y) => (y !== null && y > 0 ? y : null));

/** The gradient-norm chart of a session's metrics (the app's, or a notebook cell's), with stored runs beside it. */
export const gradNormSpec = (metrics: Metrics, o: OverlayOptions = { overlays: [], x: 'step', own: null }): ChartSpec => {
  const join = overlayLines(o, (r) => r.gradNorm, positive);
  return {
    signals: [metrics.series],
    options: (width, height) =>
      stepChart(width, height, {
        series: [
          stepSeries(xLabel(o.x)),
          lineSeries(o.own ?? 'gradient norm', o.ownColour ?? COLORS.gradNorm),
          ...o.overlays.map((r) => lineSeries(r.label, r.colour)),
        ],
        scales: { y: { distr: 3 } },
        axes: [axis({ label: xLabel(o.x) }), axis({ size: 52, values: (_u, ticks) => ticks.map(tick) })],
      }),
    data: () => {
      const d = downsample(metrics.gradNorm, 400);
      const own: uPlot.AlignedData = [d.x, positive(d.y)];
      return join(onAxis(own, o.x, metrics.msPerStep));
    },
  };
};

export function GradNormChart() {
  const o = usePageOverlays();
  const spec = useMemo(() => gradNormSpec(lab.metrics, o), [o]);
  return (
    <section className="panel chart-panel" aria-labelledby="grad-title">
      <header className="panel-head">
        <h2 id="grad-title">Gradient norm</h2>
      </header>
      <UPlotChart empty="The gradient norm of each step appears here." spec={spec} height={180} label="Gradient norm per step" />
    </section>
  );
}
