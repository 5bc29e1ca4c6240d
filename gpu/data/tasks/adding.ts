// The adding problem (Hochreiter & Schmidhuber 1997; Le, Jaitly & Hinton 2015).
//
// Inputs: 2 features per step, [value ~ U[0,1), marker ∈ {0,1}]. Exactly two markers per sequence:
// one at a uniform step of the first half [0, ⌊T/2⌋), the other at a uniform step of the second half
// [⌊T/2⌋, T). Target: the sum of the two marked values, read from the final state only — a
// `targetValues` of length B (B·O with O = 1): loss 'regress', on each final state. All lengths are T.
//
// Baseline: always predicting 1 (the mean of the sum) gives MSE = Var(U1 + U2) = 2 · 1/12 = 1/6.

import type { Rng } from '../../core/rng.ts';
import type { Batch } from '../batch.ts';
import { checkB, checkSeed, checkT, fillBatch, type Task, type TaskOptions } from './task.ts';

export function addingTask({ T, seed }: TaskOptions): Task {
  checkT('adding', T, 2);
  checkSeed('adding', seed);
  const half = Math.floor(T / 2);

  const make = (B: number, source: Rng | { seed: number }): Batch => {
    checkB('adding', B);
    const inputs = new Float32Array(T * B * 2);
    const targetValues = new Float32Array(B);
    const lengths = new Uint32Array(B).fill(T);
    const batch: Batch = { T, B, inputs, targetValues, lengths };
    return fillBatch(
      batch,
      (b, rng) => {
        for (let t = 0; t < T; t++) inputs[(t * B + b) * 2] = rng.uniform();
        const first = rng.int(half);
        const second = half + rng.int(T - half);
        inputs[(first * B + b) * 2 + 1] = 1;
        inputs[(second * B + b) * 2 + 1] = 1;
        targetValues[b] = inputs[(first * B + b) * 2] + inputs[(second * B + b) * 2];
      },
      source,
    );
  };

  return {
    name: 'adding',
    description: 'Add the two values marked among T random numbers and report the sum at the last step.',
    model: { input: { kind: 'real', features: 2 }, output: 1, loss: 'regress' },
    batch: (B, rng) => make(B, rng),
    validation: (B) => make(B, { seed }),
    baseline: 1 / 6,
  };
}
