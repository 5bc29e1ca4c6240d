// Text from the current weights: a prompt, a temperature and a length. A sample is drawn every
// SAMPLE_EVERY steps while training, and on demand.

import { useShallow } from 'zustand/react/shallow';
import { lab } from '../lab/pageLab.ts';
import { SAMPLE_EVERY } from '../store/inFlightSlice.ts';
import { useStore } from '../store/index.ts';
import { LatestSample } from './LatestSample.tsx';

export function GenerationPanel() {
  const { prompt, temperature, sampleLength, setSampling } = useStore(
    useShallow((s) => ({ prompt: s.prompt, temperature: s.temperature, sampleLength: s.sampleLength, setSampling: s.setSampling })),
  );
  const samples = useStore((s) => s.samples);
  const phase = useStore((s) => s.phase);
  const ready = phase === 'idle' || phase === 'paused' || phase === 'training';
  const [latest, ...older] = samples;
  return (
    <section className="panel generation wide" aria-labelledby="gen-title">
      <header className="panel-head">
        <h2 id="gen-title">Generated text</h2>
      </header>
      <div className="gen-controls">
        <label className="gen-prompt">
          Prompt
          <input type="text" value={prompt} maxLength={200} onChange={(e) => setSampling({ prompt: e.target.value })} />
        </label>
        <label className="gen-temp">
          Temperature <output>{temperature.toFixed(2)}</output>
          <input type="range" min={0.1} max={2} step={0.05} value={temperature} onChange={(e) => setSampling({ temperature: Number(e.target.value) })} />
        </label>
        <label className="gen-length">
          Length
          <input
            type="number"
            min={1}
            max={2000}
            value={sampleLength}
            onChange={(e) => setSampling({ sampleLength: Math.max(1, Math.min(2000, Math.round(Number(e.target.value)) || 1)) })}
          />
        </label>
        <button type="button" onClick={() => lab.sampleNow()} disabled={!ready}>
          Sample now
        </button>
      </div>
      {latest ? (
        <LatestSample sample={latest} testId="sample" />
      ) : (
        <p className="muted">A sample appears every {SAMPLE_EVERY} steps while training, or press “Sample now”.</p>
      )}
      {older.length > 0 && (
        <details className="older">
          <summary>Earlier samples ({older.length})</summary>
          {older.map((s) => (
            <figure className="sample" key={`${s.step}-${s.text.length}-${s.text.slice(0, 8)}`}>
              <figcaption>Step {s.step.toLocaleString('en-US')}</figcaption>
              <pre>{s.text}</pre>
            </figure>
          ))}
        </details>
      )}
    </section>
  );
}
