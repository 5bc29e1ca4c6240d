// For an encoder–decoder dataset: what the task asks, greedy decoding's scores on the (longer)
// validation pairs at each validation (token accuracy and exact match, with a small chart), the
// attention view of a validation pair (live while training), and a box to type a source into and see
// the beam's hypotheses with their log-probabilities.

import { useSyncExternalStore } from 'react';
import { datasetInfo, isSeq2SeqDataset, PAIRS_UPLOAD } from '../config/datasets.ts';
import { toSeq2SeqConfig } from '../config/sessionConfig.ts';
import { lab } from '../lab/pageLab.ts';
import { exampleSource, teacherForcingText, validationText } from '../seq2seq/alignment.ts';
import { AlignmentView } from '../seq2seq/AlignmentView.tsx';
import { DecodeBox } from '../seq2seq/DecodeBox.tsx';
import { ScoresChart } from '../seq2seq/ScoresChart.tsx';
import { useStore } from '../store/index.ts';
import { Versus } from './Versus.tsx';

export function Seq2SeqPanel() {
  const applied = useStore((s) => s.applied);
  const pairFile = useStore((s) => s.appliedPairFile);
  const dataset = useStore((s) => s.applied?.dataset ?? s.form.dataset);
  const model = useStore((s) => s.seq2seqModel);
  const phase = useStore((s) => s.phase);
  const decoded = useStore((s) => s.decoded);
  const decoding = useStore((s) => s.decoding);
  const steps = useStore((s) => s.steps);
  const points = useSyncExternalStore(
    (f) => lab.seq2seq.changed.subscribe(f),
    () => lab.seq2seq.points,
  );
  const info = datasetInfo(dataset);
  const config = applied && isSeq2SeqDataset(applied.dataset) && (applied.dataset !== PAIRS_UPLOAD || pairFile) ? toSeq2SeqConfig(applied, pairFile) : null;
  const last = points.at(-1);
  const ready = model !== null && (phase === 'idle' || phase === 'paused' || phase === 'training');
  return (
    <section className="panel task wide seq2seq" aria-labelledby="seq2seq-title" data-testid="seq2seq-panel">
      <header className="panel-head">
        <h2 id="seq2seq-title">{info.label.replace(/^Pairs: /, '')}</h2>
      </header>
      <p>{info.description}</p>
      {config && teacherForcingText(config, steps) && (
        <p className="muted" data-testid="teacher-forcing">
          {teacherForcingText(config, steps)}
        </p>
      )}
      <p className="muted">{config ? `Greedy decoding of ${validationText(config)}:` : 'Greedy decoding of the validation pairs:'}</p>
      <Versus
        model={{ label: 'Token accuracy', value: last ? last.accuracy.toFixed(3) : '–', testId: 'seq2seq-accuracy' }}
        baseline={{ label: 'Exact match', value: last ? last.exactMatch.toFixed(3) : '–', testId: 'seq2seq-exact' }}
      />
      <ScoresChart points={points} />
      <AlignmentView feed={lab.seq2seq} attention={config?.attention ?? null} />
      <h3 className="decode-title">Decode your own source</h3>
      <DecodeBox
        ready={ready}
        vocabulary={model?.vocabulary ?? null}
        example={config ? exampleSource(config) : undefined}
        result={decoded}
        pending={decoding}
        onDecode={(source, beam) => lab.decode(source, beam)}
      />
    </section>
  );
}
