// Optimizer state files: torch.optim's tensor names, bit-exact round trips, refusals, and their path.
import { describe, it, expect } from 'vitest';
import { optimizerPath } from './state.ts';
import { decodeOptimizerState, encodeOptimizerState } from '../recurrent/weights.ts';
import { decodeSafetensors } from '../io/safetensors.ts';
import { parseModelConfig } from '../recurrent/config.ts';
import { initParams, paramLayout } from '../recurrent/params.ts';
import { optimizer } from '../optimizer/config.ts';

const cfg = parseModelConfig({ cell: 'gru', layers: 2, hidden: 4, input: { kind: 'tokens', vocab: 5 } });
const n = paramLayout(cfg).total;
const snapshot = (kind: 'sgd' | 'adam') => ({
  step: 17,
  skippedTotal: 2,
  m: initParams(cfg, 1),
  v: kind === 'sgd' ? new Float32Array(0) : initParams(cfg, 2).map(Math.abs),
});

describe('optimizer state files', () => {
  for (const [kind, name] of [
    ['sgd', 'momentum_buffer.rnn.weight_hh_l1'],
    ['adam', 'exp_avg_sq.head.bias'],
  ] as const) {
    it(`${kind}: names its tensors as torch.optim's state (${name})`, () => {
      const names = [...decodeSafetensors(encodeOptimizerState(cfg, optimizer({ kind }), snapshot(kind))).tensors.keys()];
      expect(names).toContain(name);
    });

    it(`${kind}: round-trips bit for bit, the step and skipped count with the moments`, () => {
      const o = optimizer({ kind });
      const back = decodeOptimizerState(encodeOptimizerState(cfg, o, snapshot(kind)), cfg, o);
      expect(back.step).toBe(17);
      expect(back.skippedTotal).toBe(2);
      expect(back.m).toEqual(snapshot(kind).m);
      expect(back.v).toEqual(snapshot(kind).v);
      expect(back.m.length).toBe(n);
    });
  }

  const adamFile = () => encodeOptimizerState(cfg, optimizer({ kind: 'adam' }), snapshot('adam'));

  it('refuses state saved for another optimizer, naming both', () => {
    expect(() => decodeOptimizerState(adamFile(), cfg, optimizer({ kind: 'sgd' }))).toThrow(/for "adam", this run uses "sgd"/);
  });

  it('refuses state saved for another model, naming the tensor and both shapes', () => {
    const bigger = parseModelConfig({ cell: 'gru', layers: 2, hidden: 5, input: { kind: 'tokens', vocab: 5 } });
    expect(() => decodeOptimizerState(adamFile(), bigger, optimizer({ kind: 'adam' }))).toThrow(
      /exp_avg\.rnn\.weight_ih_l0" has shape \[12,5\], the model needs \[15,5\]/,
    );
  });

  it('lives beside the weights file', () => {
    expect(optimizerPath('runs/model.safetensors')).toBe('runs/model.optim.safetensors');
    expect(optimizerPath('model')).toBe('model.optim.safetensors');
  });
});
