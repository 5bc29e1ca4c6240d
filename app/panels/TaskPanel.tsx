// For a synthetic task: what it asks, the trivial baseline beside the latest validation loss, and what
// the model predicts on a validation sequence.

import { useMemo } from 'react';
import { datasetInfo } from '../config/datasets.ts';
import { fmt } from '../charts/theme.ts';
import { lab } from '../lab/pageLab.ts';
import { useStore } from '../store/index.ts';
import { LiveValue } from './LiveValue.tsx';
import { PredictionView } from './PredictionView.tsx';
import { Versus } from './Versus.tsx';

const { metrics } = lab;

const readValidation = () => fmt(metrics.validation.at(-1)?.loss, 4);

export function TaskPanel() {
  const dataset = useStore((s) => s.applied?.dataset ?? s.form.dataset);
  const baseline = useStore((s) => s.model?.baseline ?? null);
  const loss = useStore((s) => s.model?.config.loss);
  const config = useStore((s) => s.model?.config ?? null);
  // The configured model (the one whose predictions arrive), for the tagging view to name.
  const model = useMemo(
    () => config && { name: config.cell === 'rnn' ? `${config.nonlinearity} RNN` : config.cell.toUpperCase(), bidirectional: config.bidirectional === true },
    [config],
  );
  const info = datasetInfo(dataset);
  return (
    <section className="panel task wide" aria-labelledby="task-title">
      <header className="panel-head">
        <h2 id="task-title">{info.label.replace(/^Task: /, '')}</h2>
      </header>
      <p>{info.description}</p>
      <Versus
        model={{ label: 'Validation loss', value: <LiveValue signal={metrics.series} read={readValidation} testId="task-validation" /> }}
        baseline={{ label: 'Baseline', value: fmt(baseline, 4), testId: 'baseline' }}
      />
      <p className="muted">
        The baseline is the loss ({loss === 'ce' || loss === 'class' ? 'cross-entropy' : 'mean squared error'}) of a trivial strategy that needs no memory; a
        model below it has learned to use its recurrent state.
      </p>
      <PredictionView model={model} />
    </section>
  );
}
