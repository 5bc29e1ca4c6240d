// Validation on the reference (evaluate.ts): the loss is the teacher-forced forward's, the scores are
// greedy decoding's, and one source's alignment is greedy decoding with its attention rows.
import { describe, expect, it } from 'vitest';
import { parseSeq2SeqConfig } from './config.ts';
import { greedyDecode } from './decode.ts';
import { greedyAlignment, greedyPredictions, validatePairs } from './evaluate.ts';
import { exactMatch, tokenAccuracy } from './metrics.ts';
import { column } from './pairs.ts';
import { initParams } from './params.ts';
import { Seq2SeqReference } from './reference.ts';
import { createPairTask } from './tasks.ts';

const task = createPairTask('reverse', { seed: 2, maxLength: 4 });
const batch = task.validation(6);
const model = (attention: 'none' | 'dot' | 'additive') => {
  const cfg = parseSeq2SeqConfig({ cell: 'gru', hidden: 6, vocab: task.vocabulary.length, attention });
  return { ref: new Seq2SeqReference(cfg), params: Float64Array.from(initParams(cfg, 5), (x) => 2 * x) };
};

describe('validatePairs', () => {
  it('the teacher-forced loss, and greedy decoding’s token accuracy and exact match', () => {
    const { ref, params } = model('dot');
    const predicted = greedyPredictions(ref, params, batch);
    expect(validatePairs(ref, params, batch)).toEqual({
      loss: ref.forward(params, batch).loss,
      accuracy: tokenAccuracy(predicted, batch),
      exactMatch: exactMatch(predicted, batch),
    });
  });

  it('the predictions are greedy decoding’s tokens, time-major, for the batch’s U steps', () => {
    const { ref, params } = model('additive');
    const predicted = greedyPredictions(ref, params, batch);
    expect(predicted).toHaveLength(batch.U * batch.B);
    greedyDecode(ref, params, batch, batch.U).forEach((h, b) => expect(column(predicted, batch.B, b, h.tokens.length)).toEqual(h.tokens));
  });
});

describe('greedyAlignment', () => {
  const source = column(batch.source, batch.B, 0, batch.sourceLengths[0]);

  it('decodes as greedyDecode does, with one attention row per output token, each summing to 1', () => {
    const { ref, params } = model('dot');
    const a = greedyAlignment(ref, params, source, 12);
    const [g] = greedyDecode(ref, params, { S: source.length, B: 1, source: Uint32Array.from(source), sourceLengths: new Uint32Array([source.length]) }, 12);
    expect(a.tokens).toEqual(g.tokens);
    expect(a.logProb).toBeCloseTo(g.logProb, 12);
    expect(a.weights).toHaveLength(a.tokens.length * source.length);
    for (let u = 0; u < a.tokens.length; u++) {
      const row = a.weights!.subarray(u * source.length, (u + 1) * source.length);
      expect(row.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
    }
  });

  it('without attention: no weights; maxLength caps the output', () => {
    const { ref, params } = model('none');
    const a = greedyAlignment(ref, params, source, 2);
    expect(a.weights).toBeNull();
    expect(a.tokens.length).toBeLessThanOrEqual(2);
  });
});
