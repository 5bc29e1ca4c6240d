// Which family a weights file belongs to, read from its `rnnlab.config` (every family writes its
// model config there: a recurrent model's has no "kind", a tree model's says "tree", an
// encoder-decoder's "seq2seq"), so a session refuses another family's file by saying what it holds
// instead of listing missing tensors.

import { decodeSafetensors } from '../io/safetensors.ts';

export type WeightsFamily = 'recurrent' | 'tree' | 'seq2seq';

const HOLDS: Record<WeightsFamily, string> = {
  recurrent: "a recurrent sequence model's",
  tree: "a tree model's",
  seq2seq: "an encoder-decoder's",
};

/** The family a weights file was written by, or null when it does not say (or cannot be read: its decoder reports why). */
export function weightsFamily(bytes: Uint8Array): WeightsFamily | null {
  let stored: string | undefined;
  try {
    stored = decodeSafetensors(bytes).metadata['rnnlab.config'];
  } catch {
    return null;
  }
  if (stored === undefined) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(stored);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const kind = (raw as { kind?: unknown }).kind;
  return kind === undefined ? 'recurrent' : kind === 'tree' || kind === 'seq2seq' ? kind : null;
}

/** Throws, saying what the file holds, when a weights file is another family's than `expected`. */
export function refuseOtherFamily(bytes: Uint8Array, expected: WeightsFamily): void {
  const found = weightsFamily(bytes);
  if (found && found !== expected) throw new Error(`the file holds ${HOLDS[found]} weights, not ${HOLDS[expected]}`);
}
