// Shown once when the session could not be saved (a full storage quota, say), until a later save
// succeeds: the previous save is kept, and the weights can still be kept as a download.

import { useShallow } from 'zustand/react/shallow';
import { lab } from '../lab/pageLab.ts';
import { useStore } from '../store/index.ts';
import { formatSavedAt } from './sessionRecord.ts';

export function SaveErrorBanner() {
  const { error, errorDismissed, savedAt, savedStep } = useStore(useShallow((s) => s.save));
  const setSave = useStore((s) => s.setSave);
  const usable = useStore((s) => s.phase === 'idle' || s.phase === 'paused' || s.phase === 'training');
  if (!error || errorDismissed) return null;
  const kept =
    savedAt !== null && savedStep !== null
      ? `The save of step ${savedStep.toLocaleString('en-US')} (${formatSavedAt(savedAt)}) is kept and comes back after a reload.`
      : 'Nothing is saved yet.';
  return (
    <div className="banner banner-warning" role="alert" data-testid="save-error">
      <p>
        <strong>Your session could not be saved in this browser.</strong> {error} {kept} Download the weights to keep them.
      </p>
      <div className="buttons">
        <button type="button" className="small" onClick={() => lab.exportWeights()} disabled={!usable}>
          Download weights (.safetensors)
        </button>
        <button type="button" className="small" onClick={() => setSave({ errorDismissed: true })}>
          Dismiss
        </button>
      </div>
    </div>
  );
}
