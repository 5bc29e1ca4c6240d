// Validation of an encoder–decoder on the float64 reference (reference.ts), from weights read back
// between training steps: what the CLI's `train --seq2seq` and the worker's sessions report alike.
//   loss         teacher-forced cross-entropy, mean over the real target steps (<eos> included)
//   accuracy     the share of real target steps that greedy decoding gets right (metrics.ts)
//   exactMatch   the share of pairs greedy decoding gets exactly right, <eos> at the right step
// And one source decoded greedily with its attention weights at each output step (the alignment a
// page draws).

import { GATES } from '../recurrent/config.ts';
import { encoderDirections, modelWidth, type Seq2SeqConfig } from './config.ts';
import { greedyDecode } from './decode.ts';
import { exactMatch, tokenAccuracy } from './metrics.ts';
import { BOS, EOS, type PairBatch } from './pairs.ts';
import { argmax, logSumExp, type Seq2SeqReference } from './reference.ts';

export interface PairValidation {
  loss: number;
  accuracy: number;
  exactMatch: number;
}

/**
 * Greedy decoding's output as metrics.ts reads it: time-major ids, row u·B + b, for the batch's U
 * steps, <pad> after each end (a prediction past U steps could not match the target anyway).
 */
export function greedyPredictions(ref: Seq2SeqReference, params: Float64Array, batch: PairBatch): Uint32Array {
  const out = new Uint32Array(batch.U * batch.B);
  greedyDecode(ref, params, batch, batch.U).forEach((h, b) => h.tokens.forEach((y, u) => (out[u * batch.B + b] = y)));
  return out;
}

/** The teacher-forced loss and greedy decoding's token accuracy and exact match on `batch`. */
export function validatePairs(ref: Seq2SeqReference, params: Float64Array, batch: PairBatch): PairValidation {
  const loss = ref.forward(params, batch).loss;
  const predicted = greedyPredictions(ref, params, batch);
  return { loss, accuracy: tokenAccuracy(predicted, batch), exactMatch: exactMatch(predicted, batch) };
}

export interface Alignment {
  /** The generated ids, <eos> included when it was generated. */
  tokens: number[];
  /** Σ log-probabilities of the tokens. */
  logProb: number;
  /** α at each output step over the source's steps, row-major [tokens.length, source.length]; null without attention. */
  weights: Float64Array | null;
}

/** One source (its ids) decoded greedily until <eos> or maxLength tokens, with the attention of every step. */
export function greedyAlignment(ref: Seq2SeqReference, params: Float64Array, source: ArrayLike<number>, maxLength: number): Alignment {
  const S = source.length;
  if (S === 0) throw new Error('greedyAlignment: the source is empty');
  const P = ref.prepare(params);
  const V = ref.cfg.vocab;
  const { memory, state: initial } = ref.encode(P, Uint32Array.from(source), new Uint32Array([S]), S);
  const tokens: number[] = [];
  const rows: Float64Array[] = [];
  let logProb = 0;
  let state = initial;
  while (tokens.length < maxLength && tokens.at(-1) !== EOS) {
    const step = ref.step(P, memory, state, new Uint32Array([tokens.length === 0 ? BOS : tokens.at(-1)!]));
    const z = step.logits.subarray(0, V);
    const y = argmax(z);
    tokens.push(y);
    logProb += z[y] - logSumExp(z);
    rows.push(step.alpha.slice(0, S));
    state = step.state;
  }
  let weights: Float64Array | null = null;
  if (ref.cfg.attention !== 'none') {
    weights = new Float64Array(rows.length * S);
    rows.forEach((r, u) => weights!.set(r, u * S));
  }
  return { tokens, logProb, weights };
}

/**
 * Multiply-adds of validatePairs for one pair of S source and U target steps, roughly: the teacher-
 * forced forward and greedy decoding each run the encoder over S steps and the decoder and readout
 * over U (a token input is a column gather), with STEP_OVERHEAD for what a row's step costs beyond
 * its arithmetic. What a caller sizes a validation by, where it must stay quick (the worker's sessions).
 */
export function validationCost(cfg: Seq2SeqConfig, S: number, U: number): number {
  const { hidden: H, layers: L, vocab: V } = cfg;
  const [G, W, D] = [GATES[cfg.cell], modelWidth(cfg), encoderDirections(cfg)];
  const A = cfg.attentionSize ?? W;
  let encoder = 0;
  let decoder = 0;
  for (let l = 0; l < L; l++) {
    encoder += D * G * H * ((l === 0 ? 1 : W) + H);
    decoder += G * W * ((l === 0 ? 1 : W) + W);
  }
  const score = cfg.attention === 'none' ? 0 : cfg.attention === 'additive' ? S * A + A * W : S * W;
  const readout = score + (cfg.attention === 'none' ? 0 : 2 * W * W + S * W) + V * W;
  const keys = cfg.attention === 'general' ? S * W * W : cfg.attention === 'additive' ? S * A * W : 0;
  return 2 * (S * (encoder + STEP_OVERHEAD) + keys + U * (decoder + readout + STEP_OVERHEAD));
}

/** What one row's step of the reference costs beyond its arithmetic (allocations, calls), in multiply-adds, measured in V8. */
const STEP_OVERHEAD = 5000;
