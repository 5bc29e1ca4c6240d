// Scores of decoded outputs against a PairBatch's targets.
//
// `predicted` is what greedy decoding writes: a time-major Uint32Array of ids, row u·B + b, one row per
// decoder step for the whole batch (the layout of the batch's own target), of any number of steps
// (predicted.length / B). A prediction ends at its first <eos>: whatever the decoder wrote after it
// counts as nothing, so output that stops early, or runs out of steps, is wrong at every target step
// it does not reach.

import { EOS, PAD, type PairBatch } from './pairs.ts';

/** Per sequence: how many of its target steps (<eos> included) the prediction matches, position by position. */
function matches(predicted: Uint32Array, batch: PairBatch): number[] {
  const { B, target, targetLengths } = batch;
  if (predicted.length % B !== 0) throw new Error(`predicted has ${predicted.length} ids, not a whole number of steps of ${B} sequences`);
  const steps = predicted.length / B;
  return Array.from(targetLengths, (n, b) => {
    let correct = 0;
    let ended = false;
    for (let u = 0; u < n; u++) {
      const p = ended || u >= steps ? PAD : predicted[u * B + b];
      if (p === target[u * B + b]) correct++;
      if (p === EOS) ended = true;
    }
    return correct;
  });
}

/** The share of real target steps (each sequence's tokens and its <eos>) that the prediction gets right. */
export function tokenAccuracy(predicted: Uint32Array, batch: PairBatch): number {
  const correct = matches(predicted, batch).reduce((a, c) => a + c, 0);
  return correct / batch.targetLengths.reduce((a, n) => a + n, 0);
}

/** The share of sequences predicted exactly: every token, then <eos> at the right step. */
export function exactMatch(predicted: Uint32Array, batch: PairBatch): number {
  return matches(predicted, batch).filter((c, b) => c === batch.targetLengths[b]).length / batch.B;
}
