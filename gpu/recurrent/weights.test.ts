import { describe, it, expect } from 'vitest';
import { decodeWeights, encodeWeights, CONFIG_KEY } from './weights.ts';
import { decodeSafetensors, encodeSafetensors } from '../io/safetensors.ts';
import { parseModelConfig } from './config.ts';
import { initParams, paramLayout } from './params.ts';

const cfg = parseModelConfig({ hidden: 5, nonlinearity: 'relu', input: { kind: 'tokens', vocab: 7 } });

describe('model weights as safetensors', () => {
  it('uses PyTorch names and shapes for nn.RNN(batch_first=True) + nn.Linear', () => {
    const { tensors, metadata } = decodeSafetensors(encodeWeights(cfg, initParams(cfg, 1)));
    expect([...tensors].map(([n, t]) => [n, t.dtype, t.shape])).toEqual([
      ['rnn.weight_ih_l0', 'F32', [5, 7]],
      ['rnn.weight_hh_l0', 'F32', [5, 5]],
      ['rnn.bias_ih_l0', 'F32', [5]],
      ['rnn.bias_hh_l0', 'F32', [5]],
      ['head.weight', 'F32', [7, 5]],
      ['head.bias', 'F32', [7]],
    ]);
    expect(JSON.parse(metadata[CONFIG_KEY])).toEqual(cfg);
    expect(metadata.format).toBe('pt');
  });

  it('round-trips bit for bit, with or without the config given', () => {
    const params = initParams(cfg, 2);
    const bytes = encodeWeights(cfg, params);
    expect(decodeWeights(bytes, cfg).params).toEqual(params);
    const loaded = decodeWeights(bytes);
    expect(loaded.cfg).toEqual(cfg);
    expect(loaded.params).toEqual(params);
  });

  it('init is U(-1/sqrt(H), 1/sqrt(H)) for every tensor', () => {
    const big = parseModelConfig({ hidden: 16, input: { kind: 'tokens', vocab: 9 } });
    const p = initParams(big, 9);
    for (const s of paramLayout(big).specs) {
      const t = p.subarray(s.offset, s.offset + s.size);
      expect(Math.max(...t.map(Math.abs))).toBeLessThanOrEqual(0.25);
      expect(Math.max(...t.map(Math.abs))).toBeGreaterThan(0.15);
    }
  });

  it('init depends only on the seed: the same seed gives the same weights, another seed others', () => {
    const big = parseModelConfig({ hidden: 16, input: { kind: 'tokens', vocab: 9 } });
    expect(initParams(big, 9)).toEqual(initParams(big, 9));
    expect(initParams(big, 42)).toEqual(initParams(big, 42));
    expect(initParams(big, 42)).not.toEqual(initParams(big, 43));
  });

  const other = (patch: Record<string, unknown>) => parseModelConfig({ hidden: 5, nonlinearity: 'relu', input: { kind: 'tokens', vocab: 7 }, ...patch });

  it('refuses a file for another model, naming the tensor and both shapes', () => {
    const bytes = encodeWeights(other({ hidden: 6 }), initParams(other({ hidden: 6 }), 1));
    expect(() => decodeWeights(bytes, cfg)).toThrow(/rnn\.weight_ih_l0.*\[6,7\].*\[5,7\]/);
  });

  /** The model's tensors by name, as a file holds them. */
  const entries = () => {
    const params = initParams(cfg, 1);
    return paramLayout(cfg).specs.map(
      (s) => [s.name, { shape: s.shape, data: params.slice(s.offset, s.offset + s.size) }] as [string, { shape: number[]; data: Float32Array }],
    );
  };

  it('refuses a file with a tensor missing, naming it', () => {
    expect(() => decodeWeights(encodeSafetensors(entries().slice(1)), cfg)).toThrow(/missing tensor rnn\.weight_ih_l0/);
  });

  it('refuses a file with an unexpected tensor, naming it', () => {
    const all = entries();
    expect(() => decodeWeights(encodeSafetensors([...all, ['rnn.weight_ih_l1', all[0][1]]]), cfg)).toThrow(/unexpected tensor "rnn\.weight_ih_l1"/);
  });

  for (const bad of [NaN, Infinity, -Infinity])
    it(`refuses a weight of ${bad}, naming the tensor and element`, () => {
      const params = initParams(cfg, 1);
      params[paramLayout(cfg).byName.get('head.bias')!.offset + 3] = bad;
      expect(() => decodeWeights(encodeWeights(cfg, params), cfg)).toThrow(new RegExp(`head\\.bias.*${bad} at element 3`));
    });

  it('refuses a file without a config when none is given, naming the key it lacks', () => {
    const bytes = encodeSafetensors([['x', { shape: [1], data: new Float32Array(1) }]]);
    expect(() => decodeWeights(bytes)).toThrow(/rnnlab\.config/);
  });
});
