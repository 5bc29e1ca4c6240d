// Hosts the loss canvas. React mounts it once; lossChart.ts draws on it whenever losses arrive.

import { useEffect, useRef } from 'react';
import { attachLossChart } from './lossChart.ts';
import type { LossSeries } from './lossSeries.ts';

export function LossChart({ series }: { series: LossSeries }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => (canvas.current ? attachLossChart(canvas.current, series) : undefined), [series]);
  return <canvas ref={canvas} className="loss-chart" role="img" aria-label="Training loss per step" />;
}
