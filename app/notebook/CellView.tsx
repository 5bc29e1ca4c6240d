// A notebook cell as a compact live trainer: what it trains, Train/Pause/Step/Reset up to its step
// budget, the loss curve, and the views its spec asks for (heatmap, samples or predictions, gradient
// norm, connectivity, trees; an encoder–decoder's alignment and decode box). Live data is drawn
// outside React's render cycle, as in the app.

import { useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { useStore } from 'zustand';
import { gradNormSpec } from '../charts/GradNormChart.tsx';
import { lossSpec } from '../charts/LossChart.tsx';
import { UPlotChart } from '../charts/UPlotChart.tsx';
import { datasetInfo, isSeq2SeqDataset } from '../config/datasets.ts';
import { toSeq2SeqConfig } from '../config/sessionConfig.ts';
import { exampleSource, validationText } from '../seq2seq/alignment.ts';
import { AlignmentView } from '../seq2seq/AlignmentView.tsx';
import { DecodeBox } from '../seq2seq/DecodeBox.tsx';
import { Heatmap, type HeatmapSource } from '../heatmap/Heatmap.tsx';
import { MetricsContext } from '../metrics/context.ts';
import { PredictionView } from '../panels/PredictionView.tsx';
import { LatestSample } from '../panels/LatestSample.tsx';
import { saveWeights } from '../weightsFile.ts';
import type { CellLab } from './cellLab.ts';
import { ConnectivityChart } from './ConnectivityChart.tsx';
import { TreeView } from '../tree/TreeView.tsx';
import { treeDatasetOf } from './cellConfig.ts';

const CELL_NAMES: Record<string, string> = { 'rnn-tanh': 'tanh RNN', 'rnn-relu': 'ReLU RNN', gru: 'GRU', lstm: 'LSTM' };

export function CellView({ lab, index }: { lab: CellLab; index: number }) {
  const { spec } = lab;
  const s = spec.settings;
  const t = spec.tree;
  const phase = useStore(lab.store, (x) => x.phase);
  const steps = useStore(lab.store, (x) => x.steps);
  const target = useStore(lab.store, (x) => x.target);
  const paramCount = useStore(lab.store, (x) => x.paramCount);
  const error = useStore(lab.store, (x) => x.error);
  const notice = useStore(lab.store, (x) => x.notice);
  const baseline = useStore(lab.store, (x) => x.baseline);
  const [log, setLog] = useState(false);
  const loss = useMemo(() => lossSpec(lab.metrics, log, baseline), [lab, log, baseline]);
  const grad = useMemo(() => gradNormSpec(lab.metrics), [lab]);
  const heatmap = useMemo<HeatmapSource>(
    () => ({ metrics: lab.metrics, labels: () => lab.state.stepLabels, directions: () => (lab.spec.settings?.bidirectional ? 2 : 1) }),
    [lab],
  );
  const tagger = useMemo(() => s && { name: CELL_NAMES[s.cell], bidirectional: s.bidirectional }, [s]);
  // An encoder–decoder cell's session config (its settings are the form's, of a pair dataset).
  const seq2seq = useMemo(() => (s && isSeq2SeqDataset(s.dataset) ? toSeq2SeqConfig(s) : null), [s]);
  const importInput = useRef<HTMLInputElement>(null);
  const ready = phase === 'idle' || phase === 'paused';
  const views = spec.views;
  const title = spec.title ?? `Cell ${index + 1}`;

  return (
    <MetricsContext.Provider value={lab.metrics}>
      <section className={`nb-cell${spec.width === 'half' ? ' half' : ''}`} id={`cell-${index + 1}`} data-testid="nb-cell" aria-label={title}>
        <header className="nb-cell-head">
          <h3>{title}</h3>
          <p className="muted">
            {seq2seq && s ? (
              <>
                {s.bidirectional ? 'bidirectional ' : ''}
                {CELL_NAMES[s.cell]} encoder–decoder {s.layers}×{s.hidden} · {seq2seq.attention === 'none' ? 'no' : seq2seq.attention} attention · {s.dataset},
                validated on {validationText(seq2seq)} · batch {s.batchSize} · {s.optimizer} {s.lr}
              </>
            ) : s ? (
              <>
                {s.bidirectional ? 'bidirectional ' : ''}
                {CELL_NAMES[s.cell]} {s.layers}×{s.hidden} · {datasetInfo(s.dataset).label.replace(/^Task: /, '')} · seq {s.seqLen}
                {s.tbptt < s.seqLen ? ` (TBPTT ${s.tbptt})` : ''} · batch {s.batchSize} · {s.optimizer} {s.lr}
              </>
            ) : (
              <>
                {t!.cell === 'lstm' ? 'Tree-LSTM' : 'tree RNN'} ×{t!.hidden} · {treeDatasetOf(t!)} · trained on depth ≤ {t!.trainDepth}, tested on{' '}
                {t!.validationDepth} · batch {t!.batchSize} trees · {t!.optimizer.kind} {t!.optimizer.lr}
              </>
            )}
            {paramCount !== null ? ` · ${paramCount.toLocaleString('en-US')} parameters` : ''}
          </p>
        </header>
        <div className="nb-controls">
          {phase === 'training' ? (
            <button type="button" onClick={() => lab.pause()}>
              Pause
            </button>
          ) : (
            <button type="button" className="primary" disabled={!ready} onClick={() => lab.train()}>
              {steps >= target ? `Train ${spec.steps} more` : steps > 0 ? 'Resume' : 'Train'}
            </button>
          )}
          <button type="button" disabled={!ready} onClick={() => lab.step()}>
            Step
          </button>
          <button type="button" disabled={phase === 'starting' || phase === 'training'} onClick={() => lab.reset()}>
            Reset
          </button>
          <span className="nb-progress" data-testid="nb-steps" aria-live="off">
            step {steps.toLocaleString('en-US')} / {target.toLocaleString('en-US')}
            <progress max={target} value={Math.min(steps, target)} />
          </span>
          <span className={`nb-status ${phase}`}>{phase === 'starting' ? 'Preparing…' : phase}</span>
          <span className="nb-weights">
            <button
              type="button"
              className="small"
              disabled={phase === 'starting'}
              onClick={() => void lab.exportWeights().then((b) => saveWeights(b, `${slug(title)}-step${steps}.safetensors`))}
            >
              Download weights
            </button>
            <button type="button" className="small" disabled={!ready || t !== null} onClick={() => importInput.current?.click()}>
              Attach weights…
            </button>
            <input
              ref={importInput}
              type="file"
              accept=".safetensors"
              className="visually-hidden"
              onChange={(e) => {
                const f = e.target.files?.[0];
                e.target.value = '';
                if (f) void lab.importWeights(f);
              }}
            />
          </span>
        </div>
        {error && (
          <p className="nb-banner error" role="alert" data-testid="nb-cell-error">
            {error.message}
          </p>
        )}
        {notice && (
          <p className="nb-banner notice" role="status">
            {notice}
          </p>
        )}
        <div className="nb-views">
          {views.includes('loss') && (
            <figure className="nb-view">
              <figcaption>
                <span>Loss</span>
                <label className="toggle">
                  <input type="checkbox" checked={log} onChange={(e) => setLog(e.target.checked)} /> log
                </label>
              </figcaption>
              <UPlotChart spec={loss} height={180} label={`${title}: training and validation loss`} empty="The loss appears once training starts." />
            </figure>
          )}
          {views.includes('gradnorm') && (
            <figure className="nb-view">
              <figcaption>Gradient norm</figcaption>
              <UPlotChart spec={grad} height={180} label={`${title}: gradient norm per step`} empty="The gradient norm appears once training starts." />
            </figure>
          )}
          {views.includes('connectivity') && <ConnectivityChart lab={lab} />}
          {views.includes('tree') && <TreeView feed={lab.trees} task={lab.spec.tree} />}
          {views.includes('alignment') && (
            <div className="nb-view wide">
              <CellScores lab={lab} />
              <AlignmentView feed={lab.seq2seq} attention={seq2seq?.attention ?? null} />
            </div>
          )}
          {views.includes('decode') && <CellDecode lab={lab} example={seq2seq ? exampleSource(seq2seq) : undefined} />}
          {views.includes('heatmap') && (
            <div className="nb-view wide">
              <Heatmap source={heatmap} compact />
            </div>
          )}
          {views.includes('samples') && <CellSamples lab={lab} />}
          {views.includes('prediction') && (
            <div className="nb-view wide">
              <PredictionView model={tagger} />
            </div>
          )}
        </div>
      </section>
    </MetricsContext.Provider>
  );
}

/** An encoder–decoder cell's latest validation scores, in one line. */
function CellScores({ lab }: { lab: CellLab }) {
  const points = useSyncExternalStore(
    (f) => lab.seq2seq.changed.subscribe(f),
    () => lab.seq2seq.points,
  );
  const last = points.at(-1);
  if (!last) return null;
  return (
    <p className="muted" data-testid="nb-seq2seq-scores">
      Greedy decoding at step {last.step.toLocaleString('en-US')}: token accuracy {last.accuracy.toFixed(3)}, exact match {last.exactMatch.toFixed(3)}
    </p>
  );
}

function CellDecode({ lab, example }: { lab: CellLab; example?: string }) {
  const decoded = useStore(lab.store, (x) => x.decoded);
  const decoding = useStore(lab.store, (x) => x.decoding);
  const phase = useStore(lab.store, (x) => x.phase);
  const info = useSyncExternalStore(
    (f) => lab.seq2seq.changed.subscribe(f),
    () => lab.seq2seq.info,
  );
  return (
    <div className="nb-view wide">
      <DecodeBox
        ready={info !== null && phase !== 'starting' && phase !== 'failed'}
        vocabulary={info?.vocabulary ?? null}
        example={example}
        result={decoded}
        pending={decoding}
        onDecode={(source, beam) => lab.decode(source, beam)}
      />
    </div>
  );
}

function CellSamples({ lab }: { lab: CellLab }) {
  const samples = useStore(lab.store, (x) => x.samples);
  const ready = useStore(lab.store, (x) => x.phase !== 'starting' && x.vocabulary !== null);
  const [prompt, setPrompt] = useState(lab.spec.prompt);
  const [temperature, setTemperature] = useState(0.8);
  // A new cell in this place (the notebook was edited) starts from its own prompt.
  const [promptOf, setPromptOf] = useState(lab);
  if (promptOf !== lab) {
    setPromptOf(lab);
    setPrompt(lab.spec.prompt);
  }
  const latest = samples[0];
  return (
    <div className="nb-view wide nb-samples">
      <div className="gen-controls">
        <label>
          Prompt <input type="text" value={prompt} maxLength={200} onChange={(e) => setPrompt(e.target.value)} />
        </label>
        <label>
          Temperature <output>{temperature.toFixed(2)}</output>
          <input type="range" min={0.1} max={2} step={0.05} value={temperature} onChange={(e) => setTemperature(Number(e.target.value))} />
        </label>
        <button type="button" className="small" disabled={!ready} onClick={() => lab.sample(prompt, temperature)}>
          Sample
        </button>
      </div>
      {latest ? <LatestSample sample={latest} testId="nb-sample" /> : <p className="muted">Samples from the current weights appear while it trains.</p>}
    </div>
  );
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '') || 'cell';
