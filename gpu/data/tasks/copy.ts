// The copy task (Hochreiter & Schmidhuber 1997; Arjovsky, Shah & Bengio 2016).
//
// Tokens: ids 0..7 are symbols, 8 is blank, 9 the delimiter (vocab 10). A sequence of
// S = min(8, ⌊(T−1)/2⌋) random symbols (steps 0..S−1), then blanks, with the delimiter at step T−S−1
// and blanks for the last S steps. Target: blank everywhere except the last S steps, which must
// reproduce the S symbols. Loss 'ce' per step, output 10.
//
// Baseline (`baseline`): the usual memoryless one, S·ln(8)/T: a model that outputs blank (with
// certainty) until it sees the delimiter and then the uniform distribution over the 8 symbols — it
// needs no memory of the symbols. `copyConstantBaseline` is the weaker baseline of the best single
// constant distribution (blank with probability (T−S)/T, each symbol S/(8T)).

import type { Rng } from '../../core/rng.ts';
import type { Batch } from '../batch.ts';
import { checkB, checkSeed, checkT, fillBatch, type Task, type TaskOptions } from './task.ts';

export const COPY_SYMBOLS = 8;
export const COPY_BLANK = 8;
export const COPY_DELIMITER = 9;
export const COPY_VOCABULARY = ['0', '1', '2', '3', '4', '5', '6', '7', '_', '|'];

/** How many symbols a copy sequence of T steps memorises (T ≥ 2S + 1). */
export function copyLength(T: number): number {
  return Math.min(8, Math.floor((T - 1) / 2));
}

/** Cross-entropy of the best constant distribution over the targets (the memoryless-and-positionless baseline). */
export function copyConstantBaseline(T: number): number {
  const S = copyLength(T);
  const pBlank = (T - S) / T;
  const pSymbol = S / (COPY_SYMBOLS * T);
  return -(pBlank * Math.log(pBlank) + (S / T) * Math.log(pSymbol));
}

export function copyTask({ T, seed }: TaskOptions): Task {
  checkT('copy', T, 3);
  checkSeed('copy', seed);
  const S = copyLength(T);

  const make = (B: number, source: Rng | { seed: number }): Batch => {
    checkB('copy', B);
    const tokens = new Uint32Array(T * B).fill(COPY_BLANK);
    const targets = new Uint32Array(T * B).fill(COPY_BLANK);
    const lengths = new Uint32Array(B).fill(T);
    for (let b = 0; b < B; b++) tokens[(T - S - 1) * B + b] = COPY_DELIMITER;
    return fillBatch(
      { T, B, tokens, targets, lengths },
      (b, rng) => {
        for (let s = 0; s < S; s++) {
          const symbol = rng.int(COPY_SYMBOLS);
          tokens[s * B + b] = symbol;
          targets[(T - S + s) * B + b] = symbol;
        }
      },
      source,
    );
  };

  return {
    name: 'copy',
    description: `Remember ${S} random symbols and reproduce them after the delimiter, ${T - 2 * S - 1} blank steps later.`,
    model: { input: { kind: 'tokens', vocab: 10 }, output: 10, loss: 'ce' },
    batch: (B, rng) => make(B, rng),
    validation: (B) => make(B, { seed }),
    baseline: (S * Math.log(COPY_SYMBOLS)) / T,
    vocabulary: COPY_VOCABULARY.slice(),
    outputNames: COPY_VOCABULARY.slice(),
  };
}
