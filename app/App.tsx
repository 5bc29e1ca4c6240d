// The first page: train a character-level RNN on the bundled corpus and watch it learn.

import type { Lab } from './lab.ts';
import { useLab, type LabState } from './store.ts';
import { LossChart } from './LossChart.tsx';
import { SAMPLE_EVERY, SAMPLE_LENGTH, SAMPLE_TEMPERATURE } from './trainSettings.ts';

export function App({ lab }: { lab: Lab }) {
  const state = useLab();
  const { status } = state;
  const s = lab.settings;
  return (
    <main className="lab">
      <header>
        <h1>rnnlab</h1>
        <p className="tagline">A character-level recurrent network learning Moby Dick, trained on your GPU in this tab.</p>
      </header>

      <p className="adapter" data-testid="adapter">
        {state.adapter ? <>GPU: <strong>{state.adapter}</strong></> : status === 'starting' ? 'Looking for a WebGPU adapter…' : 'No WebGPU adapter'}
      </p>
      {state.error && (
        <div className="error" role="alert" data-testid="error">
          <strong>{state.errorTitle}</strong> {state.error}
        </div>
      )}

      <div className="controls">
        <button type="button" className="primary" onClick={() => lab.train()} disabled={!(status === 'ready' || status === 'paused' || status === 'pausing')}>
          Train
        </button>
        <button type="button" onClick={() => void lab.pause()} disabled={status !== 'training'}>
          Pause
        </button>
        <button type="button" onClick={() => void lab.reset()} disabled={status === 'starting' || !state.adapter}>
          Reset
        </button>
        <span className={`status status-${status}`} data-testid="status">{STATUS_TEXT[status]}</span>
      </div>

      <dl className="stats">
        <Stat label="Step" value={state.steps.toLocaleString('en-US')} testId="steps" />
        <Stat label="Loss" value={state.loss === null ? '–' : state.loss.toFixed(3)} testId="loss" />
        <Stat label="Tokens/s" value={state.tokensPerSec === null ? '–' : Math.round(state.tokensPerSec).toLocaleString('en-US')} />
        <Stat label="ms/step" value={state.msPerStep === null ? '–' : state.msPerStep.toFixed(1)} />
      </dl>

      <LossChart series={lab.series} />

      <section className="sample">
        <h2>{state.sample ? `Sample at step ${state.sample.step}` : 'Sample'}</h2>
        <pre data-testid="sample">{state.sample?.text ?? `A ${SAMPLE_LENGTH}-character sample at temperature ${SAMPLE_TEMPERATURE} appears every ${SAMPLE_EVERY} steps.`}</pre>
      </section>

      <footer>
        Elman RNN ({s.nonlinearity}, hidden {s.hidden}) · sequences of {s.T} × batch {s.B} · Adam, lr {s.lr} · seed {s.seed}
        {state.corpus && <> · {state.corpus.chars.toLocaleString('en-US')} characters, vocabulary {state.corpus.vocab}</>}
      </footer>
    </main>
  );
}

const STATUS_TEXT: Record<LabState['status'], string> = {
  starting: 'Starting…',
  ready: 'Ready',
  training: 'Training',
  pausing: 'Pausing…',
  paused: 'Paused',
  error: 'Error',
};

function Stat({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div className="stat">
      <dt>{label}</dt>
      <dd data-testid={testId}>{value}</dd>
    </div>
  );
}
