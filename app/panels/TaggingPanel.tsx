// A labelling task's prediction (tagging's tags, copy's symbols) for validation sequence 0: each word
// with its predicted class as a coloured chip; a wrong chip is outlined in red and shows the true
// class; a legend of the class colours; the accuracy over the sentence; which kind of model tagged
// it. For the tagging task, the words whose tag only the next word decides (Paris or Manchester where
// a clause may begin: a city alone, a team in "Paris Saint-Germain") are marked and counted: a
// unidirectional model has to guess them, a bidirectional one reads the next word. Re-renders only
// itself, once per validation.

import { useMemo } from 'react';
import { nextWordDecides, TAGGING_TAGS } from '../../gpu/data/tasks/tagging.ts';
import { classStyles } from './tagColors.ts';
import { usePrediction } from './usePrediction.ts';

/** The model whose prediction is shown: its cell's name ("GRU") and whether it reads both ways. */
export interface TaggerModel {
  name: string;
  bidirectional: boolean;
}

export function TaggingPanel({ model = null }: { model?: TaggerModel | null }) {
  const frame = usePrediction();
  const p = frame?.prediction.kind === 'labels' ? frame.prediction : null;
  const classKey = p?.classes.join('\u0000') ?? '';
  const styles = useMemo(() => classStyles(classKey ? classKey.split('\u0000') : []), [classKey]);
  const tagging = classKey === TAGGING_TAGS.join('\u0000');
  const ahead = useMemo(() => (p && tagging ? nextWordDecides(p.words) : []), [p, tagging]);
  if (!frame || !p) return null;
  const correct = p.predicted.filter((c, t) => c === p.targets[t]).length;
  const n = p.words.length;
  const marked = ahead.flatMap((a, t) => (a ? [t] : []));
  const markedRight = marked.filter((t) => p.predicted[t] === p.targets[t]).length;
  return (
    <figure className="tagging" aria-labelledby="tagging-caption">
      <figcaption id="tagging-caption">
        Validation sentence 0 at step {frame.step.toLocaleString('en-US')}:{' '}
        <strong data-testid="tagging-accuracy">
          {correct}/{n} correct ({n ? ((100 * correct) / n).toFixed(0) : '–'}%)
        </strong>
        {model && (
          <span className="tagging-model" data-testid="tagging-model" data-bidirectional={String(model.bidirectional)}>
            {model.bidirectional
              ? `Tagged by a bidirectional ${model.name}: each tag is chosen having read the whole sentence, forwards and backwards.`
              : `Tagged by a unidirectional ${model.name}: each tag is chosen having read only the words up to it.`}
          </span>
        )}
      </figcaption>
      <ol className="tagged-words">
        {p.words.map((word, t) => {
          const [guess, truth] = [p.predicted[t], p.targets[t]];
          const wrong = guess !== truth;
          return (
            <li
              key={t}
              className={`tagged${wrong ? ' wrong' : ''}${ahead[t] ? ' ahead' : ''}`}
              data-testid="tagged-word"
              data-correct={String(!wrong)}
              data-ahead={ahead[t] ? 'true' : undefined}
            >
              <span className="tagged-word">
                {word}
                {ahead[t] && (
                  <>
                    <span className="ahead-mark" aria-hidden="true" title="Only the next word decides this tag">
                      {' →'}
                    </span>
                    <span className="visually-hidden"> (only the next word decides its tag)</span>
                  </>
                )}
              </span>
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
      {tagging && (
        <p className="tagging-ahead" data-testid="tagging-ahead" data-marked={marked.length} data-right={markedRight}>
          {marked.length ? (
            <>
              <span aria-hidden="true">→ </span>Only the next word decides the tag of{' '}
              {marked.length === 1 ? 'the marked word' : `the ${marked.length} marked words`}:{' '}
              <strong>
                {markedRight}/{marked.length} right
              </strong>
              .
            </>
          ) : (
            'No word of this sentence needs the next word for its tag (another seed gives another sentence).'
          )}{' '}
          Where a clause begins, Paris or Manchester is a city alone but a team in “Paris Saint-Germain” or “Manchester United”: a unidirectional model has to
          guess, a bidirectional one reads the next word.
        </p>
      )}
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
