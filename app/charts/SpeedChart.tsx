// Throughput: tokens per second (tree nodes per second for a tree model; left axis) and milliseconds
// per step (right axis).

import { useMemo } from 'react';
import { lab } from '../lab/pageLab.ts';
import { useStore } from '../store/index.ts';
import { downsample } from '../metrics/downsample.ts';
import { axis, COLORS, lineSeries, stepChart, stepSeries, tick } from './theme.ts';
import { UPlotChart, type ChartSpec } from './UPlotChart.tsx';

const { metrics } = lab;

const speedSpec = (unit: string): ChartSpec => ({
  signals: [metrics.series],
  options: (width, height) =>
    stepChart(width, height, {
      series: [stepSeries(), lineSeries(unit, COLORS.tokens, { scale: 'tok' }), lineSeries('ms/step', COLORS.ms, { scale: 'ms' })],
      scales: {
        tok: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
        ms: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
      },
      axes: [
        axis({ label: 'step' }),
        axis({ scale: 'tok', size: 52, stroke: COLORS.tokens, values: (_u, ticks) => ticks.map(tick) }),
        axis({ scale: 'ms', side: 1, size: 50, stroke: COLORS.ms, grid: { show: false }, values: (_u, ticks) => ticks.map(tick) }),
      ],
    }),
  data: () => {
    const tok = downsample(metrics.tokensPerSec, 300);
    const ms = downsample(metrics.msPerStep, 300);
    return [tok.x, tok.y, ms.y];
  },
});

export function SpeedChart() {
  const tree = useStore((s) => s.treeModel !== null);
  const spec = useMemo(() => speedSpec(tree ? 'nodes/s' : 'tokens/s'), [tree]);
  return (
    <section className="panel chart-panel" aria-labelledby="speed-title">
      <header className="panel-head">
        <h2 id="speed-title">Speed</h2>
      </header>
      <UPlotChart
        empty={`${tree ? 'Nodes' : 'Tokens'} per second and milliseconds per step appear here.`}
        spec={spec}
        height={180}
        label={`${tree ? 'Nodes' : 'Tokens'} per second and milliseconds per step`}
      />
    </section>
  );
}
