// The inline "throw the trained weights away?" question, shown when a change needs a new model.

import { lab } from '../lab/pageLab.ts';
import { useStore } from '../store/index.ts';

export function ConfirmDiscard() {
  const pending = useStore((s) => s.pendingDiscard);
  const steps = useStore((s) => s.steps + s.carriedSteps);
  if (!pending) return null;
  const what = pending.changed.length ? `Changing the ${joinWords(pending.changed)} needs` : 'This change needs';
  return (
    <div className="confirm" role="alertdialog" aria-labelledby="confirm-text" data-testid="confirm-discard">
      <p id="confirm-text">
        {what} a new model. Discard the weights trained for {steps.toLocaleString('en-US')} steps?
      </p>
      <div className="buttons">
        <button type="button" className="danger" onClick={() => lab.confirmDiscard()}>
          Discard and apply
        </button>
        <button type="button" onClick={() => lab.cancelDiscard()}>
          Keep the weights
        </button>
      </div>
    </div>
  );
}

function joinWords(words: string[]): string {
  return words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}
