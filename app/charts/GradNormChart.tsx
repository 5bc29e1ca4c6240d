// The gradient's global norm per step (before clipping), on a log scale: norms span decades.

import { lab } from '../lab/pageLab.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { downsample } from '../metrics/downsample.ts';
import { axis, COLORS, lineSeries, stepChart, stepSeries, tick } from './theme.ts';
import { UPlotChart, type ChartSpec } from './UPlotChart.tsx';

/** The gradient-norm chart of a session's metrics (the app's, or a notebook cell's). */
export const gradNormSpec = (metrics: Metrics): ChartSpec => ({
  signals: [metrics.series],
  options: (width, height) =>
    stepChart(width, height, {
      series: [stepSeries(), lineSeries('gradient norm', COLORS.gradNorm)],
      scales: { y: { distr: 3 } },
      axes: [axis({ label: 'step' }), axis({ size: 52, values: (_u, ticks) => ticks.map(tick) })],
    }),
  data: () => {
    const d = downsample(metrics.gradNorm, 400);
    return [d.x, d.y.map((y) => (y !== null && y > 0 ? y : null))];
  },
});

const spec = gradNormSpec(lab.metrics);

export function GradNormChart() {
  return (
    <section className="panel chart-panel" aria-labelledby="grad-title">
      <header className="panel-head">
        <h2 id="grad-title">Gradient norm</h2>
      </header>
      <UPlotChart empty="The gradient norm of each step appears here." spec={spec} height={180} label="Gradient norm per step" />
    </section>
  );
}
