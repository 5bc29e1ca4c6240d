// The latest prediction (metrics.prediction) as React state of the component that reads it: only
// that component re-renders when a prediction arrives (once per validation), never the whole app.

import { useCallback, useSyncExternalStore } from 'react';
import { useMetrics } from '../metrics/context.ts';
import type { PredictionFrame } from '../metrics/metrics.ts';

function useSubscribe() {
  const metrics = useMetrics();
  return [metrics, useCallback((onChange: () => void) => metrics.predictionChanged.subscribe(onChange), [metrics])] as const;
}

export function usePrediction(): PredictionFrame | null {
  const [metrics, subscribe] = useSubscribe();
  return useSyncExternalStore(
    subscribe,
    useCallback(() => metrics.prediction, [metrics]),
  );
}

/** Only the prediction's form: its reader re-renders when the form changes, not with every prediction. */
export function usePredictionKind(): PredictionFrame['prediction']['kind'] | null {
  const [metrics, subscribe] = useSubscribe();
  return useSyncExternalStore(
    subscribe,
    useCallback(() => metrics.prediction?.prediction.kind ?? null, [metrics]),
  );
}
