// From validated settings to the worker's SessionConfig, and which changes keep the trained weights.

import { optimizer } from '../../gpu/optim/config.ts';
import type { DatasetChoice, SessionConfig } from '../../gpu/worker/protocol.ts';
import type { Settings } from './schema.ts';

export interface UploadedText {
  name: string;
  text: string;
  /** Code points, as the character model counts them. */
  chars: number;
}

export function toSessionConfig(s: Settings, upload: UploadedText | null): SessionConfig {
  return {
    dataset: datasetChoice(s, upload),
    cell: s.cell === 'rnn-tanh' || s.cell === 'rnn-relu' ? 'rnn' : s.cell,
    nonlinearity: s.cell === 'rnn-relu' ? 'relu' : 'tanh',
    hidden: s.hidden,
    layers: s.layers,
    seqLen: s.seqLen,
    tbptt: s.tbptt,
    batchSize: s.batchSize,
    optimizer: { ...optimizer({ kind: s.optimizer, lr: s.lr }), clip: s.clip },
    seed: s.seed,
  };
}

function datasetChoice(s: Settings, upload: UploadedText | null): DatasetChoice {
  switch (s.dataset) {
    case 'moby-dick':
    case 'first-names':
      return { kind: 'corpus', name: s.dataset };
    case 'upload':
      if (!upload) throw new Error('No text file was uploaded.');
      return { kind: 'text', name: upload.name, text: upload.text };
    default:
      return { kind: 'task', name: s.dataset };
  }
}

/** Settings the trained weights survive: only the optimizer's and the data stream's. */
const KEEPS_WEIGHTS: readonly (keyof Settings)[] = ['optimizer', 'lr', 'clip', 'seed'];

/** True when going from `a` to `b` (same uploaded text) leaves the model's weights usable. */
export function keepsWeights(a: Settings, b: Settings, sameUpload: boolean): boolean {
  if (!sameUpload && b.dataset === 'upload') return false;
  return (Object.keys(b) as (keyof Settings)[]).every((k) => KEEPS_WEIGHTS.includes(k) || a[k] === b[k]);
}
