// Type a source, get the model's output: beam search of width 1 (greedy), 3 or 5 on the current
// weights, the hypotheses best first, each with its log-probability (Σ log p of its symbols, <eos>
// included); one the search cut off before its <eos> is marked. Why a source could not be decoded
// (a symbol outside the vocabulary, too long) is said in words.

import { useId, useState } from 'react';
import type { DecodeResult } from '../store/sessionSlice.ts';
import { describeSymbols } from './seq2seqFeed.ts';
import './seq2seq.css';

export const BEAM_WIDTHS = [1, 3, 5] as const;

export interface DecodeBoxProps {
  /** A model is configured and can decode. */
  ready: boolean;
  /** The model's vocabulary (specials first), for the hint; null before the model is known. */
  vocabulary: string[] | null;
  /** An example source for the placeholder. */
  example?: string;
  result: DecodeResult | null;
  pending: boolean;
  onDecode(source: string, beam: number): void;
}

export function DecodeBox({ ready, vocabulary, example, result, pending, onDecode }: DecodeBoxProps) {
  const id = useId();
  const [source, setSource] = useState('');
  const [beam, setBeam] = useState<number>(3);
  const [problem, setProblem] = useState<string | null>(null);
  const submit = () => {
    if (!source) return setProblem('Type a source first.');
    setProblem(null);
    onDecode(source, beam);
  };
  const error = problem ?? result?.error ?? null;
  return (
    <div className="decode" data-testid="decode-box">
      <form
        className="decode-form"
        aria-label="Decode a source"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <label htmlFor={`${id}-source`}>Source</label>
        <input
          id={`${id}-source`}
          type="text"
          value={source}
          maxLength={400}
          spellCheck={false}
          autoComplete="off"
          placeholder={example ? `e.g. ${example}` : undefined}
          aria-describedby={`${id}-hint`}
          onChange={(e) => setSource(e.target.value)}
        />
        <label htmlFor={`${id}-beam`}>Beam width</label>
        <select id={`${id}-beam`} value={beam} onChange={(e) => setBeam(Number(e.target.value))}>
          {BEAM_WIDTHS.map((b) => (
            <option key={b} value={b}>
              {b === 1 ? '1 (greedy)' : b}
            </option>
          ))}
        </select>
        <button type="submit" className="small" disabled={!ready || pending}>
          {pending ? 'Decoding…' : 'Decode'}
        </button>
      </form>
      <p id={`${id}-hint`} className="field-hint">
        Each character is one symbol{vocabulary ? `: ${describeSymbols(vocabulary)}` : ''}. Decoding uses the current weights, also while training.
      </p>
      {error && (
        <p className="field-error" role="alert" data-testid="decode-error">
          {error}
        </p>
      )}
      {result && !result.error && !problem && (
        <div aria-live="polite">
          <p className="muted decode-caption">
            “{result.source}” at step {result.step.toLocaleString('en-US')}, beam width {result.beam}: {result.hypotheses.length} hypothes
            {result.hypotheses.length === 1 ? 'is' : 'es'}, best first
          </p>
          <ol className="decode-results" data-testid="decode-results">
            {result.hypotheses.map((h, i) => (
              <li key={i} data-testid="decode-hypothesis">
                <code className="decode-text">{h.text === '' ? '(empty)' : h.text}</code>
                <span className="decode-score" title="log-probability: Σ log p of its symbols, the end marker included">
                  log p = {h.logProb.toFixed(3)}
                </span>
                {!h.finished && <span className="muted"> (cut off before its end marker)</span>}
              </li>
            ))}
          </ol>
        </div>
      )}
    </div>
  );
}
