// Test helper: a random sequence-to-sequence batch with given lengths, junk in its padding.
import { Rng } from '../core/rng.ts';
import { EOS, type PairBatch } from '../seq2seq/pairs.ts';

export const JUNK = 999_999;

/** A random batch with these lengths: symbols 3..V−1, each target ending in <eos>, junk ids in the padding. */
export function pairBatch(V: number, S: number, U: number, sourceLengths: number[], targetLengths: number[], seed: number): PairBatch {
  const rng = new Rng(seed);
  const B = sourceLengths.length;
  const ids = (T: number, len: number[], eos: boolean) =>
    Uint32Array.from({ length: T * B }, (_, r) => {
      const [t, b] = [Math.floor(r / B), r % B];
      if (t >= len[b]) return JUNK;
      return eos && t === len[b] - 1 ? EOS : 3 + rng.int(V - 3);
    });
  return {
    B,
    S,
    U,
    source: ids(S, sourceLengths, false),
    sourceLengths: Uint32Array.from(sourceLengths),
    target: ids(U, targetLengths, true),
    targetLengths: Uint32Array.from(targetLengths),
  };
}
