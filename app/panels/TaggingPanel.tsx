// A labelling task's prediction (tagging's tags, copy's symbols) for validation sequence 0: each word
// with its predicted class as a coloured chip; a wrong chip is outlined in red and shows the true
// class; a legend of the class colours; the accuracy over the sentence. Re-renders only itself, once
// per validation.

import { useMemo } from 'react';
import { classStyles } from './tagColors.ts';
import { usePrediction } from './usePrediction.ts';

export function TaggingPanel() {
  const frame = usePrediction();
  const p = frame?.prediction.kind === 'labels' ? frame.prediction : null;
  const classKey = p?.classes.join('\u0000') ?? '';
  const styles = useMemo(() => classStyles(classKey ? classKey.split('\u0000') : []), [classKey]);
  if (!frame || !p) return null;
  const correct = p.predicted.filter((c, t) => c === p.targets[t]).length;
  const n = p.words.length;
  return (
    <figure className="tagging" aria-labelledby="tagging-caption">
      <figcaption id="tagging-caption">
        Validation sentence 0 at step {frame.step.toLocaleString('en-US')}:{' '}
        <strong data-testid="tagging-accuracy">
          {correct}/{n} correct ({n ? ((100 * correct) / n).toFixed(0) : '–'}%)
        </strong>
      </figcaption>
      <ol className="tagged-words">
        {p.words.map((word, t) => {
          const [guess, truth] = [p.predicted[t], p.targets[t]];
          const wrong = guess !== truth;
          return (
            <li key={t} className={wrong ? 'tagged wrong' : 'tagged'} data-testid="tagged-word" data-correct={String(!wrong)}>
              <span className="tagged-word">{word}</span>
              <span className="tag-chip" data-testid="tag-chip" data-tag={p.classes[guess]} style={styles[guess]}>
                {p.classes[guess]}
              </span>
              {wrong && (
                <span className="tag-truth" title={`The true tag is ${p.classes[truth]}`}>
                  <span aria-hidden="true">✗ </span>
                  <span className="visually-hidden">wrong; the true tag is </span>
                  {p.classes[truth]}
                </span>
              )}
            </li>
          );
        })}
      </ol>
      <ul className="tag-legend" aria-label="Tag colours">
        {p.classes.map((c, i) => (
          <li key={c}>
            <span className="tag-chip" style={styles[i]}>
              {c}
            </span>
          </li>
        ))}
        <li className="tag-legend-wrong">
          <span className="tag-chip tag-chip-wrong">wrong</span> predicted tag ≠ true tag (shown beneath)
        </li>
      </ul>
    </figure>
  );
}
