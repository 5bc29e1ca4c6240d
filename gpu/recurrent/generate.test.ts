// The CPU sampler computes what the model is specified to compute: its logits, fed one token at a
// time, equal the float64 reference's over the whole sequence, for every cell and two layers.
import { describe, expect, it } from 'vitest';
import { charModelStepper, sampleChars } from './generate.ts';
import { parseModelConfig, type Cell } from './config.ts';
import { initParams } from './params.ts';
import { RecurrentReference } from './reference.ts';

describe('charModelStepper', () => {
  for (const cell of ['rnn', 'gru', 'lstm'] as Cell[])
    it(`${cell}, 2 layers: logits match the reference`, () => {
      const V = 7;
      const cfg = parseModelConfig({ cell, layers: 2, hidden: 5, input: { kind: 'tokens', vocab: V } });
      const params = initParams(cfg, 3).map((x) => x * 3); // larger weights: gates away from 0.5
      const tokens = Uint32Array.from([3, 1, 4, 1, 5, 6, 2, 0]);
      const ref = new RecurrentReference(cfg).forward(Float64Array.from(params), { T: tokens.length, B: 1, tokens, targets: new Uint32Array(tokens.length) });
      const feed = charModelStepper(cfg, params);
      tokens.forEach((tok, t) => {
        const logits = feed(tok);
        for (let o = 0; o < V; o++) expect(logits[o]).toBeCloseTo(ref.logits[t * V + o], 12);
      });
    });

  describe('sampling 40 tokens from a 2-layer GRU over 5 tokens', () => {
    const cfg = parseModelConfig({ cell: 'gru', layers: 2, hidden: 8, input: { kind: 'tokens', vocab: 5 } });
    const params = initParams(cfg, 1);
    const sample = (seed: number) => sampleChars(cfg, params, Uint32Array.from([1, 2]), 40, 0.8, seed);

    it('is deterministic per seed: the same seed the same tokens, another seed others', () => {
      expect(sample(9)).toEqual(sample(9));
      expect(sample(9)).not.toEqual(sample(10));
    });

    it('stays in the vocabulary', () => {
      expect(sample(9)).toHaveLength(40);
      expect(sample(9).every((v) => v < 5)).toBe(true);
    });

    it('needs no prompt', () => {
      expect(sampleChars(cfg, params, new Uint32Array(0), 3, 1, 0)).toHaveLength(3);
    });
  });
});
