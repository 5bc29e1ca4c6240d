// A forecasting model's prediction for validation sequence 0: the target series and the predicted
// one over the steps (uPlot), and their mean squared error. The chart redraws itself when a
// prediction arrives (once per validation), outside React.

import { useMemo } from 'react';
import type uPlot from 'uplot';
import { axis, COLORS, fmt, stepChart, stepSeries, tick } from '../charts/theme.ts';
import { UPlotChart, type ChartSpec } from '../charts/UPlotChart.tsx';
import { useMetrics } from '../metrics/context.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { LiveValue } from './LiveValue.tsx';

/** The current forecast, or null (no prediction yet, or another form). */
function forecast(metrics: Metrics) {
  const p = metrics.prediction?.prediction;
  return p?.kind === 'forecast' ? p : null;
}

/** Mean squared error of the prediction against the target over the sequence's steps. */
export function sequenceMse(targets: readonly number[], predicted: readonly number[]): number {
  if (!targets.length) return NaN;
  return targets.reduce((s, y, t) => s + (predicted[t] - y) ** 2, 0) / targets.length;
}

export function ForecastPanel() {
  const metrics = useMetrics();
  const spec = useMemo(() => forecastSpec(metrics), [metrics]);
  const readMse = useMemo(
    () => () => {
      const p = forecast(metrics);
      return p ? fmt(sequenceMse(p.targets, p.predicted), 3) : '–';
    },
    [metrics],
  );
  const readStep = useMemo(() => () => (metrics.prediction ? metrics.prediction.step.toLocaleString('en-US') : '–'), [metrics]);
  return (
    <figure className="forecast">
      <figcaption>
        Validation sequence 0 at step <LiveValue signal={metrics.predictionChanged} read={readStep} />: mean squared error{' '}
        <strong>
          <LiveValue signal={metrics.predictionChanged} read={readMse} testId="forecast-mse" />
        </strong>
      </figcaption>
      <UPlotChart spec={spec} height={200} label="Target series and the model's prediction per step" empty="The forecast appears at the first validation." />
    </figure>
  );
}

function forecastSpec(metrics: Metrics): ChartSpec {
  const value = (_u: uPlot, v: number | null) => fmt(v, 4);
  return {
    signals: [metrics.predictionChanged],
    options: (width, height) =>
      stepChart(width, height, {
        series: [
          stepSeries(),
          { label: 'target', stroke: COLORS.train, width: 1.5, points: { show: false }, value },
          { label: 'prediction', stroke: COLORS.validation, width: 2, dash: [5, 3], points: { show: false }, value },
        ],
        // Steps are whole numbers: no ticks between them.
        axes: [
          axis({ label: 'step', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000] }),
          axis({ size: 52, values: (_u, ticks) => ticks.map(tick) }),
        ],
        legend: { live: true },
      }),
    data: () => {
      const p = forecast(metrics);
      if (!p) return [[], [], []];
      return [p.targets.map((_, t) => t), p.targets, p.predicted];
    },
  };
}
