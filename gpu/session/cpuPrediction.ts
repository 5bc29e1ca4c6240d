// The CPU session's side of the prediction (prediction.ts): the head's outputs for validation
// sequence 0, computed from the reference's states of a chunk (the reference keeps its logits per
// sub-batch, which a chunk with ended sequences runs on, so the head is applied here to sequence 0).

import type { Batch } from '../data/batch.ts';
import { perSequenceLoss } from '../recurrent/config.ts';
import { linearRows } from '../recurrent/referenceOps.ts';
import type { RecurrentReference } from '../recurrent/reference.ts';
import type { ChunkPass } from '../recurrent/cpuModel.ts';
import { sequence0Length } from './prediction.ts';

/**
 * Sequence 0's head outputs in a chunk: [len, O] at its real steps (row t = step t of the chunk) for
 * per-step losses, or [O] at its final state for per-sequence ones.
 */
export function sequence0Outputs(ref: RecurrentReference, params: Float64Array, chunk: Batch, pass: ChunkPass): Float64Array {
  const { hidden: H, output: O, layers: L } = ref.cfg;
  const [w, b] = [ref.view(params, 'head.weight'), ref.view(params, 'head.bias')];
  if (perSequenceLoss(ref.cfg)) return linearRows(pass.hT.subarray((L - 1) * chunk.B * H, (L - 1) * chunk.B * H + H), w, b, 1, O, H);
  const top = pass.hs[L - 1];
  const n = sequence0Length(chunk);
  const states = new Float64Array(n * H);
  for (let t = 0; t < n; t++) states.set(top.subarray((t + 1) * chunk.B * H, (t + 1) * chunk.B * H + H), t * H); // block t+1 holds h after step t
  return linearRows(states, w, b, n, O, H);
}
