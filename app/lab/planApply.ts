// What applying the form means: invalid settings, no change, a change that would throw the trained
// weights away (the user is asked first), or a configuration (keeping the weights when the shapes allow).

import { PAIRS_UPLOAD, TREE_UPLOAD } from '../config/datasets.ts';
import { parseSettings, type FieldErrors, type Settings } from '../config/schema.ts';
import { keepsWeights, seriesValues } from '../config/sessionConfig.ts';
import type { Store } from '../store/index.ts';
import type { PendingDiscard } from '../store/settingsSlice.ts';

export type ApplyPlan =
  | { kind: 'invalid'; errors: FieldErrors }
  | { kind: 'unchanged' }
  | { kind: 'confirm'; pending: PendingDiscard }
  | { kind: 'configure'; settings: Settings; keepWeights: boolean };

export function planApply(s: Store): ApplyPlan {
  const parsed = parseSettings(s.form, {
    uploadChars: s.upload?.chars ?? null,
    seriesValues: (s.series && seriesValues(s.series)?.length) ?? null,
    treeFile: s.treeFile?.trees ?? null,
    pairFile: s.pairFile?.pairs ?? null,
  });
  if (!parsed.ok) return { kind: 'invalid', errors: parsed.errors };
  const target = parsed.settings;
  const sameUpload =
    target.dataset === 'upload'
      ? s.upload === s.appliedUpload
      : target.dataset === 'series'
        ? s.series === s.appliedSeries
        : target.dataset === TREE_UPLOAD
          ? s.treeFile === s.appliedTreeFile
          : target.dataset === PAIRS_UPLOAD
            ? s.pairFile === s.appliedPairFile
            : true;
  const current = s.requested?.settings ?? s.applied;
  if (current && sameUpload && sameSettings(current, target)) return { kind: 'unchanged' };
  const keepWeights = current !== null && keepsWeights(current, target, sameUpload);
  if (!keepWeights && s.steps + s.carriedSteps > 0 && s.phase !== 'failed') {
    const changed = current ? changedFields(current, target, sameUpload) : [];
    return { kind: 'confirm', pending: { settings: target, changed } };
  }
  return { kind: 'configure', settings: target, keepWeights };
}

function sameSettings(a: Settings, b: Settings): boolean {
  return (Object.keys(b) as (keyof Settings)[]).every((k) => a[k] === b[k]);
}

const FIELD_LABELS: Record<keyof Settings, string> = {
  dataset: 'dataset',
  cell: 'cell',
  hidden: 'hidden size',
  layers: 'layers',
  bidirectional: 'bidirectional setting',
  seqLen: 'sequence length',
  tbptt: 'TBPTT length',
  batchSize: 'batch size',
  optimizer: 'optimizer',
  lr: 'learning rate',
  clip: 'clip norm',
  seed: 'seed',
  trainDepth: 'training depth',
  validationDepth: 'validation depth',
  attention: 'attention',
  maxLength: 'training length',
  teacherForcing: 'teacher forcing',
  teacherForcingSteps: 'teacher-forcing schedule',
};

function changedFields(a: Settings, b: Settings, sameUpload: boolean): string[] {
  const keys = (Object.keys(b) as (keyof Settings)[]).filter((k) => a[k] !== b[k] || (k === 'dataset' && !sameUpload));
  return keys.map((k) => FIELD_LABELS[k]);
}
