// What a task model predicts, in the form its shape calls for: a forecast chart, tagged words, or a
// per-sequence value beside its target. It re-renders when the form changes; each view redraws
// itself when a prediction arrives.

import { fmt } from '../charts/theme.ts';
import { ForecastPanel } from './ForecastPanel.tsx';
import { TaggingPanel, type TaggerModel } from './TaggingPanel.tsx';
import { usePrediction, usePredictionKind } from './usePrediction.ts';

/** `model`: the model that predicts (its cell's name, bidirectional or not), named by the tagging view. */
export function PredictionView({ model = null }: { model?: TaggerModel | null }) {
  const kind = usePredictionKind();
  if (kind === 'forecast') return <ForecastPanel />;
  if (kind === 'labels') return <TaggingPanel model={model} />;
  if (kind === 'regression') return <RegressionResult />;
  return (
    <p className="muted" data-testid="prediction-pending">
      The model’s predictions on a validation sequence appear at the first validation (every 40 steps, and when training pauses).
    </p>
  );
}

/** A per-sequence target (the adding task's sum) and the model's value for validation sequence 0. */
function RegressionResult() {
  const frame = usePrediction();
  if (frame?.prediction.kind !== 'regression') return null;
  const { targets, predicted } = frame.prediction;
  return (
    <dl className="versus regression" aria-label={`Validation sequence 0 at step ${frame.step}`}>
      <div>
        <dt>Target (sequence 0)</dt>
        <dd data-testid="regression-target">{targets.map((v) => fmt(v, 4)).join(', ')}</dd>
      </div>
      <div>
        <dt>Predicted at step {frame.step.toLocaleString('en-US')}</dt>
        <dd data-testid="regression-predicted">{predicted.map((v) => fmt(v, 4)).join(', ')}</dd>
      </div>
    </dl>
  );
}
