// The autosave's state under the run controls: "Saving…", "Saved 14:03:12", or that the last save failed.

import { useShallow } from 'zustand/react/shallow';
import { useStore } from '../store/index.ts';
import { formatSavedAt } from './sessionRecord.ts';

export function SaveStatus() {
  const { saving, savedAt, savedStep, error } = useStore(useShallow((s) => s.save));
  let text: string | null = null;
  if (saving) text = 'Saving…';
  else if (error) text = savedAt === null ? 'Not saved' : `Not saved · last save ${formatSavedAt(savedAt)}`;
  else if (savedAt !== null) text = `Saved ${formatSavedAt(savedAt)}`;
  if (text === null) return null;
  const title = savedStep === null ? undefined : `The saved session (step ${savedStep.toLocaleString('en-US')}) comes back when this page is reloaded.`;
  return (
    <p className={`save-status${error && !saving ? ' save-failed' : ''}`} data-testid="save-status" title={title}>
      {text}
    </p>
  );
}
