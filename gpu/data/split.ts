// Truncated BPTT cuts a batch of T steps into chunks of k steps, each trained as its own step with
// the state carried over. A sequence's length in a chunk is what is left of it there (possibly 0:
// the chunk then only carries its state).

import type { Batch } from './batch.ts';

export function splitSteps(batch: Batch, k: number): Batch[] {
  const { T, B } = batch;
  if (T % k !== 0) throw new Error(`the truncation length ${k} must divide the sequence length ${T}`);
  const chunks: Batch[] = [];
  for (let t0 = 0; t0 < T; t0 += k) {
    const rows = (a: Float32Array | Uint32Array | undefined, width: number) => a?.slice(t0 * B * width, (t0 + k) * B * width);
    const F = batch.inputs ? batch.inputs.length / (T * B) : 0;
    const O = batch.targetValues ? batch.targetValues.length / (T * B) : 0;
    chunks.push({
      T: k,
      B,
      tokens: rows(batch.tokens, 1) as Uint32Array | undefined,
      inputs: rows(batch.inputs, F) as Float32Array | undefined,
      targets: rows(batch.targets, 1) as Uint32Array | undefined,
      targetValues: rows(batch.targetValues, O) as Float32Array | undefined,
      lengths: batch.lengths?.map((n) => Math.min(k, Math.max(0, n - t0))),
    });
  }
  return chunks;
}
