// Which session's metrics a view reads: the app's by default, a notebook cell's inside its provider.
// Views that take their data this way work unchanged in the app and in every cell of a notebook.

import { createContext, useContext } from 'react';
import { lab } from '../lab/pageLab.ts';
import type { Metrics } from './metrics.ts';

export const MetricsContext = createContext<Metrics | null>(null);

export function useMetrics(): Metrics {
  return useContext(MetricsContext) ?? lab.metrics;
}
